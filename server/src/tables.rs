//! What the command line and the web forms both import: CSV text split
//! into rows, the program catalog and norm sets checked against the
//! instrument's factors. One checked path for both, so a file refused on
//! the command line is refused in the browser with the same message.

use anyhow::Context;
use app::domain::analysis::norms::{NormKey, parse_norms};
use app::domain::planning::catalog::{Program, parse_catalog};
use app::domain::survey::instrument::ScaleKind;
use app::storage::Db;
use app::storage::analysis::norms;
use app::storage::analysis::norms::NewNormSet;
use app::storage::survey::instruments;

/// The risk and protective scale ids of every stored instrument: what a
/// catalog program may name as its targeted factors.
pub async fn known_factors(db: &Db) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for id in instruments::all_ids(db).await? {
        for scale in &instruments::load(db, id).await?.scales {
            if matches!(scale.kind, ScaleKind::Risk | ScaleKind::Protective)
                && !ids.contains(&scale.id)
            {
                ids.push(scale.id.clone());
            }
        }
    }
    Ok(ids)
}

/// Splits a CSV text into its header and rows of fields, for the pure
/// domain parsers (rows may have any number of fields; the parsers say
/// which are wrong).
pub fn split_csv(text: &str) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("row {}: unreadable CSV", index + 2))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

/// Reads and checks a catalog CSV; every problem is reported by row and
/// column.
pub fn read_catalog(text: &str, known: &[String]) -> anyhow::Result<Vec<Program>> {
    let (header, rows) = split_csv(text)?;
    parse_catalog(&header, &rows, known).map_err(|errors| {
        anyhow::anyhow!("the catalog was not imported, nothing changed:\n{errors}")
    })
}

/// What an import (CLI or form) asks for.
pub struct ImportRequest<'a> {
    /// URL key.
    pub key: &'a str,
    /// Name next to the marker.
    pub label: &'a str,
    /// Source.
    pub source: &'a str,
    /// Instrument key, or `None` when only one is stored.
    pub instrument: Option<&'a str>,
    /// The CSV text.
    pub csv: &'a str,
    /// Replace a set with the same key.
    pub replace: bool,
}

/// Checks and stores a norm set; returns its key, the number of values and
/// the instrument key. Any problem leaves the database unchanged.
pub async fn import_norm_set(
    db: &Db,
    request: &ImportRequest<'_>,
) -> anyhow::Result<(NormKey, usize, String)> {
    let key = NormKey::parse(request.key.trim())?;
    let label = request.label.trim();
    if label.is_empty() {
        anyhow::bail!(
            "the label is empty: name the reference values as the pages should show them"
        );
    }
    let (instrument_key, known) = instrument_factors(db, request.instrument).await?;
    let (header, rows) = split_csv(request.csv)?;
    let values = parse_norms(&header, &rows, &known).map_err(|problems| {
        anyhow::anyhow!("the reference values were not imported, nothing changed:\n{problems}")
    })?;
    norms::store(
        db,
        &NewNormSet {
            key: &key,
            label,
            source: request.source.trim(),
            instrument_key: &instrument_key,
            values: &values,
        },
        request.replace,
    )
    .await?;
    Ok((key, values.len(), instrument_key))
}

/// The instrument key a norm file refers to and every scale and outcome id
/// of its stored versions.
pub(crate) async fn instrument_factors(
    db: &Db,
    asked: Option<&str>,
) -> anyhow::Result<(String, Vec<String>)> {
    let stored = instruments::list(db).await?;
    let mut keys: Vec<&str> = stored.iter().map(|(_, key, _, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let key = match (asked, keys.as_slice()) {
        (Some(asked), _) if keys.contains(&asked) => asked.to_string(),
        (Some(asked), _) => anyhow::bail!(
            "no instrument with the key \"{asked}\" is stored (stored: {})",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        ),
        (None, [only]) => only.to_string(),
        (None, []) => anyhow::bail!(
            "no instrument is stored yet: import one first (`server import-instrument`), the reference values name its scales"
        ),
        (None, several) => anyhow::bail!(
            "several instruments are stored ({}): name the one the values belong to with --instrument",
            several.join(", ")
        ),
    };
    let mut known = Vec::new();
    for (id, _, _, _) in stored.iter().filter(|(_, k, _, _)| *k == key) {
        let instrument = instruments::load(db, *id).await?;
        let ids = instrument
            .scales
            .iter()
            .map(|s| &s.id)
            .chain(instrument.outcomes.iter().map(|o| &o.id));
        for id in ids {
            if !known.contains(id) {
                known.push(id.clone());
            }
        }
    }
    Ok((key, known))
}

/// Checks an indicator catalogue CSV and stores it (new keys added,
/// existing keys updated): one checked path for the CLI and the web form.
/// Every problem by row and column; nothing is written then.
pub async fn import_indicator_catalogue(
    db: &Db,
    csv: &str,
) -> anyhow::Result<app::storage::indicators::ImportCount> {
    use app::domain::indicators::parse_catalogue;
    let (header, rows) = split_csv(csv)?;
    let catalogue = parse_catalogue(&header, &rows).map_err(|errors| {
        anyhow::anyhow!("the indicator catalogue was not imported, nothing changed:\n{errors}")
    })?;
    Ok(app::storage::indicators::upsert_catalogue(db, &catalogue).await?)
}

/// Checks a municipality's indicator values CSV against the catalogue and
/// the municipality's districts and stores it in one transaction.
pub async fn import_indicator_values(
    db: &Db,
    municipality: i64,
    csv: &str,
) -> anyhow::Result<app::storage::indicators::ImportCount> {
    use app::domain::indicators::parse_values;
    use app::storage::{geography, indicators};
    let (header, rows) = split_csv(csv)?;
    let keys: Vec<String> = indicators::catalogue(db)
        .await?
        .into_iter()
        .map(|indicator| indicator.key)
        .collect();
    let codes: Vec<String> = geography::districts(db, municipality)
        .await?
        .into_iter()
        .map(|district| district.code)
        .collect();
    let values = parse_values(&header, &rows, &keys, &codes).map_err(|errors| {
        anyhow::anyhow!("the indicator values were not imported, nothing changed:\n{errors}")
    })?;
    Ok(indicators::store_values(db, municipality, &values).await?)
}

/// Checks a wave's population-counts CSV (school type × grade) against the
/// municipality's school types and the wave's grades and stores it in one
/// transaction, replacing the wave's counts. Returns the number of strata.
pub async fn import_population(
    db: &Db,
    wave: &app::storage::waves::WaveRow,
    csv: &str,
    source: &str,
    imported_by: Option<i64>,
) -> anyhow::Result<usize> {
    use app::domain::analysis::weighting::parse_population;
    use app::storage::{analysis::population, geography, waves};
    let (header, rows) = split_csv(csv)?;
    let mut types: Vec<String> = geography::school_types(db, wave.municipality_id)
        .await?
        .into_values()
        .collect();
    types.sort();
    types.dedup();
    let grades: Vec<u8> = waves::details(db, wave.wave_id)
        .await?
        .grades
        .iter()
        .map(|grade| grade.get())
        .collect();
    let counts = parse_population(&header, &rows, &types, &grades).map_err(|errors| {
        anyhow::anyhow!("the population counts were not imported, nothing changed:\n{errors}")
    })?;
    population::replace(db, wave.wave_id, &counts, source, imported_by).await?;
    Ok(counts.pupils.len())
}
