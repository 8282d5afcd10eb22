//! Instrument versions: stored verbatim as validated TOML.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::domain::survey::instrument::Instrument;
use crate::dto::InstrumentSummary;
use crate::storage::{Db, StorageError, StorageResult};

/// The id of a stored instrument version.
pub type InstrumentId = i64;

/// What storing an instrument did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOutcome {
    /// A new version was stored.
    Stored(InstrumentId),
    /// The identical file was stored before; nothing changed.
    AlreadyPresent(InstrumentId),
}

impl StoreOutcome {
    /// The id of the stored version either way.
    pub fn id(self) -> InstrumentId {
        match self {
            StoreOutcome::Stored(id) | StoreOutcome::AlreadyPresent(id) => id,
        }
    }
}

/// Stores a validated instrument with its source text.
///
/// The caller validates (`Instrument::from_toml_str`) first, so an invalid
/// instrument never reaches the database. A different file under an existing
/// key and version is refused: answers are decoded by item position, so a
/// silently changed version would corrupt every stored response.
#[tracing::instrument(skip_all, fields(key = %instrument.id, version = %instrument.version))]
pub async fn store(db: &Db, instrument: &Instrument, source: &str) -> StorageResult<StoreOutcome> {
    let existing: Option<(i64, String)> = sqlx::query_as(
        "select instrument_id, source_toml from instrument where instrument_key = $1 and version = $2",
    )
    .bind(&instrument.id)
    .bind(&instrument.version)
    .fetch_optional(db)
    .await?;
    if let Some((id, stored_source)) = existing {
        return if stored_source == source {
            Ok(StoreOutcome::AlreadyPresent(id))
        } else {
            Err(StorageError::Conflict(format!(
                "instrument {} version {} is already stored with different content; give the changed file a new version",
                instrument.id, instrument.version
            )))
        };
    }
    let id: i64 = sqlx::query_scalar(
        r#"insert into instrument
            (instrument_key, version, title, demonstration, item_count, source_toml, imported_on)
           values ($1, $2, $3, $4, $5, $6, $7)
           returning instrument_id"#,
    )
    .bind(&instrument.id)
    .bind(&instrument.version)
    .bind(instrument.title.get("de"))
    .bind(instrument.demonstration)
    .bind(instrument.items.len() as i64)
    .bind(source)
    .bind(crate::storage::today())
    .fetch_one(db)
    .await?;
    Ok(StoreOutcome::Stored(id))
}

/// Loads a stored instrument version, parsed and validated once per
/// process and source text.
///
/// Every questionnaire page and results page needs the instrument; parsing
/// and re-validating its TOML (hundreds of texts) on each request was the
/// code page's and the questionnaire's largest cost. The cache is keyed by
/// the SHA-256 of the stored source rather than by id, because ids are per
/// database and one process (a test run, `server copy`) may open several;
/// a stored version never changes, so an entry never goes stale.
#[tracing::instrument(skip(db))]
pub async fn load(db: &Db, instrument_id: InstrumentId) -> StorageResult<Arc<Instrument>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "select instrument_key, version, source_toml from instrument where instrument_id = $1",
    )
    .bind(instrument_id)
    .fetch_optional(db)
    .await?;
    let (key, version, source) =
        row.ok_or_else(|| StorageError::NotFound(format!("instrument {instrument_id}")))?;
    let digest: [u8; 32] = Sha256::digest(source.as_bytes()).into();
    if let Some(cached) = parsed_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&digest).cloned())
    {
        return Ok(cached);
    }
    let instrument =
        Instrument::from_toml_str(&source, &format!("{key}-{version}.toml")).map_err(|errors| {
            StorageError::CorruptInstrument {
                key,
                version,
                message: errors.to_string(),
            }
        })?;
    let instrument = Arc::new(instrument);
    if let Ok(mut cache) = parsed_cache().lock() {
        // A deployment has a handful of versions; the bound only guards a
        // process that opens many databases.
        if cache.len() >= PARSED_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(digest, Arc::clone(&instrument));
    }
    Ok(instrument)
}

const PARSED_CACHE_CAPACITY: usize = 32;

fn parsed_cache() -> &'static Mutex<HashMap<[u8; 32], Arc<Instrument>>> {
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Arc<Instrument>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The most recently imported instrument, for display.
pub async fn newest_summary(db: &Db) -> StorageResult<Option<InstrumentSummary>> {
    let newest: Option<i64> = sqlx::query_scalar("select max(instrument_id) from instrument")
        .fetch_one(db)
        .await?;
    match newest {
        Some(id) => Ok(Some(InstrumentSummary::of(load(db, id).await?.as_ref()))),
        None => Ok(None),
    }
}

/// The id of a stored instrument version, if present.
pub async fn find(db: &Db, key: &str, version: &str) -> StorageResult<Option<InstrumentId>> {
    Ok(sqlx::query_scalar(
        "select instrument_id from instrument where instrument_key = $1 and version = $2",
    )
    .bind(key)
    .bind(version)
    .fetch_optional(db)
    .await?)
}

/// The key (not the version) of a stored instrument.
pub async fn key_of(db: &Db, instrument_id: InstrumentId) -> StorageResult<String> {
    sqlx::query_scalar("select instrument_key from instrument where instrument_id = $1")
        .bind(instrument_id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| StorageError::NotFound(format!("instrument {instrument_id}")))
}

/// Ids of every stored instrument version, oldest first.
pub async fn all_ids(db: &Db) -> StorageResult<Vec<InstrumentId>> {
    Ok(
        sqlx::query_scalar("select instrument_id from instrument order by instrument_id")
            .fetch_all(db)
            .await?,
    )
}

/// Every stored instrument version as `(id, key, version, title)`, newest
/// first.
pub async fn list(db: &Db) -> StorageResult<Vec<(InstrumentId, String, String, String)>> {
    Ok(sqlx::query_as(
        "select instrument_id, instrument_key, version, title from instrument order by instrument_id desc",
    )
    .fetch_all(db)
    .await?)
}
