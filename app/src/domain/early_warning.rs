//! Early warning: which districts of a municipality show survey factors or
//! context indicators worsening beyond the municipality's thresholds, with
//! the evidence for each signal, ranked (`docs/early-warning.md`).
//!
//! The rules read only what the results pages may show: survey figures of
//! published waves that passed small-group suppression (a suppressed wave
//! has no percentage, so no rule can see it) and the imported indicator
//! values, which describe whole districts, not people. A warning says that
//! figures of a district moved the wrong way; it predicts nothing about any
//! young person.

use serde::{Deserialize, Serialize};

use crate::domain::analysis::profile::FactorKind;
use crate::domain::analysis::stats::Interval;
use crate::domain::analysis::trend::TrendWave;
use crate::domain::indicators::{Indicator, Period};
use crate::domain::survey::instrument::LocalizedText;

/// The configurable limits of the rules. A municipality without stored
/// thresholds uses [`Thresholds::default`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A survey factor's change between the last two published waves that
    /// warns, in percentage points in the worse direction (its 95 % interval
    /// must also lie wholly on the worse side).
    pub survey_change_points: f64,
    /// Number of consecutive published waves (at least 3) over which a
    /// factor worsening in every step, by at least
    /// [`Self::survey_change_points`] in total, warns.
    pub survey_sustained_waves: u8,
    /// An indicator's worsening since its previous period that warns, in
    /// percent of the earlier value.
    pub indicator_change_percent: f64,
    /// Number of consecutive periods (at least 3) over which an indicator
    /// worsening in every step, by at least
    /// [`Self::indicator_change_percent`] in total, warns.
    pub indicator_sustained_periods: u8,
}

impl Default for Thresholds {
    /// 5 points (the CTC reports' usual "noticeable" difference), 3 waves,
    /// 10 % and 3 periods.
    fn default() -> Self {
        Thresholds {
            survey_change_points: 5.0,
            survey_sustained_waves: 3,
            indicator_change_percent: 10.0,
            indicator_sustained_periods: 3,
        }
    }
}

/// Why thresholds were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// The survey change is not between 1 and 50 points.
    #[error("the survey change must be between 1 and 50 percentage points")]
    SurveyChange,
    /// The survey run is shorter than 3 or longer than 10 waves.
    #[error("a sustained survey trend must span 3 to 10 waves")]
    SurveyWaves,
    /// The indicator change is not between 1 and 200 percent.
    #[error("the indicator change must be between 1 and 200 percent")]
    IndicatorChange,
    /// The indicator run is shorter than 3 or longer than 20 periods.
    #[error("a sustained indicator trend must span 3 to 20 periods")]
    IndicatorPeriods,
}

impl ThresholdError {
    /// Short code for a form's error redirect.
    pub fn code(&self) -> &'static str {
        match self {
            ThresholdError::SurveyChange => "punkte",
            ThresholdError::SurveyWaves => "wellen",
            ThresholdError::IndicatorChange => "prozent",
            ThresholdError::IndicatorPeriods => "perioden",
        }
    }
}

impl Thresholds {
    /// Checked thresholds. Below the lower limits every wobble would warn
    /// (and a "trend" of two points is just a change); above the upper ones
    /// nothing ever could.
    pub fn new(
        survey_change_points: f64,
        survey_sustained_waves: u8,
        indicator_change_percent: f64,
        indicator_sustained_periods: u8,
    ) -> Result<Self, ThresholdError> {
        if !(1.0..=50.0).contains(&survey_change_points) {
            return Err(ThresholdError::SurveyChange);
        }
        if !(3..=10).contains(&survey_sustained_waves) {
            return Err(ThresholdError::SurveyWaves);
        }
        if !(1.0..=200.0).contains(&indicator_change_percent) {
            return Err(ThresholdError::IndicatorChange);
        }
        if !(3..=20).contains(&indicator_sustained_periods) {
            return Err(ThresholdError::IndicatorPeriods);
        }
        Ok(Thresholds {
            survey_change_points,
            survey_sustained_waves,
            indicator_change_percent,
            indicator_sustained_periods,
        })
    }
}

