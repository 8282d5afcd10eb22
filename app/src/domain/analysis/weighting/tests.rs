use super::*;
use crate::domain::analysis::aggregate::{AggregateOptions, Dimension, aggregate};
use crate::domain::analysis::report::{ReportOptions, build_profile_table, tests::INSTRUMENT};
use crate::domain::analysis::stats::post_stratified;

/// `(district, school, pupils, flagged)` of grade 8.
type Class = (i64, Option<i64>, usize, usize);

fn instrument() -> Instrument {
    Instrument::from_toml_str(INSTRUMENT, "t.toml").expect("valid")
}

fn pupils(groups: &[Class]) -> Vec<(i64, Option<i64>, Vec<u8>)> {
    groups
        .iter()
        .flat_map(|&(district, school, pupils, flagged)| {
            (0..pupils).map(move |i| (district, school, vec![if i < flagged { 2 } else { 1 }]))
        })
        .collect()
}

fn respondents(data: &[(i64, Option<i64>, Vec<u8>)]) -> impl Iterator<Item = Respondent<'_>> {
    data.iter().map(|(district, school, answers)| Respondent {
        class: None,
        district: *district,
        school: *school,
        grade: 8,
        sex: None,
        answers,
        valid: true,
    })
}

fn school_types() -> BTreeMap<i64, String> {
    BTreeMap::from([
        (11, "Gymnasium".to_string()),
        (12, "Gesamtschule".to_string()),
        (21, "Gymnasium".to_string()),
        (22, "Gesamtschule".to_string()),
        (31, "Gesamtschule".to_string()),
    ])
}

fn population(gymnasium: u64, gesamtschule: u64) -> PopulationCounts {
    let key = |school_type: &str| StratumKey {
        school_type: school_type.to_string(),
        grade: 8,
    };
    PopulationCounts {
        pupils: BTreeMap::from([
            (key("Gymnasium"), gymnasium),
            (key("Gesamtschule"), gesamtschule),
        ]),
    }
}

/// The unweighted profile by district and the tallies of the same pupils.
fn wave(groups: &[Class]) -> (ProfileTable, StratumTallies) {
    let instrument = instrument();
    let data = pupils(groups);
    let cube = aggregate(
        &instrument,
        respondents(&data),
        &[Dimension::District, Dimension::Grade],
        AggregateOptions::default(),
    );
    let table = build_profile_table(&instrument, &cube, "t-1/default", &ReportOptions::default())
        .expect("additive");
    let tallies = tally_strata(
        &instrument,
        &ScoringPlan::new(&instrument),
        respondents(&data),
        &school_types(),
    );
    (table, tallies)
}

const CITY: [Class; 5] = [
    (1, Some(11), 40, 8),
    (1, Some(12), 30, 15),
    (2, Some(21), 50, 10),
    (2, Some(22), 20, 8),
    (3, Some(31), 40, 12),
];

fn district(id: i64) -> GroupKey {
    GroupKey {
        district: Some(id),
        ..GroupKey::TOTAL
    }
}

fn figures(table: &ProfileTable, key: GroupKey) -> Option<&Figures> {
    table.group(&key)?.factors[0].figures.as_ref()
}

#[test]
fn a_district_is_weighted_by_school_type_and_compared_with_the_rest() {
    let (table, tallies) = wave(&CITY);
    let weighted = weighted_profile(
        &table,
        &tallies,
        &population(900, 1100),
        &ProfileOptions::default(),
    );
    // District 1 by hand: Gymnasium 90 answers in the city (40 of them in
    // the district, 8 flagged; rest 50, 10 flagged), Gesamtschule 90 (30,
    // 15 flagged; rest 60, 20 flagged). Weights 900/90 = 10, 1100/90.
    let w1 = 10.0;
    let w2 = 1100.0 / 90.0;
    let expected = (w1 * 8.0 + w2 * 15.0) / (w1 * 40.0 + w2 * 30.0);
    let by_hand = post_stratified(&[
        Stratum {
            population: 900,
            sample: 90,
            group: (40, 8),
            rest: (50, 10),
        },
        Stratum {
            population: 1100,
            sample: 90,
            group: (30, 15),
            rest: (60, 20),
        },
    ])
    .expect("estimable");
    let unweighted = figures(&table, district(1)).expect("shown");
    let shown = figures(&weighted.table, district(1)).expect("shown");
    assert!((shown.percent - 100.0 * expected).abs() < 1e-9);
    assert!((unweighted.percent - 100.0 * 23.0 / 70.0).abs() < 1e-9);
    // The answers behind it stay the unweighted ones.
    assert_eq!((shown.n, shown.count), (70, 23));
    // No classes: the design effect is the weighting's alone.
    let srs = expected * (1.0 - expected) / 70.0;
    assert!((shown.design_effect - by_hand.group.variance / srs).abs() < 1e-9);
    let comparison = shown.comparison.as_ref().expect("compared");
    let rest = by_hand.rest.expect("rest");
    let difference = by_hand.group.share - rest.share;
    let z = difference / by_hand.difference_variance.expect("variance").sqrt();
    assert!((comparison.z.expect("z") - z).abs() < 1e-9);
    assert!((comparison.comparator_percent.expect("rest") - 100.0 * rest.share).abs() < 1e-9);
    assert!(
        (comparison.reference_percent.expect("total") - 100.0 * by_hand.total.share).abs() < 1e-9
    );
    assert_eq!(comparison.methods.design, weighted_method::POST_STRATIFIED);
    assert_eq!(comparison.methods.adjustment, method::BENJAMINI_HOCHBERG);
    assert!(shown.mean.is_none(), "means are not weighted");
    assert_eq!(
        weighted.coverage,
        Coverage {
            weighted_answers: 180,
            answers_left_out: 0,
            strata_without_answers: Vec::new(),
        }
    );
}

