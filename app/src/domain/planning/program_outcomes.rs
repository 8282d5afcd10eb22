//! Did a program's targeted factor move where it ran? Districts that ran
//! the program against all other districts of the municipality, before and
//! after the program started: the change in each group with its interval,
//! and the difference-in-differences with interval and p-value.
//!
//! **What this design can show:** whether the factor changed more in the
//! program districts than elsewhere, beyond chance variation of the
//! samples. **What it cannot:** that the program caused it. Districts were
//! not randomised; other changes may coincide; different pupils answer in
//! each wave (cross-sections); and small groups give wide intervals.
//! Pupils are sampled in classes: every variance carries the group's
//! design effect (docs/statistics.md §1.2). The page says so next to every number.
//!
//! Privacy: the two groups partition the municipality. If either has fewer
//! valid answers than the minimum group size, both are withheld, because
//! the city total (shown elsewhere) minus the larger group would give the
//! smaller one. And every district inside either group must be shown on
//! its own in the published profile: a program in a small district A and a
//! shown district B would otherwise give A as "program − B".

use crate::domain::analysis::aggregate::{Cell, Cube, GroupKey, SexKey};
use crate::domain::analysis::report::FactorSource;
use crate::domain::analysis::stats::{
    ClusteredProportion, DidEstimate, Interval, difference_in_differences_clustered,
    newcombe_difference_interval_clustered, two_proportion_z_test_clustered,
};
use crate::domain::analysis::suppression::MinGroupSize;
use serde::{Deserialize, Serialize};

/// One wave, split into program districts and the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaveSplit {
    /// The wave's name.
    pub wave_label: String,
    /// Program districts (`None` = withheld or no answers).
    pub program: Option<ClusteredProportion>,
    /// All other districts (`None` = withheld or no answers).
    pub others: Option<ClusteredProportion>,
    /// Why both groups are withheld, when they are.
    pub withheld: Option<SplitWithheld>,
}

/// Why a wave's split is withheld.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitWithheld {
    /// The wave has no figures for the factor (not surveyed, or no answers).
    NoData,
    /// One of the two groups has fewer valid answers than the minimum.
    SmallGroup,
    /// A district inside one of the groups is withheld on its own, so the
    /// group total would reveal it by subtraction.
    WithheldDistrict,
}

/// Splits one wave's cube into the program districts and the others for
/// one factor (optionally one grade). The cube's breakdown must include the
/// district (and the grade when `grade` is given). Both sides are withheld
/// when either group is below the minimum, or when a district with answers
/// in either group is not shown on its own (`district_shown(district)`,
/// from the published profile for this factor and grade).
pub fn split_wave(
    cube: &Cube,
    factor: FactorSource,
    program_districts: &[i64],
    grade: Option<u8>,
    minimum: MinGroupSize,
    district_shown: impl Fn(i64) -> bool,
) -> Result<(ClusteredProportion, ClusteredProportion), SplitWithheld> {
    let mut program = Cell::default();
    let mut others = Cell::default();
    let mut every_district_shown = true;
    for (key, cell) in cube.cells() {
        let Some(district) = key.district else {
            continue;
        };
        let wanted = GroupKey {
            district: Some(district),
            school: None,
            grade,
            sex: SexKey::All,
        };
        if *key != wanted {
            continue;
        }
        if factor.proportion(cell).n > 0 && !district_shown(district) {
            every_district_shown = false;
        }
        if program_districts.contains(&district) {
            program.merge(cell);
        } else {
            others.merge(cell);
        }
    }
    let (program, others) = (
        factor.clustered(cube, &program),
        factor.clustered(cube, &others),
    );
    let (program_n, others_n) = (program.proportion.n, others.proportion.n);
    if program_n == 0 && others_n == 0 {
        return Err(SplitWithheld::NoData);
    }
    if program_n < minimum.get() || others_n < minimum.get() {
        return Err(SplitWithheld::SmallGroup);
    }
    if !every_district_shown {
        return Err(SplitWithheld::WithheldDistrict);
    }
    Ok((program, others))
}

impl WaveSplit {
    /// The split of a wave from [`split_wave`]'s answer.
    pub fn new(
        wave_label: String,
        split: Result<(ClusteredProportion, ClusteredProportion), SplitWithheld>,
    ) -> Self {
        match split {
            Ok((program, others)) => Self {
                wave_label,
                program: Some(program),
                others: Some(others),
                withheld: None,
            },
            Err(reason) => Self::withheld(wave_label, reason),
        }
    }

    /// A withheld wave.
    pub fn withheld(wave_label: String, reason: SplitWithheld) -> Self {
        Self {
            wave_label,
            program: None,
            others: None,
            withheld: Some(reason),
        }
    }
}

/// The waves to compare for a program that started on `starts_on`
/// (ISO dates compare as text): the last wave that closed before the start
/// (baseline) and the latest wave after it. `None` without a baseline or
/// without a later wave.
pub fn pre_post_waves(waves: &[(String, String)], starts_on: &str) -> Option<(usize, usize)> {
    let pre = waves
        .iter()
        .rposition(|(_, closes_on)| closes_on.as_str() < starts_on)?;
    let post = waves.len().checked_sub(1)?;
    (post > pre).then_some((pre, post))
}