/// One survey factor of a district over the published waves.
#[derive(Clone, Debug)]
pub struct SurveySeries<'a> {
    /// Scale or outcome id.
    pub factor_id: &'a str,
    /// Its label.
    pub label: &'a LocalizedText,
    /// Risk, protective or outcome: which direction is worse.
    pub kind: FactorKind,
    /// The grade the figures are of. Waves are compared grade by grade: a
    /// district's all-grades share moves with the mix of grades surveyed,
    /// which says nothing about the district.
    pub grade: u8,
    /// One entry per published wave, oldest first, as
    /// [`crate::domain::analysis::trend::compute_trend`] returns them
    /// (suppressed waves without a percentage).
    pub waves: &'a [TrendWave],
}

/// One context indicator of a district.
#[derive(Clone, Debug)]
pub struct IndicatorSeries<'a> {
    /// The catalogue entry.
    pub indicator: &'a Indicator,
    /// Values by period, in any order.
    pub values: Vec<(Period, f64)>,
}

/// Everything the rules read about one district.
#[derive(Clone, Debug)]
pub struct DistrictEvidence<'a> {
    /// District code.
    pub code: &'a str,
    /// District name.
    pub name: &'a str,
    /// Its survey factors, one series per factor and grade (all pupils).
    pub survey: Vec<SurveySeries<'a>>,
    /// Its context indicators.
    pub indicators: Vec<IndicatorSeries<'a>>,
}

/// What a signal is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Subject {
    /// A survey factor.
    Factor {
        /// Scale or outcome id.
        id: String,
        /// Label.
        label: LocalizedText,
        /// Risk, protective or outcome.
        kind: FactorKind,
        /// Grade.
        grade: u8,
    },
    /// A context indicator.
    Indicator {
        /// Catalogue key.
        key: String,
        /// German label.
        label_de: String,
        /// English label.
        label_en: String,
        /// Unit.
        unit: String,
        /// Where the figures come from.
        source: String,
    },
}

/// The figures that triggered a signal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Evidence {
    /// The factor changed between the last two published waves with data.
    SurveyChange {
        /// Earlier wave.
        from_wave: String,
        /// Latest wave.
        to_wave: String,
        /// Percent in the earlier wave.
        from_percent: f64,
        /// Percent in the latest wave.
        to_percent: f64,
        /// Latest minus earlier, in points.
        difference_points: f64,
        /// Newcombe 95 % interval of the difference, in points.
        ci_points: Interval,
        /// Benjamini–Hochberg adjusted p-value over the group's changes.
        p_adjusted: f64,
    },
    /// The factor worsened in every step of the last waves.
    SurveyTrend {
        /// (wave, percent), oldest first.
        waves: Vec<(String, f64)>,
        /// Last minus first, in points.
        difference_points: f64,
    },
    /// The indicator worsened since its previous period.
    IndicatorChange {
        /// Previous period.
        from: Period,
        /// Latest period.
        to: Period,
        /// Value then.
        from_value: f64,
        /// Value now.
        to_value: f64,
        /// Worsening in percent of the earlier value.
        worsening_percent: f64,
    },
    /// The indicator worsened in every step of the last periods.
    IndicatorTrend {
        /// (period, value), oldest first.
        values: Vec<(Period, f64)>,
        /// Worsening from the first to the last, in percent of the first.
        worsening_percent: f64,
    },
}

/// One rule that fired for a district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// The factor or indicator.
    pub subject: Subject,
    /// The figures.
    pub evidence: Evidence,
    /// How far beyond its threshold: the worsening divided by the
    /// threshold, so at least 1. The ranking adds these up.
    pub weight: f64,
}

/// A district with at least one signal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistrictWarning {
    /// District code.
    pub code: String,
    /// District name.
    pub name: String,
    /// Its signals, heaviest first.
    pub signals: Vec<Signal>,
    /// Sum of the signals' weights; the list is ranked by it.
    pub score: f64,
}

