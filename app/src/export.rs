//! CSV exports (server only). Column definitions: `docs/csv-formats.md`.

use crate::domain::analysis::aggregate::{GroupKey, SexKey};
use crate::domain::analysis::profile::{Concern, FactorKind};
use crate::domain::analysis::report::ProfileTable;
use crate::domain::analysis::small_area::{FactorModel, NoModel};
use std::collections::BTreeMap;
use std::io::Write;

/// Display names of the ids that appear in group keys.
#[derive(Clone, Debug, Default)]
pub struct GroupNames {
    /// District id → (code, name).
    pub districts: BTreeMap<i64, (String, String)>,
    /// School id → name.
    pub schools: BTreeMap<i64, String>,
}

/// The header of the profile CSV, in column order.
pub const PROFILE_COLUMNS: [&str; 36] = [
    "wave",
    "instrument",
    "cut_point_set",
    "validity_rules",
    "min_group_size",
    "district_code",
    "district",
    "school",
    "grade",
    "sex",
    "factor",
    "factor_label",
    "factor_kind",
    "domain",
    "n",
    "count",
    "percent",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "mean",
    "sd",
    "reference",
    "reference_percent",
    "difference_points",
    "comparator_percent",
    "tested_difference_points",
    "tested_difference_ci_lower",
    "tested_difference_ci_upper",
    "z",
    "p_value",
    "p_adjusted",
    "p_adjustment",
    "elevated",
    "suppressed",
    "weighting",
];

