use super::*;
use crate::domain::analysis::aggregate::aggregate;
use crate::domain::survey::respondent::Sex;
use proptest::prelude::*;

fn demo_instrument() -> Instrument {
    let source = include_str!("../../../../../instruments/demo-ctc.toml");
    Instrument::from_toml_str(source, "instruments/demo-ctc.toml").expect("demo instrument")
}

/// A questionnaire as publication reads it.
#[derive(Clone, Debug)]
struct Stored {
    district: i64,
    school: Option<i64>,
    grade: u8,
    sex: Option<Sex>,
    answers: Vec<u8>,
    flags: Vec<String>,
}

impl PublicationInput for Stored {
    fn respondent(&self) -> Respondent<'_> {
        Respondent {
            class: None,
            district: self.district,
            school: self.school,
            grade: self.grade,
            sex: self.sex,
            answers: &self.answers,
            valid: self.flags.is_empty(),
        }
    }
    fn validity_flags(&self) -> &[String] {
        &self.flags
    }
}

/// Pupils from a seed: districts 1..=districts, grades 6/8, each item byte
/// in 0..=options (0 = missing), one in ten flagged.
fn pupils(instrument: &Instrument, seed: u64, count: usize, districts: i64) -> Vec<Stored> {
    let options: Vec<u8> = instrument
        .items
        .iter()
        .enumerate()
        .map(|(index, _)| instrument.response_set_of(index).options.len() as u8)
        .collect();
    // A small LCG is enough: the test needs varied, reproducible answers.
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % bound.max(1)
    };
    (0..count)
        .map(|_| Stored {
            district: 1 + next(districts as u64) as i64,
            school: Some(1 + next(3) as i64),
            grade: if next(2) == 0 { 6 } else { 8 },
            sex: match next(4) {
                0 => Some(Sex::Female),
                1 => Some(Sex::Male),
                2 => Some(Sex::Diverse),
                _ => None,
            },
            answers: options
                .iter()
                .map(|&n| next(u64::from(n) + 1) as u8)
                .collect(),
            flags: if next(10) == 0 {
                vec!["too_few_answered".to_string()]
            } else {
                Vec::new()
            },
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The stored result, decoded, equals the result computed afresh from
    /// the same responses by the pipeline the pages used before results
    /// were stored (aggregate, then the profile table), and the quality
    /// counts equal a direct count.
    #[test]
    fn the_stored_result_equals_a_fresh_computation(
        seed in any::<u64>(),
        count in 0usize..400,
        districts in 1i64..6,
    ) {
        let instrument = demo_instrument();
        let responses = pupils(&instrument, seed, count, districts);
        let k = MinGroupSize::default();
        let published = publish(&instrument, &responses, k).expect("additive cube");
        let decoded = PublishedWave::decode(&published.encode()).expect("decodes");
        prop_assert_eq!(&decoded, &published);

        let fresh_cube = aggregate(
            &instrument,
            responses.iter().map(PublicationInput::respondent),
            &PAGE_BREAKDOWN,
            AggregateOptions::default(),
        );
        prop_assert_eq!(&decoded.cube, &fresh_cube);
        let fresh_table = build_profile_table(
            &instrument,
            &fresh_cube,
            &default_cut_point_set(&instrument),
            &ReportOptions::default(),
        )
        .expect("additive cube");
        prop_assert_eq!(&decoded.profile, &fresh_table);
        prop_assert_eq!(decoded.quality.responses, count as u64);
        let flagged = responses.iter().filter(|r| !r.flags.is_empty()).count() as u64;
        prop_assert_eq!(decoded.quality.excluded, flagged);
        prop_assert_eq!(
            decoded.quality.exclusions_by_rule.get("too_few_answered").copied().unwrap_or(0),
            flagged
        );
    }
}

#[test]
fn the_key_names_every_version_the_result_depends_on() {
    let instrument = demo_instrument();
    let key = ResultKey::current(&instrument, MinGroupSize::new(20).expect("k >= 10"));
    let text = key.as_text();
    assert!(
        text.starts_with(&format!("engine={ENGINE_VERSION};")),
        "{text}"
    );
    assert!(text.contains(&format!(
        "cut_points={}-{}/default",
        instrument.id, instrument.version
    )));
    assert!(text.ends_with(";k=20"), "{text}");
    assert_ne!(
        text,
        ResultKey::current(&instrument, MinGroupSize::default()).as_text()
    );
}

#[test]
fn a_corrupt_stored_result_is_an_error_not_a_panic() {
    assert!(PublishedWave::decode(&[0xff, 0x01, 0x02]).is_err());
    assert!(PublishedWave::decode(&[]).is_err());
}

#[test]
fn a_chosen_cut_point_set_scores_the_wave_and_is_named_everywhere() {
    use crate::domain::analysis::calibration::CutPointSet;
    use std::collections::BTreeMap;
    let instrument = demo_instrument();
    let responses = pupils(&instrument, 7, 600, 2);
    let k = MinGroupSize::default();
    let own = publish(&instrument, &responses, k).expect("additive cube");
    let scale = instrument
        .scales
        .iter()
        .position(|s| s.id == "fam_conflict")
        .expect("demo scale");
    let (min, max) = instrument
        .scale_score_range(&instrument.scales[scale])
        .expect("range");
    // The lowest possible cut point flags (nearly) everyone with a score.
    let set = CutPointSet {
        id: "kalibriert v1".to_string(),
        derived_from: "test".to_string(),
        cut_points: BTreeMap::from([(
            "fam_conflict".to_string(),
            BTreeMap::from([(6, min), (8, min)]),
        )]),
    };
    assert!(min < max);
    let applied = set.apply_to(&instrument).expect("fits the instrument");
    let chosen = publish_with_cut_points(&applied, &set.id, &responses, &BTreeMap::new(), k)
        .expect("additive");
    assert!(chosen.key.as_text().contains("cut_points=kalibriert v1;"));
    assert_eq!(chosen.profile.versions.cut_points, "kalibriert v1");
    let flagged = |published: &PublishedWave| published.cube.total().scales[scale].flagged;
    let scored = chosen.cube.total().scales[scale].n;
    assert!(flagged(&chosen) > flagged(&own), "a lower cut flags more");
    assert!(
        flagged(&chosen) * 10 >= scored * 9,
        "{} of {scored}",
        flagged(&chosen)
    );
    // Other scales keep the instrument's cut points.
    let other = (0..instrument.scales.len())
        .find(|&i| i != scale && instrument.scales[i].cut_point.is_some())
        .expect("another scale");
    assert_eq!(
        chosen.cube.total().scales[other].flagged,
        own.cube.total().scales[other].flagged
    );
}