/// Applies the four rules to every district and returns those with a
/// signal, highest score first (ties: more signals first, then by code).
pub fn evaluate(
    districts: &[DistrictEvidence<'_>],
    thresholds: &Thresholds,
) -> Vec<DistrictWarning> {
    let mut warnings: Vec<DistrictWarning> = districts
        .iter()
        .filter_map(|district| {
            let mut signals: Vec<Signal> = district
                .survey
                .iter()
                .flat_map(|series| survey_signals(series, thresholds))
                .chain(
                    district
                        .indicators
                        .iter()
                        .flat_map(|series| indicator_signals(series, thresholds)),
                )
                .collect();
            if signals.is_empty() {
                return None;
            }
            signals.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let score = signals.iter().map(|s| s.weight).sum();
            Some(DistrictWarning {
                code: district.code.to_string(),
                name: district.name.to_string(),
                signals,
                score,
            })
        })
        .collect();
    warnings.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.signals.len().cmp(&a.signals.len()))
            .then_with(|| a.code.cmp(&b.code))
    });
    warnings
}

fn survey_signals(series: &SurveySeries<'_>, thresholds: &Thresholds) -> Vec<Signal> {
    let sign = series.kind.concern_sign();
    let subject = || Subject::Factor {
        id: series.factor_id.to_string(),
        label: series.label.clone(),
        kind: series.kind,
        grade: series.grade,
    };
    let mut signals = Vec::new();
    // The change rule looks at the latest published wave only: a warning
    // about an old change would be news to nobody.
    if let Some(latest) = series.waves.last()
        && let (Some(to_percent), Some(change)) = (latest.percent, &latest.since_previous)
        && let Some(ci) = change.ci_points
        && let Some(p_adjusted) = change.p_adjusted
    {
        let worsening = sign * change.difference_points;
        // The interval must exclude zero on the worse side: for a risk
        // factor its lower bound is above 0, for protection its upper
        // bound below 0.
        let beyond_zero = if sign > 0.0 {
            ci.lower > 0.0
        } else {
            ci.upper < 0.0
        };
        // And the change must be significant after the Benjamini–Hochberg
        // adjustment the trend page applies (all changes of the group): a
        // district × grade has some 40 factors, and one in twenty would
        // pass an unadjusted 95 % interval by chance.
        if worsening >= thresholds.survey_change_points && beyond_zero && change.significant {
            signals.push(Signal {
                subject: subject(),
                evidence: Evidence::SurveyChange {
                    from_wave: change.compared_label.clone(),
                    to_wave: latest.wave_label.clone(),
                    from_percent: to_percent - change.difference_points,
                    to_percent,
                    difference_points: change.difference_points,
                    ci_points: ci,
                    p_adjusted,
                },
                weight: worsening / thresholds.survey_change_points,
            });
        }
    }
    let run = usize::from(thresholds.survey_sustained_waves);
    if series.waves.len() >= run {
        let window = &series.waves[series.waves.len() - run..];
        // Every wave of the run must have a shown figure: a trend through a
        // suppressed wave would rest on a figure nobody may see.
        let percents: Option<Vec<f64>> = window.iter().map(|w| w.percent).collect();
        if let Some(percents) = percents {
            let every_step_worse = percents.windows(2).all(|p| sign * (p[1] - p[0]) > 0.0);
            let total = percents[percents.len() - 1] - percents[0];
            if every_step_worse && sign * total >= thresholds.survey_change_points {
                signals.push(Signal {
                    subject: subject(),
                    evidence: Evidence::SurveyTrend {
                        waves: window
                            .iter()
                            .zip(&percents)
                            .map(|(w, p)| (w.wave_label.clone(), *p))
                            .collect(),
                        difference_points: total,
                    },
                    weight: sign * total / thresholds.survey_change_points,
                });
            }
        }
    }
    signals
}