/// The change of one group between two waves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupChange {
    /// Share before, in percent.
    pub before_percent: f64,
    /// Share after, in percent.
    pub after_percent: f64,
    /// After minus before, in percentage points.
    pub difference_points: f64,
    /// Newcombe 95 % interval of the difference, in points.
    pub ci_points: Option<Interval>,
    /// Two-sided p-value of the pooled z-test.
    pub p_value: Option<f64>,
}

fn change(before: ClusteredProportion, after: ClusteredProportion) -> Option<GroupChange> {
    let (b, a) = (before.proportion.estimate()?, after.proportion.estimate()?);
    Some(GroupChange {
        before_percent: b * 100.0,
        after_percent: a * 100.0,
        difference_points: (a - b) * 100.0,
        ci_points: newcombe_difference_interval_clustered(after, before, 0.95).map(|ci| Interval {
            lower: ci.lower * 100.0,
            upper: ci.upper * 100.0,
        }),
        p_value: two_proportion_z_test_clustered(after, before).map(|t| t.p_value),
    })
}

/// The evaluation of one factor for one program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramOutcome {
    /// Index of the baseline wave.
    pub pre: usize,
    /// Index of the follow-up wave.
    pub post: usize,
    /// Change in the program districts.
    pub program_change: Option<GroupChange>,
    /// Change in the other districts.
    pub others_change: Option<GroupChange>,
    /// Difference-in-differences (in proportion units; ×100 for points).
    pub did: Option<DidEstimate>,
}

