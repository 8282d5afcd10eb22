//! `export-profile`, `export-trend`, `export-quality` and `calibrate`:
//! tables of published results (and the calibration of a closed wave) for
//! municipal IT.

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::domain::analysis::aggregate::Dimension;
use app::domain::analysis::norms::parse_norms;
use app::domain::analysis::report::{NormTable, ReportOptions};
use app::domain::analysis::suppression::MinGroupSize;
use app::domain::survey::instrument::Instrument;
use app::export::{GroupNames, write_profile_csv};
use app::storage;
use app::storage::Db;
use clap::Args;

use crate::cli::output::write_output;

/// Arguments of `export-profile`.
#[derive(Debug, Args)]
pub struct ExportProfileArgs {
    /// The wave: its id or its exact name, e.g. "Frühjahr 2026".
    #[arg(long)]
    pub wave: String,
    /// Breakdown, comma-separated from district, school, grade, sex. Every
    /// combination and the totals are written.
    #[arg(long, default_value = "district", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Output format (only csv).
    #[arg(long, default_value = "csv", value_parser = ["csv"])]
    pub format: String,
    /// Minimum valid answers per group; smaller groups are suppressed.
    /// At least 10.
    #[arg(long, default_value_t = 15)]
    pub min_group_size: u64,
    /// Include questionnaires flagged by the validity rules.
    #[arg(long)]
    pub include_flagged: bool,
    /// Language of the factor labels (de or en).
    #[arg(long, default_value = "de")]
    pub language: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Compare with imported reference values (e.g. a state survey) instead
    /// of the city total: a CSV file with the columns `factor` (scale or
    /// outcome id), `grade` (empty = all grades) and `percent`.
    #[arg(long)]
    pub norms: Option<PathBuf>,
    /// Name of the norms shown in the `reference` column, e.g.
    /// "Niedersachsen 2015".
    #[arg(long, default_value = "norm", requires = "norms")]
    pub norm_label: String,
    /// Compare with a stored norm set (see `server norms list`) instead of
    /// the city total.
    #[arg(long, conflicts_with = "norms")]
    pub reference: Option<String>,
    /// Multiple-testing family of `p_adjusted`: `group` adjusts the factors
    /// of each group (the profile page's family), `report` every group and
    /// factor of the file together (docs/statistics.md).
    #[arg(long, default_value = "group", value_parser = ["group", "report"])]
    pub adjustment: String,
}

/// Reads a norms file (`factor,grade,percent`) for the factors of
/// `instrument`; every bad row is reported with its row and column.
pub fn read_norms(path: &Path, label: &str, instrument: &Instrument) -> anyhow::Result<NormTable> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read norms file {}", path.display()))?;
    let (header, rows) = crate::tables::split_csv(&text)?;
    let known: Vec<String> = instrument
        .scales
        .iter()
        .map(|s| s.id.clone())
        .chain(instrument.outcomes.iter().map(|o| o.id.clone()))
        .collect();
    let values = parse_norms(&header, &rows, &known)
        .map_err(|problems| anyhow::anyhow!("{} has bad rows:\n{problems}", path.display()))?;
    Ok(NormTable::new(label, &values))
}

/// Parses a breakdown list such as `district,grade`.
pub fn parse_breakdown(names: &[String]) -> anyhow::Result<Vec<Dimension>> {
    let mut dimensions = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let dimension = Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown breakdown \"{name}\" (expected district, school, grade or sex)"
                )
            })?;
        if dimensions.contains(&dimension) {
            anyhow::bail!("breakdown \"{name}\" is given twice");
        }
        dimensions.push(dimension);
    }
    Ok(dimensions)
}

/// `export-trend`.
pub async fn export_trend(
    db: &Db,
    municipality: &str,
    by: &[String],
    min_group_size: u64,
    language: &str,
) -> anyhow::Result<()> {
    let breakdown = parse_breakdown(by)?;
    let row = storage::geography::find_municipality(db, municipality)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no municipality named \"{municipality}\""))?;
    let options = ReportOptions {
        min_group_size: MinGroupSize::new(min_group_size)?,
        ..ReportOptions::default()
    };
    let series =
        app::analysis::municipality_trends(db, row.municipality_id, &breakdown, &options).await?;
    let names = GroupNames {
        districts: storage::geography::districts(db, row.municipality_id)
            .await?
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: storage::geography::schools(db, row.municipality_id)
            .await?
            .into_iter()
            .collect(),
    };
    app::export::write_trend_csv(std::io::stdout().lock(), &series, &names, language)?;
    Ok(())
}