fn indicator_signals(series: &IndicatorSeries<'_>, thresholds: &Thresholds) -> Vec<Signal> {
    let indicator = series.indicator;
    let direction = indicator.direction;
    let mut values = series.values.clone();
    values.sort_by_key(|(period, _)| *period);
    // Years and quarters are not compared with each other: the series is the
    // one of the latest value's kind.
    let Some(quarterly) = values.last().map(|(p, _)| p.quarter.is_some()) else {
        return Vec::new();
    };
    values.retain(|(p, _)| p.quarter.is_some() == quarterly);
    let subject = || Subject::Indicator {
        key: indicator.key.clone(),
        label_de: indicator.label_de.clone(),
        label_en: indicator.label_en.clone(),
        unit: indicator.unit.clone(),
        source: indicator.source.clone(),
    };
    let threshold = thresholds.indicator_change_percent;
    let mut signals = Vec::new();
    if let [.., (from, from_value), (to, to_value)] = values.as_slice()
        && let Some(worsening) = direction.worsening_percent(*from_value, *to_value)
        && worsening >= threshold
    {
        signals.push(Signal {
            subject: subject(),
            evidence: Evidence::IndicatorChange {
                from: *from,
                to: *to,
                from_value: *from_value,
                to_value: *to_value,
                worsening_percent: worsening,
            },
            weight: worsening / threshold,
        });
    }
    let run = usize::from(thresholds.indicator_sustained_periods);
    if values.len() >= run {
        let window = &values[values.len() - run..];
        let every_step_worse = window.windows(2).all(|pair| {
            direction
                .worsening_percent(pair[0].1, pair[1].1)
                .is_some_and(|w| w > 0.0)
        });
        if every_step_worse
            && let Some(total) = direction.worsening_percent(window[0].1, window[run - 1].1)
            && total >= threshold
        {
            signals.push(Signal {
                subject: subject(),
                evidence: Evidence::IndicatorTrend {
                    values: window.to_vec(),
                    worsening_percent: total,
                },
                weight: total / threshold,
            });
        }
    }
    signals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::stats::Proportion;
    use crate::domain::analysis::trend::{
        TrendOptions, VersionTag, WavePoint, adjust_changes, compute_trend,
    };
    use crate::domain::indicators::Direction;
    use std::collections::BTreeMap;

    fn label(text: &str) -> LocalizedText {
        LocalizedText::new(BTreeMap::from([("de".to_string(), text.to_string())]))
    }

    fn waves(points: &[(u64, u64)]) -> Vec<TrendWave> {
        let points: Vec<WavePoint> = points
            .iter()
            .enumerate()
            .map(|(i, &(count, n))| WavePoint {
                wave_label: format!("W{}", i + 1),
                proportion: Proportion { count, n },
                design_effect: 1.0,
                versions: VersionTag {
                    instrument: "i".to_string(),
                    cut_points: "c".to_string(),
                    validity_rules: "v".to_string(),
                },
            })
            .collect();
        let mut trend = compute_trend(&points, &TrendOptions::default());
        // One series is the whole family here: adjusted p = raw p.
        adjust_changes(trend.iter_mut(), 0.05);
        trend
    }

    fn indicator(key: &str, direction: Direction) -> Indicator {
        Indicator {
            key: key.to_string(),
            label_de: key.to_string(),
            label_en: key.to_string(),
            unit: "je 1.000".to_string(),
            direction,
            source: "Test".to_string(),
            licence: "CC0".to_string(),
        }
    }

    fn years(values: &[(u16, f64)]) -> Vec<(Period, f64)> {
        values
            .iter()
            .map(|&(year, value)| {
                (
                    Period {
                        year,
                        quarter: None,
                    },
                    value,
                )
            })
            .collect()
    }

    #[test]
    fn a_risk_factor_rising_beyond_threshold_and_interval_warns() {
        // 60/300 = 20 % → 90/300 = 30 %: +10 points. Newcombe hybrid score
        // interval (Newcombe 1998, method 10), from statsmodels 0.14
        // `confint_proportions_2indep(90, 300, 60, 300, method="newcomb")`:
        // 3.071 to 16.810 points, so it excludes 0. Weight 10 / 5 = 2.
        let l = label("Familienkonflikte");
        let w = waves(&[(60, 300), (90, 300)]);
        let series = SurveySeries {
            factor_id: "fam_conflict",
            label: &l,
            kind: FactorKind::Risk,
            grade: 8,
            waves: &w,
        };
        let signals = survey_signals(&series, &Thresholds::default());
        assert_eq!(signals.len(), 1);
        let Evidence::SurveyChange {
            difference_points,
            ci_points,
            from_percent,
            ..
        } = &signals[0].evidence
        else {
            panic!("{signals:?}")
        };
        assert!((difference_points - 10.0).abs() < 1e-9);
        assert!((from_percent - 20.0).abs() < 1e-9);
        assert!((ci_points.lower - 3.071).abs() < 0.001, "{ci_points:?}");
        assert!((ci_points.upper - 16.810).abs() < 0.001, "{ci_points:?}");
        assert!((signals[0].weight - 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_change_whose_interval_includes_zero_or_that_improves_does_not_warn() {
        // 6/30 → 9/30: the same +10 points on 30 pupils; the interval
        // (statsmodels as above: −11.85 to 30.73 points) includes 0.
        let l = label("x");
        let small = waves(&[(6, 30), (9, 30)]);
        let risk = SurveySeries {
            factor_id: "x",
            label: &l,
            kind: FactorKind::Risk,
            grade: 8,
            waves: &small,
        };
        assert!(survey_signals(&risk, &Thresholds::default()).is_empty());
        // A protective factor rising is an improvement.
        let large = waves(&[(60, 300), (90, 300)]);
        let protective = SurveySeries {
            kind: FactorKind::Protective,
            waves: &large,
            ..risk.clone()
        };
        assert!(survey_signals(&protective, &Thresholds::default()).is_empty());
        // ... and falling is a worsening.
        let falling = waves(&[(90, 300), (60, 300)]);
        let protective = SurveySeries {
            waves: &falling,
            ..protective
        };
        assert_eq!(survey_signals(&protective, &Thresholds::default()).len(), 1);
    }

    #[test]
    fn a_sustained_trend_needs_every_step_worse_and_every_wave_shown() {
        // 20 % → 23 % → 26 % on 100 pupils: no single change reaches 5
        // points, the run of three waves worsens by 6 points in total.
        let l = label("x");
        let w = waves(&[(20, 100), (23, 100), (26, 100)]);
        let series = SurveySeries {
            factor_id: "x",
            label: &l,
            kind: FactorKind::Risk,
            grade: 8,
            waves: &w,
        };
        let signals = survey_signals(&series, &Thresholds::default());
        assert_eq!(signals.len(), 1, "{signals:?}");
        let Evidence::SurveyTrend {
            difference_points, ..
        } = &signals[0].evidence
        else {
            panic!("{signals:?}")
        };
        assert!((difference_points - 6.0).abs() < 1e-9);
        assert!((signals[0].weight - 1.2).abs() < 1e-9);

        // A wave without a shown figure (suppressed: n = 0) breaks the run.
        let gap = waves(&[(20, 100), (0, 0), (26, 100)]);
        let series = SurveySeries {
            waves: &gap,
            ..series.clone()
        };
        assert!(survey_signals(&series, &Thresholds::default()).is_empty());
        // A step back breaks it too.
        let back = waves(&[(20, 100), (27, 100), (26, 100)]);
        let series = SurveySeries {
            waves: &back,
            ..series
        };
        assert!(survey_signals(&series, &Thresholds::default()).is_empty());
    }

    #[test]
    fn indicator_rules_against_hand_computed_cases() {
        let waste = indicator("waste", Direction::HigherIsWorse);
        // 10 → 10.6 → 11.2 → 13.2: the last step is +17.86 % (13.2 / 11.2 −
        // 1), the last three periods +24.53 % (13.2 / 10.6 − 1).
        let series = IndicatorSeries {
            indicator: &waste,
            values: years(&[(2024, 11.2), (2022, 10.0), (2023, 10.6), (2025, 13.2)]),
        };
        let signals = indicator_signals(&series, &Thresholds::default());
        assert_eq!(signals.len(), 2, "{signals:?}");
        let Evidence::IndicatorChange {
            worsening_percent,
            from,
            ..
        } = &signals[0].evidence
        else {
            panic!("{signals:?}")
        };
        assert_eq!(from.year, 2024);
        assert!((worsening_percent - 17.857).abs() < 0.001);
        let Evidence::IndicatorTrend {
            worsening_percent,
            values,
        } = &signals[1].evidence
        else {
            panic!("{signals:?}")
        };
        assert_eq!(values.len(), 3);
        assert!((worsening_percent - 24.528).abs() < 0.001);

        // A stable district: ±2 % wobble never reaches 10 %.
        let stable = IndicatorSeries {
            indicator: &waste,
            values: years(&[(2022, 10.0), (2023, 10.15), (2024, 10.35), (2025, 10.2)]),
        };
        assert!(indicator_signals(&stable, &Thresholds::default()).is_empty());

        // Higher is better: a fall is the worsening.
        let jobs = indicator("jobs", Direction::HigherIsBetter);
        let falling = IndicatorSeries {
            indicator: &jobs,
            values: years(&[(2024, 50.0), (2025, 40.0)]),
        };
        let signals = indicator_signals(&falling, &Thresholds::default());
        assert_eq!(signals.len(), 1);
        assert!((signals[0].weight - 2.0).abs() < 1e-9);
    }

    #[test]
    fn districts_are_ranked_by_the_sum_of_their_weights() {
        let waste = indicator("waste", Direction::HigherIsWorse);
        let moves = indicator("moves", Direction::HigherIsWorse);
        let district =
            |code: &'static str, series: Vec<IndicatorSeries<'static>>| DistrictEvidence {
                code,
                name: code,
                survey: Vec::new(),
                indicators: series,
            };
        let waste: &'static Indicator = Box::leak(Box::new(waste));
        let moves: &'static Indicator = Box::leak(Box::new(moves));
        let one = |indicator, from, to| IndicatorSeries {
            indicator,
            values: years(&[(2024, from), (2025, to)]),
        };
        let districts = vec![
            // One signal of weight 3 (+30 %).
            district("A", vec![one(waste, 10.0, 13.0)]),
            // Two signals of weight 2 and 1.5: 3.5, ranked first.
            district("B", vec![one(waste, 10.0, 12.0), one(moves, 10.0, 11.5)]),
            // Stable: not listed.
            district("C", vec![one(waste, 10.0, 10.1)]),
        ];
        let warnings = evaluate(&districts, &Thresholds::default());
        let ranked: Vec<(&str, usize)> = warnings
            .iter()
            .map(|w| (w.code.as_str(), w.signals.len()))
            .collect();
        assert_eq!(ranked, vec![("B", 2), ("A", 1)]);
        assert!((warnings[0].score - 3.5).abs() < 1e-9);
        // Heaviest signal first within a district.
        assert!(warnings[0].signals[0].weight > warnings[0].signals[1].weight);
    }

    #[test]
    fn thresholds_outside_their_ranges_are_refused() {
        assert_eq!(
            Thresholds::new(0.5, 3, 10.0, 3),
            Err(ThresholdError::SurveyChange)
        );
        assert_eq!(
            Thresholds::new(5.0, 2, 10.0, 3),
            Err(ThresholdError::SurveyWaves)
        );
        assert_eq!(
            Thresholds::new(5.0, 3, f64::NAN, 3),
            Err(ThresholdError::IndicatorChange)
        );
        assert_eq!(
            Thresholds::new(5.0, 3, 10.0, 21),
            Err(ThresholdError::IndicatorPeriods)
        );
        assert_eq!(Thresholds::new(5.0, 3, 10.0, 3), Ok(Thresholds::default()));
    }
}
