//! Storage: the only place that talks to the database.
//!
//! Every function takes the pool (or a transaction the caller owns) plus
//! domain values, and returns domain values. SQL is kept to the subset that
//! SQLite and PostgreSQL share (`$n` placeholders, no `returning` tricks the
//! other lacks) so a PostgreSQL backend can follow with its own migration set.
//!
//! The folders follow the domain's contexts (`survey/`, `analysis/`,
//! `planning/`); what every context reads (municipalities, districts,
//! schools, waves), accounts and the start page's counts sit at the top.

pub mod analysis;
pub mod early_warning;
pub mod geography;
pub mod indicators;
pub mod planning;
pub mod status;
pub mod survey;
pub mod users;
pub mod waves;

use crate::error::AppError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The database pool handed to server functions through leptos context.
pub type Db = sqlx::SqlitePool;

/// Errors of the storage layer. Internal details stay on the server; users see
/// [`AppError`].
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored instrument no longer validates (should never happen: only
    /// validated instruments are stored).
    #[error("stored instrument {key} {version} is invalid: {message}")]
    CorruptInstrument {
        /// Instrument key.
        key: String,
        /// Instrument version.
        version: String,
        /// The loader's message.
        message: String,
    },
    /// The request conflicts with stored data; the message says how.
    #[error("{0}")]
    Conflict(String),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Conflict(message) => AppError::InvalidInput(message),
            StorageError::NotFound(_) => AppError::NotFound,
            other => {
                tracing::error!(error = %other, "storage error");
                AppError::Internal
            }
        }
    }
}

/// Result of a storage function.
pub type StorageResult<T> = Result<T, StorageError>;

/// Opens (and creates if missing) the database at `url`, e.g.
/// `sqlite://data/quartier.db` or `sqlite::memory:`.
///
/// SQLite runs in WAL mode so that pupils' page saves do not block the
/// coordinators' reads, with foreign keys enforced and a busy timeout so that
/// concurrent writers wait instead of failing.
pub async fn connect(url: &str) -> StorageResult<Db> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies all pending migrations.
pub async fn migrate(db: &Db) -> StorageResult<()> {
    sqlx::migrate!("../migrations/sqlite").run(db).await?;
    Ok(())
}

/// The pool from the leptos context of the current request.
pub fn db() -> Result<Db, AppError> {
    leptos::prelude::use_context::<Db>().ok_or_else(|| {
        tracing::error!("no database pool in the request context");
        AppError::Internal
    })
}

/// Today's date as `YYYY-MM-DD` (UTC), the finest time resolution Quartier
/// stores next to survey data.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    civil_from_days(days as i64)
}

/// Converts days since 1970-01-01 to an ISO date (Howard Hinnant's
/// `civil_from_days` algorithm), so we need no date crate for one function.
fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_from_days_matches_known_dates() {
        // python3 -c "import datetime as d; print(d.date(1970,1,1)+d.timedelta(days=20781))"
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_781), "2026-11-24");
        assert_eq!(civil_from_days(11_016), "2000-02-29");
    }
}