/// Writes one row per group × factor. Suppressed cells keep their row (so
/// the reader sees that a group exists) with every figure blank and the same
/// `suppressed = true`, whatever the reason.
pub fn write_profile_csv<W: Write>(
    out: W,
    wave: &str,
    table: &ProfileTable,
    names: &GroupNames,
    language: &str,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(PROFILE_COLUMNS)?;
    for group in &table.groups {
        let (district_code, district, school, grade, sex) = group_columns(&group.key, names);
        for (factor, cell) in table.factors.iter().zip(&group.factors) {
            let figures = cell.figures.as_ref();
            let comparison = figures.and_then(|f| f.comparison.as_ref());
            // One word for every withheld cell: a reason would say which of
            // two hidden cells is the small one.
            let suppressed = if cell.is_shown() { "false" } else { "true" };
            let elevated = elevated_text(comparison);
            writer.write_record([
                wave.to_string(),
                table.versions.instrument.clone(),
                table.versions.cut_points.clone(),
                table.versions.validity_rules.clone(),
                table.min_group_size.to_string(),
                district_code.clone(),
                district.clone(),
                school.clone(),
                grade.clone(),
                sex.clone(),
                factor.id.clone(),
                factor.label.get(language).to_string(),
                kind_name(factor.kind).to_string(),
                factor
                    .domain
                    .map_or(String::new(), |d| d.as_str().to_string()),
                opt(figures.map(|f| f.n)),
                opt(figures.map(|f| f.count)),
                num(figures.map(|f| f.percent)),
                num(figures.and_then(|f| f.ci_percent).map(|ci| ci.lower)),
                num(figures.and_then(|f| f.ci_percent).map(|ci| ci.upper)),
                num(figures.map(|f| f.design_effect)),
                num(figures.and_then(|f| f.mean)),
                num(figures.and_then(|f| f.sd)),
                comparison.map_or(String::new(), |_| table.reference_label.clone()),
                num(comparison.and_then(|c| c.reference_percent)),
                num(comparison.and_then(|c| c.difference_points)),
                num(comparison.and_then(|c| c.comparator_percent)),
                num(comparison.and_then(|c| c.tested_difference_points)),
                num(comparison
                    .and_then(|c| c.tested_difference_ci_points)
                    .map(|ci| ci.lower)),
                num(comparison
                    .and_then(|c| c.tested_difference_ci_points)
                    .map(|ci| ci.upper)),
                num(comparison.and_then(|c| c.z)),
                num(comparison.and_then(|c| c.p_value)),
                num(comparison.and_then(|c| c.p_adjusted)),
                comparison.map_or(String::new(), |c| c.methods.adjustment.clone()),
                elevated,
                suppressed.to_string(),
                table
                    .weighting
                    .clone()
                    .unwrap_or_else(|| "none".to_string()),
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// The header of the small-area CSV, in column order.
pub const SMALL_AREA_COLUMNS: [&str; 24] = [
    "wave",
    "cut_point_set",
    "min_group_size",
    "grade",
    "factor",
    "factor_label",
    "factor_kind",
    "district_code",
    "district",
    "n",
    "direct_percent",
    "direct_ci_lower",
    "direct_ci_upper",
    "design_effect",
    "model_percent",
    "model_rmse_points",
    "model_ci_lower",
    "model_ci_upper",
    "own_data_weight",
    "model",
    "model_mean_percent",
    "between_district_sd_points",
    "districts_in_model",
    "suppressed",
];

/// Writes one row per grade level × factor × district: the direct figures
/// and the Fay–Herriot model estimate beside them. A withheld district keeps
/// its row with every figure blank; `model` names the method, or why the
/// factor has none.
pub fn write_small_area_csv<W: Write>(
    out: W,
    wave: &str,
    table: &ProfileTable,
    models: &[(Option<u8>, Vec<FactorModel>)],
    names: &GroupNames,
    language: &str,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(SMALL_AREA_COLUMNS)?;
    for (grade, factors) in models {
        for model in factors {
            let factor = &table.factors[model.factor];
            let summary = model.fit.as_ref().ok();
            let method = match model.fit {
                Ok(_) => "fay_herriot_reml",
                Err(NoModel::TooFewDistricts { .. }) => "too_few_districts",
                Err(NoModel::NoVariation) => "no_variation",
                Err(NoModel::NotConverged) => "not_converged",
            };
            for district in &model.districts {
                let (code, name) = names
                    .districts
                    .get(&district.district)
                    .cloned()
                    .unwrap_or_default();
                let direct = district.direct.as_ref();
                let estimate = district.model.as_ref();
                writer.write_record([
                    wave.to_string(),
                    table.versions.cut_points.clone(),
                    table.min_group_size.to_string(),
                    grade.map_or(String::new(), |g| g.to_string()),
                    factor.id.clone(),
                    factor.label.get(language).to_string(),
                    kind_name(factor.kind).to_string(),
                    code,
                    name,
                    opt(direct.map(|f| f.n)),
                    num(direct.map(|f| f.percent)),
                    num(direct.and_then(|f| f.ci_percent).map(|ci| ci.lower)),
                    num(direct.and_then(|f| f.ci_percent).map(|ci| ci.upper)),
                    num(direct.map(|f| f.design_effect)),
                    num(estimate.map(|m| m.percent)),
                    num(estimate.map(|m| m.rmse_points)),
                    num(estimate.map(|m| m.interval.lower)),
                    num(estimate.map(|m| m.interval.upper)),
                    num(estimate.map(|m| m.own_weight)),
                    method.to_string(),
                    num(summary.map(|s| s.mean_percent)),
                    num(summary.map(|s| s.between_district_sd_points)),
                    summary.map_or(String::new(), |s| s.districts.to_string()),
                    if direct.is_some() { "false" } else { "true" }.to_string(),
                ])?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// The header of the municipality comparison CSV, in column order.
pub const MUNICIPALITY_COLUMNS: [&str; 19] = [
    "municipality",
    "wave",
    "grade",
    "factor",
    "factor_label",
    "factor_kind",
    "n",
    "count",
    "percent",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "reference",
    "reference_percent",
    "difference_points",
    "p_value",
    "p_adjusted",
    "elevated",
    "suppressed",
];

/// Writes one row per municipality × factor of a municipality comparison:
/// the city total of its latest wave and, where compared, the reference
/// (`other_municipalities` for the pooled others, else the norm set's
/// label). Factors a city's instrument lacks are left out; withheld totals
/// keep their row with blank figures.
pub fn write_municipality_csv<W: Write>(
    out: W,
    comparison: &crate::analysis::MunicipalityComparison,
    grade: Option<u8>,
    language: &str,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(MUNICIPALITY_COLUMNS)?;
    let reference = comparison
        .norm_set
        .as_ref()
        .map_or_else(|| "other_municipalities".to_string(), |s| s.label.clone());
    for row in &comparison.rows {
        for (factor, cell) in comparison.factors.iter().zip(&row.cells) {
            if !cell.surveyed {
                continue;
            }
            let figures = cell.figures.as_ref();
            let compared = cell.comparison.as_ref();
            let elevated = elevated_text(compared);
            writer.write_record([
                row.municipality.clone(),
                row.wave.name.clone(),
                grade.map_or_else(|| "ALL".to_string(), |g| g.to_string()),
                factor.id.clone(),
                factor.label.get(language).to_string(),
                kind_name(factor.kind).to_string(),
                opt(figures.map(|f| f.n)),
                opt(figures.map(|f| f.count)),
                num(figures.map(|f| f.percent)),
                num(figures.and_then(|f| f.ci_percent).map(|ci| ci.lower)),
                num(figures.and_then(|f| f.ci_percent).map(|ci| ci.upper)),
                num(figures.map(|f| f.design_effect)),
                compared.map_or(String::new(), |_| reference.clone()),
                num(compared.and_then(|c| c.reference_percent)),
                num(compared.and_then(|c| c.difference_points)),
                num(compared.and_then(|c| c.p_value)),
                num(compared.and_then(|c| c.p_adjusted)),
                elevated,
                figures.is_none().to_string(),
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes a norm set in the format `server norms import` reads (sorted by
/// factor and grade).
pub fn write_norms_csv<W: Write>(
    out: W,
    values: &[crate::domain::analysis::norms::NormValue],
) -> Result<(), csv::Error> {
    use crate::domain::analysis::norms::{NORM_COLUMNS, norm_rows};
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(NORM_COLUMNS)?;
    for row in norm_rows(values) {
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The `elevated` column: empty when not compared.
fn elevated_text(
    comparison: Option<&crate::domain::analysis::profile::FactorComparison>,
) -> String {
    comparison.map_or(String::new(), |c| {
        match (c.of_concern, c.concern) {
            (true, Concern::Elevated) => "elevated",
            (true, Concern::Lowered) => "lowered",
            _ => "no",
        }
        .to_string()
    })
}

fn group_columns(key: &GroupKey, names: &GroupNames) -> (String, String, String, String, String) {
    let (code, name) = key
        .district
        .map(|d| {
            names
                .districts
                .get(&d)
                .cloned()
                .unwrap_or_else(|| (d.to_string(), d.to_string()))
        })
        .unwrap_or_else(|| ("ALL".to_string(), String::new()));
    let school = key.school.map_or_else(
        || "ALL".to_string(),
        |s| {
            names
                .schools
                .get(&s)
                .cloned()
                .unwrap_or_else(|| s.to_string())
        },
    );
    let grade = key
        .grade
        .map_or_else(|| "ALL".to_string(), |g| g.to_string());
    let sex = match key.sex {
        SexKey::All => "ALL".to_string(),
        other => other.as_str().to_string(),
    };
    (code, name, school, grade, sex)
}

fn kind_name(kind: FactorKind) -> &'static str {
    match kind {
        FactorKind::Risk => "risk",
        FactorKind::Protective => "protective",
        FactorKind::Outcome => "outcome",
    }
}

fn opt(value: Option<u64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// A figure at full precision: the shortest decimal that reads back as the
/// same `f64` (never an exponent). Analysts recompute differences, pool
/// groups and adjust p-values themselves, and rounding before that step
/// biases them; the pages round for reading.
fn num(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// The header of the trend CSV, in column order.
pub const TREND_COLUMNS: [&str; 26] = [
    "district_code",
    "district",
    "school",
    "grade",
    "sex",
    "factor",
    "factor_label",
    "wave",
    "n",
    "percent",
    "ci_lower",
    "ci_upper",
    "design_effect",
    "change_previous_points",
    "change_previous_ci_lower",
    "change_previous_ci_upper",
    "change_previous_p",
    "change_previous_p_adjusted",
    "change_previous_significant",
    "change_first_points",
    "change_first_ci_lower",
    "change_first_ci_upper",
    "change_first_p",
    "change_first_p_adjusted",
    "change_first_significant",
    "comparability_warning",
];

/// Writes one row per group × factor × wave. Waves without shown figures
/// (suppressed, or no answers) keep their row with every figure blank.
pub fn write_trend_csv<W: Write>(
    out: W,
    series: &[crate::analysis::TrendSeries],
    names: &GroupNames,
    language: &str,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(TREND_COLUMNS)?;
    for one in series {
        let (district_code, district, school, grade, sex) = group_columns(&one.key, names);
        for wave in &one.waves {
            let shown = wave.proportion.n > 0;
            let previous = wave.since_previous.as_ref().filter(|_| shown);
            let first = wave.since_first.as_ref().filter(|_| shown);
            let warning = previous
                .and_then(|c| c.comparability_warning.clone())
                .or_else(|| first.and_then(|c| c.comparability_warning.clone()))
                .unwrap_or_default();
            writer.write_record([
                district_code.clone(),
                district.clone(),
                school.clone(),
                grade.clone(),
                sex.clone(),
                one.factor_id.clone(),
                one.factor_label.get(language).to_string(),
                wave.wave_label.clone(),
                if shown {
                    wave.proportion.n.to_string()
                } else {
                    String::new()
                },
                num(wave.percent.filter(|_| shown)),
                num(wave.ci_percent.filter(|_| shown).map(|ci| ci.lower)),
                num(wave.ci_percent.filter(|_| shown).map(|ci| ci.upper)),
                num(Some(wave.design_effect).filter(|_| shown)),
                num(previous.map(|c| c.difference_points)),
                num(previous.and_then(|c| c.ci_points).map(|ci| ci.lower)),
                num(previous.and_then(|c| c.ci_points).map(|ci| ci.upper)),
                num(previous.map(|c| c.p_value)),
                num(previous.and_then(|c| c.p_adjusted)),
                previous.map_or(String::new(), |c| c.significant.to_string()),
                num(first.map(|c| c.difference_points)),
                num(first.and_then(|c| c.ci_points).map(|ci| ci.lower)),
                num(first.and_then(|c| c.ci_points).map(|ci| ci.upper)),
                num(first.map(|c| c.p_value)),
                num(first.and_then(|c| c.p_adjusted)),
                first.map_or(String::new(), |c| c.significant.to_string()),
                warning,
            ])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// The columns of the `participation` CSV.
pub const PARTICIPATION_COLUMNS: [&str; 9] = [
    "school",
    "class",
    "grade",
    "enrolled",
    "codes_issued",
    "codes_started",
    "codes_finished",
    "responses",
    "excluded",
];

/// Writes the participation report (see `server participation --help`).
pub fn write_participation_csv(
    out: impl Write,
    rows: &[crate::domain::survey::participation::ParticipationRow],
) -> Result<(), csv::Error> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(PARTICIPATION_COLUMNS)?;
    let all = || "ALL".to_string();
    for row in rows {
        csv.write_record([
            row.school.clone().unwrap_or_else(all),
            row.class.clone().unwrap_or_else(all),
            row.grade.map_or_else(all, |g| g.to_string()),
            row.enrolled.to_string(),
            row.issued.to_string(),
            row.started.to_string(),
            row.finished.to_string(),
            row.responses.to_string(),
            row.excluded.map_or(String::new(), |e| e.to_string()),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// Writes a wave's quality report: one row per section and id (responses,
/// exclusions per rule, Cronbach's alpha per scale, item non-response, and
/// per profile factor the intra-class correlation as estimated (it may be
/// negative; design effects use it clamped at 0), the size-weighted mean
/// class size and the city total's design effect).
pub fn write_quality_csv<W: Write>(
    out: W,
    report: &crate::analysis::QualityReport,
) -> Result<(), csv::Error> {
    let mut out = csv::Writer::from_writer(out);
    out.write_record(["section", "id", "n", "value", "ci_lower", "ci_upper"])?;
    let n = report.responses.to_string();
    out.write_record(["responses", "all", &n, &n, "", ""])?;
    out.write_record([
        "responses",
        "excluded",
        &n,
        &report.excluded.to_string(),
        "",
        "",
    ])?;
    for (rule, count) in &report.exclusions_by_rule {
        out.write_record(["exclusions", rule, &n, &count.to_string(), "", ""])?;
    }
    for (scale, alpha) in &report.alpha {
        let (n, value, lower, upper) = alpha.as_ref().map_or_else(Default::default, |a| {
            (
                a.n.to_string(),
                a.alpha.to_string(),
                num(a.ci95.map(|ci| ci.lower)),
                num(a.ci95.map(|ci| ci.upper)),
            )
        });
        out.write_record(["cronbach_alpha", scale, &n, &value, &lower, &upper])?;
    }
    for (item, missing) in &report.item_missing {
        let (n, share) =
            missing.map_or_else(Default::default, |p| (p.n.to_string(), num(p.estimate())));
        out.write_record(["item_missing_share", item, &n, &share, "", ""])?;
    }
    for factor in &report.clustering {
        let (pupils, icc) = factor.icc.map_or_else(Default::default, |icc| {
            (icc.pupils.to_string(), icc.raw.to_string())
        });
        let id = &factor.factor_id;
        out.write_record(["intraclass_correlation", id, &pupils, &icc, "", ""])?;
        let n = factor.n.to_string();
        let size = num(factor.weighted_class_size);
        out.write_record(["weighted_class_size", id, &n, &size, "", ""])?;
        let deff = factor.design_effect.to_string();
        out.write_record(["design_effect_city", id, &n, &deff, "", ""])?;
    }
    out.flush()?;
    Ok(())
}