/// Evaluates `series` between the waves `pre` and `post`.
pub fn evaluate(series: &[WaveSplit], pre: usize, post: usize) -> ProgramOutcome {
    let get = |i: usize| series.get(i);
    let (program_pre, program_post, others_pre, others_post) = (
        get(pre).and_then(|w| w.program),
        get(post).and_then(|w| w.program),
        get(pre).and_then(|w| w.others),
        get(post).and_then(|w| w.others),
    );
    ProgramOutcome {
        pre,
        post,
        program_change: program_pre
            .zip(program_post)
            .and_then(|(b, a)| change(b, a)),
        others_change: others_pre.zip(others_post).and_then(|(b, a)| change(b, a)),
        did: match (program_pre, program_post, others_pre, others_post) {
            (Some(pp), Some(pq), Some(op), Some(oq)) => {
                difference_in_differences_clustered([pp, pq, op, oq], 0.95)
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::stats::Proportion;

    fn p(count: u64, n: u64) -> Option<ClusteredProportion> {
        Some(ClusteredProportion::simple(Proportion { count, n }))
    }

    #[test]
    fn baseline_is_the_last_wave_before_the_start_and_follow_up_the_latest() {
        let waves = vec![
            ("2022-03-01".to_string(), "2022-04-30".to_string()),
            ("2024-03-01".to_string(), "2024-04-30".to_string()),
            ("2026-03-01".to_string(), "2026-04-30".to_string()),
        ];
        assert_eq!(pre_post_waves(&waves, "2024-09-01"), Some((1, 2)));
        assert_eq!(pre_post_waves(&waves, "2023-01-01"), Some((0, 2)));
        // Started before any survey: no baseline.
        assert_eq!(pre_post_waves(&waves, "2021-09-01"), None);
        // Started after the last wave: no follow-up yet.
        assert_eq!(pre_post_waves(&waves, "2026-09-01"), None);
    }

    /// Program districts 40/100 → 25/100, others 30/200 → 28/200.
    /// Independent check (plain Python, the Wald formula of Hawkins-style
    /// DiD, `math.erfc` for the normal tail):
    /// ```text
    /// p=[.4,.25,.15,.14]; n=[100,100,200,200]
    /// d=(p[1]-p[0])-(p[3]-p[2]); se=sqrt(sum(x*(1-x)/m ...)); z=d/se
    /// → d = -0.14, se = 0.0742597, z = -1.885276, p = 0.0593926,
    ///   95 % CI = (-0.285546, 0.005546)
    /// ```
    #[test]
    fn did_of_two_groups_matches_an_independent_computation() {
        let series = vec![
            WaveSplit {
                wave_label: "2024".into(),
                program: p(40, 100),
                others: p(30, 200),
                withheld: None,
            },
            WaveSplit {
                wave_label: "2026".into(),
                program: p(25, 100),
                others: p(28, 200),
                withheld: None,
            },
        ];
        let outcome = evaluate(&series, 0, 1);
        let did = outcome.did.unwrap();
        assert!((did.estimate - -0.14).abs() < 1e-12);
        assert!((did.se - 0.074_259_679_5).abs() < 1e-9);
        assert!((did.z - -1.885_276_114).abs() < 1e-8);
        assert!((did.p_value - 0.059_392_569).abs() < 1e-8);
        assert!((did.ci.lower - -0.285_546_297).abs() < 1e-8);
        assert!((did.ci.upper - 0.005_546_297).abs() < 1e-8);
        let program = outcome.program_change.unwrap();
        assert!((program.difference_points - -15.0).abs() < 1e-9);
        // statsmodels 0.15: confint_proportions_2indep(25, 100, 40, 100,
        // method='newcomb', compare='diff') → (-0.2731295, -0.0201330)
        let ci = program.ci_points.unwrap();
        assert!((ci.lower - -27.312_95).abs() < 1e-4, "{ci:?}");
        assert!((ci.upper - -2.013_30).abs() < 1e-4, "{ci:?}");
        let others = outcome.others_change.unwrap();
        assert!((others.difference_points - -1.0).abs() < 1e-9);
    }

    #[test]
    fn a_withheld_wave_gives_no_estimate() {
        let series = vec![
            WaveSplit::withheld("2024".into(), SplitWithheld::SmallGroup),
            WaveSplit {
                wave_label: "2026".into(),
                program: p(25, 100),
                others: p(28, 200),
                withheld: None,
            },
        ];
        let outcome = evaluate(&series, 0, 1);
        assert_eq!(outcome.did, None);
        assert_eq!(outcome.program_change, None);
    }

    /// The differencing attack of issue 11: a program in a small district A
    /// and a shown district B. The union (A + B) is large enough, so the
    /// old rule showed it, and program − B gave A. Now every district must
    /// be shown on its own in the published profile.
    #[test]
    fn a_program_group_with_a_withheld_district_is_withheld() {
        use crate::domain::analysis::aggregate::{
            AggregateOptions, Dimension, GroupKey, Respondent, aggregate,
        };
        use crate::domain::analysis::report::{ReportOptions, build_profile_table};
        use crate::domain::survey::instrument::Instrument;
        let instrument = Instrument::from_toml_str(
            r#"
[instrument]
id = "t"
version = "1"
title = { de = "T", en = "T" }
languages = ["de", "en"]
[[response_sets]]
id = "yesno"
options = [
  { value = 1, label = { de = "nein", en = "no" } },
  { value = 2, label = { de = "ja", en = "yes" } },
]
[[pages]]
id = "p"
title = { de = "P", en = "P" }
[[pages.items]]
code = "R1"
text = { de = "x", en = "x" }
response_set = "yesno"
[[scales]]
id = "risk"
kind = "risk"
domain = "family"
label = { de = "R", en = "R" }
items = ["R1"]
cut_point = 2
"#,
            "t.toml",
        )
        .expect("instrument");
        // District 1: 5 pupils (withheld), 2: 50, 3: 60, 4: 70.
        let pupils: Vec<(i64, Vec<u8>)> = [(1, 5), (2, 50), (3, 60), (4, 70)]
            .iter()
            .flat_map(|&(d, n)| (0..n).map(move |i| (d, vec![if i % 3 == 0 { 2 } else { 1 }])))
            .collect();
        let cube = aggregate(
            &instrument,
            pupils.iter().map(|(district, answers)| Respondent {
                class: None,
                district: *district,
                school: None,
                grade: 8,
                sex: None,
                answers,
                valid: true,
            }),
            &[Dimension::District, Dimension::Grade],
            AggregateOptions::default(),
        );
        let table =
            build_profile_table(&instrument, &cube, "t-1/default", &ReportOptions::default())
                .expect("additive");
        let shown = |district: i64| {
            table
                .group(&GroupKey {
                    district: Some(district),
                    ..GroupKey::TOTAL
                })
                .is_some_and(|g| g.factors[0].is_shown())
        };
        assert!(!shown(1), "district 1 is below k");
        let factor = FactorSource::Scale(0);
        let k = MinGroupSize::default();
        // Program {1, 2}: the union of 55 would pass a union-only check.
        assert_eq!(
            split_wave(&cube, factor, &[1, 2], None, k, shown),
            Err(SplitWithheld::WithheldDistrict)
        );
        // Program {3}, comparison {1, 2, 4}: the comparison holds district 1.
        assert_eq!(
            split_wave(&cube, factor, &[3], None, k, shown),
            Err(SplitWithheld::WithheldDistrict)
        );
        // Without the small district, both groups consist of shown districts.
        let pupils_without: Vec<_> = pupils.iter().filter(|(d, _)| *d != 1).collect();
        let cube_without = aggregate(
            &instrument,
            pupils_without.iter().map(|(district, answers)| Respondent {
                class: None,
                district: *district,
                school: None,
                grade: 8,
                sex: None,
                answers,
                valid: true,
            }),
            &[Dimension::District, Dimension::Grade],
            AggregateOptions::default(),
        );
        let table_without = build_profile_table(
            &instrument,
            &cube_without,
            "t-1/default",
            &ReportOptions::default(),
        )
        .expect("additive");
        let shown_without = |district: i64| {
            table_without
                .group(&GroupKey {
                    district: Some(district),
                    ..GroupKey::TOTAL
                })
                .is_some_and(|g| g.factors[0].is_shown())
        };
        let (program, others) =
            split_wave(&cube_without, factor, &[2], None, k, shown_without).expect("publishable");
        assert_eq!((program.proportion.n, others.proportion.n), (50, 130));
    }
}