#[test]
fn weights_proportional_to_the_answers_change_no_share() {
    let (table, tallies) = wave(&CITY);
    // 90 Gymnasium and 90 Gesamtschule answers: equal populations give
    // every answer the same weight.
    let weighted = weighted_profile(
        &table,
        &tallies,
        &population(1000, 1000),
        &ProfileOptions::default(),
    );
    for key in [GroupKey::TOTAL, district(1), district(2), district(3)] {
        let plain = figures(&table, key).expect("shown");
        let shown = figures(&weighted.table, key).expect("shown");
        assert!((plain.percent - shown.percent).abs() < 1e-9, "{key:?}");
    }
}

#[test]
fn withheld_cells_stay_withheld_and_unweightable_answers_are_counted() {
    // District 4 has 5 answers (withheld, and with it its complementary
    // partner); school 41 has no type.
    let mut groups = CITY.to_vec();
    groups.push((4, Some(41), 5, 2));
    groups.push((3, None, 3, 1));
    let (table, tallies) = wave(&groups);
    let mut population = population(900, 1100);
    population.pupils.insert(
        StratumKey {
            school_type: "Hauptschule".to_string(),
            grade: 8,
        },
        400,
    );
    let weighted = weighted_profile(&table, &tallies, &population, &ProfileOptions::default());
    for group in &table.groups {
        let shown_before = group.factors[0].is_shown();
        let shown_after = weighted
            .table
            .group(&group.key)
            .expect("same groups")
            .factors[0]
            .is_shown();
        assert_eq!(shown_before, shown_after, "{:?}", group.key);
    }
    assert!(figures(&weighted.table, district(4)).is_none());
    assert_eq!(weighted.coverage.answers_left_out, 8);
    assert_eq!(weighted.coverage.weighted_answers, 180);
    assert_eq!(
        weighted.coverage.strata_without_answers,
        vec![StratumKey {
            school_type: "Hauptschule".to_string(),
            grade: 8
        }]
    );
}

#[test]
fn a_norm_is_compared_with_the_weighted_share_on_its_variance() {
    let (table, tallies) = wave(&CITY);
    let mut norm_table = table.clone();
    for group in &mut norm_table.groups {
        if let Some(comparison) = group.factors[0]
            .figures
            .as_mut()
            .and_then(|f| f.comparison.as_mut())
        {
            comparison.reference = Reference::Norm {
                percent: 20.0,
                label: "Norm".to_string(),
            };
        }
    }
    let weighted = weighted_profile(
        &norm_table,
        &tallies,
        &population(900, 1100),
        &ProfileOptions::default(),
    );
    let shown = figures(&weighted.table, district(1)).expect("shown");
    let comparison = shown.comparison.as_ref().expect("compared");
    let p = shown.percent / 100.0;
    let variance = shown.design_effect * p * (1.0 - p) / 70.0;
    let z = (p - 0.2) / variance.sqrt();
    assert!((comparison.z.expect("z") - z).abs() < 1e-9);
    assert_eq!(comparison.comparator_percent, Some(20.0));
}

fn split(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .lines()
        .map(|line| line.split(',').map(str::to_string).collect());
    (lines.next().expect("header"), lines.collect())
}

#[test]
fn a_population_file_is_read_by_school_type_and_grade() {
    let (header, rows) =
        split("school_type,grade,pupils\nGymnasium,8,900\nGesamtschule,8,1100\n,,\n");
    let types = ["Gesamtschule".to_string(), "Gymnasium".to_string()];
    assert_eq!(
        parse_population(&header, &rows, &types, &[6, 8]).expect("valid"),
        population(900, 1100)
    );
}

#[test]
fn every_bad_population_row_is_reported_by_row_and_column() {
    let (header, rows) = split(
        "school_type,grade,pupils\nRealschule,8,10\nGymnasium,7,10\nGymnasium,8,0\nGymnasium,8,5\nGymnasium,8,6\n",
    );
    let types = ["Gymnasium".to_string()];
    let problems = parse_population(&header, &rows, &types, &[6, 8])
        .expect_err("refused")
        .0;
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (2, Some("school_type")),
            (3, Some("grade")),
            (4, Some("pupils")),
            (6, None)
        ],
        "{problems:?}"
    );
    assert!(problems[3].message.contains("first in row 5"));
}