/// `export-profile`.
pub async fn export_profile(db: &Db, args: &ExportProfileArgs) -> anyhow::Result<()> {
    let breakdown = parse_breakdown(&args.by)?;
    let wave = storage::waves::find(db, &args.wave)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{}\"", args.wave))?;
    let norms = match (&args.norms, &args.reference) {
        (Some(path), _) => {
            let instrument = storage::survey::instruments::load(db, wave.instrument_id).await?;
            Some(read_norms(path, &args.norm_label, &instrument)?)
        }
        (None, Some(key)) => app::analysis::page_reference(db, &wave, Some(key))
            .await?
            .norms()
            .cloned(),
        (None, None) => None,
    };
    let options = ReportOptions {
        min_group_size: MinGroupSize::new(args.min_group_size)?,
        norms,
        ..ReportOptions::default()
    };
    let mut table =
        app::analysis::wave_profile(db, &wave, &breakdown, args.include_flagged, &options).await?;
    if args.adjustment == "report" {
        table.adjust_over_report(&options.profile);
    }
    let names = GroupNames {
        districts: storage::geography::districts(db, wave.municipality_id)
            .await?
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: storage::geography::schools(db, wave.municipality_id)
            .await?
            .into_iter()
            .collect(),
    };
    write_output(args.output.as_deref(), |out| {
        Ok(write_profile_csv(
            out,
            &wave.name,
            &table,
            &names,
            &args.language,
        )?)
    })
}

async fn wave(db: &Db, id_or_name: &str) -> anyhow::Result<storage::waves::WaveRow> {
    storage::waves::find(db, id_or_name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{id_or_name}\""))
}

/// `export-quality`.
pub async fn export_quality(db: &Db, wave_name: &str) -> anyhow::Result<()> {
    let wave = wave(db, wave_name).await?;
    let report = app::analysis::wave_quality(db, &wave).await?;
    app::export::write_quality_csv(std::io::stdout().lock(), &report)?;
    Ok(())
}

/// `calibrate`.
pub async fn calibrate(db: &Db, wave_name: &str, outcome: Option<&str>) -> anyhow::Result<()> {
    use app::analysis::CalibrationCriterion;
    let wave = wave(db, wave_name).await?;
    let criterion = outcome.map_or(CalibrationCriterion::AnyProblemBehaviour, |id| {
        CalibrationCriterion::Outcome(id.to_string())
    });
    let rows = app::analysis::wave_calibration(db, &wave, &criterion).await?;
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record([
        "scale",
        "grade",
        "n",
        "auc",
        "candidate",
        "cut",
        "percent_flagged",
        "sensitivity",
        "specificity",
        "youden",
    ])?;
    for row in rows {
        let Some(report) = row.report else { continue };
        let auc = report.auc.map_or(String::new(), |a| format!("{a:.3}"));
        let candidates = [
            Some(&report.current),
            report.rule_based.as_ref(),
            report.youden_optimal.as_ref(),
        ];
        for candidate in candidates.into_iter().flatten() {
            let metric = |f: fn(&app::domain::analysis::stats::ClassificationMetrics) -> f64| {
                candidate
                    .metrics
                    .as_ref()
                    .map_or(String::new(), |m| format!("{:.3}", f(m)))
            };
            let source = match candidate.source {
                app::domain::analysis::calibration::CandidateSource::Current => "instrument",
                app::domain::analysis::calibration::CandidateSource::Rule => "median_plus_0.15_mad",
                app::domain::analysis::calibration::CandidateSource::YoudenOptimal => {
                    "youden_optimal_in_sample"
                }
            };
            out.write_record([
                row.scale.clone(),
                row.grade.to_string(),
                report.n_scores.to_string(),
                auc.clone(),
                source.to_string(),
                format!("{:.3}", candidate.cut),
                format!("{:.2}", candidate.flagged_percent),
                metric(|m| m.sensitivity),
                metric(|m| m.specificity),
                metric(|m| m.youden),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdowns_parse_and_bad_ones_are_named() {
        let parse =
            |s: &str| parse_breakdown(&s.split(',').map(str::to_string).collect::<Vec<_>>());
        assert_eq!(
            parse("district,grade").unwrap(),
            vec![Dimension::District, Dimension::Grade]
        );
        assert!(
            parse("district,age")
                .unwrap_err()
                .to_string()
                .contains("\"age\"")
        );
        assert!(parse("sex,sex").unwrap_err().to_string().contains("twice"));
    }
}
