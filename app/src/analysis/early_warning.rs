//! The early-warning list of a municipality: reads its published trends,
//! its context indicators and its thresholds, and runs
//! [`crate::domain::early_warning::evaluate`] on them.

use super::{AnalysisError, PAGE_BREAKDOWN, published_waves, trends_over};
use crate::domain::analysis::aggregate::{GroupKey, SexKey};
use crate::domain::analysis::report::ReportOptions;
use crate::domain::early_warning::{
    DistrictEvidence, DistrictWarning, IndicatorSeries, SurveySeries, Thresholds, evaluate,
};
use crate::domain::indicators::Period;
use crate::storage::indicators::{self, ValueScope};
use crate::storage::{Db, early_warning, geography};

/// What the early-warning page shows of one municipality.
#[derive(Clone, Debug, PartialEq)]
pub struct MunicipalityWarnings {
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// Districts with at least one signal, ranked.
    pub warnings: Vec<DistrictWarning>,
    /// Districts examined.
    pub districts_checked: usize,
    /// Names of the published waves the survey rules read, oldest first.
    pub waves: Vec<String>,
    /// Earliest and latest period of the indicator values read.
    pub indicator_periods: Option<(Period, Period)>,
}

/// The municipality's early-warning list under its thresholds in force.
/// Survey figures are those of each grade of a district (all pupils of the
/// grade) in the published waves.
pub async fn municipality_warnings(
    db: &Db,
    municipality: i64,
) -> Result<MunicipalityWarnings, AnalysisError> {
    let thresholds = early_warning::current(db, municipality).await?;
    let districts = geography::districts(db, municipality).await?;
    let published = published_waves(db, municipality).await?;
    let trends = trends_over(db, &published, &PAGE_BREAKDOWN, &ReportOptions::default()).await?;
    let waves: Vec<String> = published.into_iter().map(|(wave, _)| wave.name).collect();
    let catalogue = indicators::catalogue(db).await?;
    let values = indicators::values(db, municipality, ValueScope::Municipality).await?;
    let indicator_periods = values
        .iter()
        .map(|v| v.period)
        .min()
        .zip(values.iter().map(|v| v.period).max());
    let evidence: Vec<DistrictEvidence<'_>> = districts
        .iter()
        .map(|district| DistrictEvidence {
            code: &district.code,
            name: &district.name,
            survey: trends
                .iter()
                .filter_map(|series| {
                    let grade = series.key.grade?;
                    let of_district = GroupKey {
                        district: Some(district.district_id),
                        school: None,
                        grade: Some(grade),
                        sex: SexKey::All,
                    };
                    (series.key == of_district).then_some(SurveySeries {
                        factor_id: &series.factor_id,
                        label: &series.factor_label,
                        kind: series.factor_kind,
                        grade,
                        waves: &series.waves,
                    })
                })
                .collect(),
            indicators: catalogue
                .iter()
                .map(|indicator| IndicatorSeries {
                    indicator,
                    values: values
                        .iter()
                        .filter(|v| {
                            v.indicator == indicator.key
                                && v.district.as_deref() == Some(district.code.as_str())
                        })
                        .map(|v| (v.period, v.value))
                        .collect(),
                })
                .filter(|series| !series.values.is_empty())
                .collect(),
        })
        .collect();
    Ok(MunicipalityWarnings {
        warnings: evaluate(&evidence, &thresholds),
        thresholds,
        districts_checked: districts.len(),
        waves,
        indicator_periods,
    })
}
