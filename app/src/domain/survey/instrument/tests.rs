//! Unit tests of the instrument model, the answer encoding and the loader.
//!
//! Broken instruments are derived from `testdata/minimal.toml` by replacing
//! single lines, so the asserted line numbers refer to that file.

use super::*;

const MINIMAL: &str = include_str!("testdata/minimal.toml");
const FILE: &str = "mini.toml";

fn load(source: &str) -> Instrument {
    match Instrument::from_toml_str(source, FILE) {
        Ok(instrument) => instrument,
        Err(errors) => panic!("expected a valid instrument, got:\n{errors}"),
    }
}

fn minimal() -> Instrument {
    load(MINIMAL)
}

/// Applies `(old, new)` replacements to the minimal instrument (each `old`
/// must occur exactly once) and returns the load errors.
fn broken(replacements: &[(&str, &str)]) -> Vec<InstrumentError> {
    let mut source = MINIMAL.to_owned();
    for (old, new) in replacements {
        assert_eq!(
            source.matches(old).count(),
            1,
            "test bug: {old:?} must occur exactly once"
        );
        source = source.replacen(old, new, 1);
    }
    errors_of(&source)
}

fn errors_of(source: &str) -> Vec<InstrumentError> {
    match Instrument::from_toml_str(source, FILE) {
        Ok(_) => panic!("expected errors, but the instrument loaded"),
        Err(errors) => errors.errors,
    }
}

/// Asserts that an error with exactly `line` and `key` whose message contains
/// `message` was reported.
fn assert_error(errors: &[InstrumentError], line: usize, key: &str, message: &str) {
    let found = errors
        .iter()
        .any(|error| error.line == line && error.key == key && error.message.contains(message));
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        found,
        "no error at line {line}, key {key:?} containing {message:?}; got:\n{}",
        all.join("\n")
    );
}

fn assert_count(errors: &[InstrumentError], count: usize) {
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), count, "errors:\n{}", all.join("\n"));
}

// ----- valid instrument ----------------------------------------------------

#[test]
fn minimal_instrument_parses_with_correct_indices() {
    let instrument = minimal();
    assert_eq!(instrument.id, "test-mini");
    assert_eq!(instrument.version, "2026.1-test");
    assert_eq!(instrument.languages, ["de", "en"]);
    assert_eq!(instrument.default_language(), "de");
    assert!(instrument.demonstration);
    assert!(instrument.description.is_none());
    assert_eq!(
        instrument.demographics,
        Demographics {
            ask_sex: true,
            ask_home_district: true
        }
    );
    assert_eq!(instrument.title.get("en"), "Test questionnaire");

    // Response sets in file order.
    assert_eq!(instrument.response_sets.len(), 2);
    assert_eq!(instrument.response_sets[1].id, "freq");
    assert_eq!(instrument.response_sets[1].min_value(), 0);
    assert_eq!(instrument.response_sets[1].max_value(), 2);

    // Items flattened in questionnaire order across pages.
    let codes: Vec<&str> = instrument
        .items
        .iter()
        .map(|item| item.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "FAM_CONFLICT_1",
            "FAM_CONFLICT_2",
            "FAM_ATTACH_1",
            "ALC_LIFE",
            "ALC_30D",
            "DERBISOL",
            "HONESTY"
        ]
    );
    assert_eq!(instrument.pages.len(), 2);
    assert_eq!(instrument.pages[0].items, [0, 1, 2]);
    assert_eq!(instrument.pages[1].items, [3, 4, 5, 6]);
    assert_eq!(
        instrument.pages[0]
            .intro
            .as_ref()
            .map(|intro| intro.get("en")),
        Some("About your family")
    );
    assert!(instrument.pages[1].intro.is_none());
    assert_eq!(instrument.items[4].page, 1);
    assert_eq!(instrument.items[4].response_set, 1);
    assert_eq!(instrument.items[6].response_set, 0);
    assert!(instrument.items[2].reverse);
    assert!(!instrument.items[0].reverse);
    assert_eq!(instrument.item_index("ALC_30D"), Some(4));
    assert_eq!(instrument.item_index("NOPE"), None);
    assert_eq!(instrument.response_set_of(5).id, "freq");

    // Scales.
    let conflict = instrument.scale("family_conflict").expect("scale exists");
    assert_eq!(conflict.kind, ScaleKind::Risk);
    assert_eq!(conflict.domain, Domain::Family);
    assert_eq!(conflict.items, [0, 1]);
    assert_eq!(conflict.scoring, Scoring::Mean);
    assert_eq!(conflict.min_answered, 1);
    let cut = conflict.cut_point.as_ref().expect("cut point");
    assert_eq!(cut.default, 2.5);
    assert_eq!(cut.direction, Direction::High);
    assert_eq!(cut.by_grade.get(&6), Some(&2.4));
    assert_eq!(cut.by_grade.get(&8), Some(&2.6));

    let attachment = instrument.scale("family_attachment").expect("scale exists");
    assert_eq!(attachment.kind, ScaleKind::Protective);
    assert_eq!(attachment.scoring, Scoring::Sum);
    assert_eq!(
        attachment.cut_point.as_ref().map(|cut| cut.direction),
        Some(Direction::Low)
    );

    let alcohol = instrument.scale("alcohol_frequency").expect("scale exists");
    assert_eq!(alcohol.domain, Domain::Outcome);
    assert_eq!(alcohol.min_answered, 2, "defaults to all items");
    assert!(alcohol.cut_point.is_none());
    assert_eq!(instrument.scale_index("alcohol_frequency"), Some(2));

    // Outcomes and validity rules.
    let outcome = instrument.outcome("alcohol_30d").expect("outcome exists");
    assert_eq!(outcome.group, OutcomeGroup::SubstanceUse);
    assert_eq!(outcome.items, [4]);
    assert_eq!(outcome.at_least, 1);

    let checks: Vec<&ValidityCheck> = instrument
        .validity_rules
        .iter()
        .map(|rule| &rule.check)
        .collect();
    assert_eq!(
        checks,
        [
            &ValidityCheck::Dishonesty {
                item: 6,
                values: vec![1]
            },
            &ValidityCheck::FictitiousDrug {
                item: 5,
                at_least: 1
            },
            &ValidityCheck::ImplausibleUse {
                items: vec![3, 4, 5],
                at_least: 2,
                min_items: 3
            },
            &ValidityCheck::InconsistentUse {
                pairs: vec![(4, 3)]
            },
            &ValidityCheck::TooFewAnswered { min_share: 0.5 },
            &ValidityCheck::TooFast { min_seconds: 120 },
        ]
    );
    assert_eq!(
        instrument
            .validity_rule("speeder")
            .map(|rule| rule.label.get("de")),
        Some("Zu schnell")
    );
    assert_eq!(instrument.scale_items_for_validity(), [0, 1, 2]);
}

#[test]
fn score_ranges_follow_scoring() {
    let instrument = minimal();
    let conflict = instrument.scale("family_conflict").expect("scale");
    assert_eq!(instrument.scale_score_range(conflict), Some((1.0, 4.0)));
    let mut summed = conflict.clone();
    summed.scoring = Scoring::Sum;
    assert_eq!(instrument.scale_score_range(&summed), Some((2.0, 8.0)));
}

#[test]
fn json_round_trip_preserves_the_instrument() {
    let instrument = minimal();
    let json = serde_json::to_string(&instrument).expect("serializes");
    let back: Instrument = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, instrument);
}

#[test]
fn localized_text_falls_back_to_first_language() {
    let text = LocalizedText::from([("en", "Hello"), ("de", "Hallo")]);
    assert_eq!(text.get("en"), "Hello");
    assert_eq!(
        text.get("fr"),
        "Hallo",
        "first present language alphabetically"
    );
    assert_eq!(text.translation("fr"), None);
    assert_eq!(LocalizedText::default().get("de"), "");
}

// ----- answers ---------------------------------------------------------------

#[test]
fn encode_decode_round_trip() {
    let instrument = minimal();
    for (index, _) in instrument.items.iter().enumerate() {
        let set = instrument.response_set_of(index);
        assert_eq!(instrument.decode_value(index, MISSING_ANSWER), Ok(None));
        for (position, option) in set.options.iter().enumerate() {
            let byte = instrument
                .encode_value(index, option.value)
                .expect("encodes");
            assert_eq!(usize::from(byte), position + 1, "1-based option position");
            assert_eq!(instrument.decode_value(index, byte), Ok(Some(option.value)));
        }
    }
    // "freq" starts at value 0: value 0 is option 1, not "missing".
    assert_eq!(instrument.encode_value(3, 0), Ok(1));
    assert_eq!(instrument.decode_value(3, 1), Ok(Some(0)));
}

#[test]
fn answer_errors_name_the_item() {
    let instrument = minimal();
    let error = instrument
        .decode_value(0, 5)
        .expect_err("agree4 has 4 options");
    assert_eq!(
        error.to_string(),
        "item FAM_CONFLICT_1: answer byte 5 is out of range: response set \"agree4\" has 4 options (0 = missing, 1..=4 = option)"
    );
    let error = instrument.encode_value(4, 7).expect_err("no value 7");
    assert_eq!(
        error.to_string(),
        "item ALC_30D: value 7 is not an option of response set \"freq\" (allowed values: 0, 1, 2)"
    );
    assert_eq!(
        instrument.decode_value(99, 1),
        Err(AnswerError::UnknownItem {
            index: 99,
            item_count: 7
        })
    );
    assert!(instrument.encode_value(99, 1).is_err());
}

#[test]
fn validate_answers_checks_length_and_range() {
    let instrument = minimal();
    assert_eq!(instrument.validate_answers(&[1, 2, 3, 1, 0, 0, 4]), Ok(()));
    assert_eq!(instrument.validate_answers(&[0; 7]), Ok(()));
    assert_eq!(
        instrument.validate_answers(&[1, 2, 3]),
        Err(AnswerError::WrongLength {
            expected: 7,
            actual: 3
        })
    );
    let error = instrument
        .validate_answers(&[1, 2, 3, 1, 4, 0, 4])
        .expect_err("freq has 3 options");
    assert!(error.to_string().starts_with("item ALC_30D: answer byte 4"));
}

#[test]
fn scored_value_reverse_codes() {
    let instrument = minimal();
    // FAM_ATTACH_1 (index 2) is reversed on a 1..4 set: 1 <-> 4, 2 <-> 3.
    assert_eq!(instrument.scored_value(2, 1), Ok(Some(4)));
    assert_eq!(instrument.scored_value(2, 3), Ok(Some(2)));
    assert_eq!(instrument.scored_value(2, 0), Ok(None));
    assert_eq!(instrument.scored_value(0, 1), Ok(Some(1)));
}

#[test]
fn cut_points_by_grade_and_direction() {
    let cut = CutPoint {
        default: 2.5,
        by_grade: [(6, 2.4), (8, 2.6)].into_iter().collect(),
        direction: Direction::High,
    };
    assert_eq!(cut.for_grade(6), 2.4);
    assert_eq!(cut.for_grade(7), 2.5);
    assert!(cut.flags(2.5, 7), "equal to the cut point is flagged");
    assert!(!cut.flags(2.5, 8));
    assert!(cut.flags(2.4, 6));
    assert!(cut.flags(13.0 / 5.0, 8), "2.6 computed as a mean");
    assert!(!cut.flags(f64::NAN, 6));
    let low = CutPoint {
        direction: Direction::Low,
        ..cut
    };
    assert!(low.flags(2.5, 7));
    assert!(!low.flags(2.51, 7));
}

#[test]
fn outcome_presence() {
    let instrument = minimal();
    let outcome = instrument.outcome("alcohol_30d").expect("outcome");
    let answers = |alc_30d: u8| [0, 0, 0, 0, alc_30d, 0, 0];
    assert_eq!(outcome.evaluate(&instrument, &answers(0)), Ok(None));
    assert_eq!(outcome.evaluate(&instrument, &answers(1)), Ok(Some(false)));
    assert_eq!(outcome.evaluate(&instrument, &answers(2)), Ok(Some(true)));
    assert!(outcome.evaluate(&instrument, &[0, 0]).is_err());
}

// ----- broken instruments ------------------------------------------------------

#[test]
fn unknown_item_in_scale() {
    let errors = broken(&[(
        r#"items = ["FAM_CONFLICT_1", "FAM_CONFLICT_2"]"#,
        r#"items = ["FAM_CONFLICT_1", "FAM_X"]"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        83,
        "scales[0].items[1]",
        "unknown item code \"FAM_X\"",
    );
    assert_eq!(
        errors[0].to_string(),
        "mini.toml:83:28: scales[0].items[1]: unknown item code \"FAM_X\" (no item with this code in any page)"
    );
}

#[test]
fn duplicate_item_code() {
    let errors = broken(&[(r#"code = "FAM_CONFLICT_2""#, r#"code = "FAM_CONFLICT_1""#)]);
    assert_error(
        &errors,
        44,
        "pages[0].items[1].code",
        "duplicate item code \"FAM_CONFLICT_1\" (first defined at line 39)",
    );
    // The scale still referring to the renamed code is reported, too.
    assert_error(
        &errors,
        83,
        "scales[0].items[1]",
        "unknown item code \"FAM_CONFLICT_2\"",
    );
    assert_count(&errors, 2);
}

#[test]
fn missing_english_text() {
    let errors = broken(&[(
        r#"text = { de = "Wir schreien uns an.", en = "We yell at each other." }"#,
        r#"text = { de = "Wir schreien uns an." }"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        45,
        "pages[0].items[1].text",
        "missing \"en\" translation",
    );
}

#[test]
fn language_not_listed() {
    let errors = broken(&[(
        r#"title = { de = "Konsum", en = "Use" }"#,
        r#"title = { de = "Konsum", en = "Use", fr = "Consommation" }"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        56,
        "pages[1].title.fr",
        "language \"fr\" is not listed in instrument.languages (de, en)",
    );
}

/// A pupil-only language: every text a pupil reads needs it (here none has
/// it yet), texts of reports must not have it.
#[test]
fn questionnaire_languages_are_required_on_pupil_texts_only() {
    let errors = broken(&[(
        r#"languages = ["de", "en"]"#,
        "languages = [\"de\", \"en\"]\nquestionnaire_languages = [\"tr\"]",
    )]);
    assert_error(
        &errors,
        8,
        "instrument.title",
        "missing \"tr\" translation (every text needs all languages of instrument.languages and instrument.questionnaire_languages: de, en, tr)",
    );
    assert_error(
        &errors,
        20,
        "response_sets[0].options[0].label",
        "missing \"tr\"",
    );
    assert_error(&errors, 36, "pages[0].title", "missing \"tr\"");
    assert_error(&errors, 41, "pages[0].items[0].text", "missing \"tr\"");
    assert!(
        errors.iter().all(|error| !error.key.starts_with("scales")),
        "scale labels are for reports: {errors:?}"
    );

    let errors = broken(&[
        (
            r#"languages = ["de", "en"]"#,
            "languages = [\"de\", \"en\"]\nquestionnaire_languages = [\"en\", \"tr\", \"tr\"]",
        ),
        (
            r#"label = { de = "Konflikte in der Familie", en = "Family conflict" }"#,
            r#"label = { de = "Konflikte in der Familie", en = "Family conflict", tr = "Aile içi çatışma" }"#,
        ),
    ]);
    assert_error(
        &errors,
        10,
        "instrument.questionnaire_languages[0]",
        "language \"en\" is already in instrument.languages",
    );
    assert_error(
        &errors,
        10,
        "instrument.questionnaire_languages[2]",
        "language \"tr\" is listed twice",
    );
    // An invalid list does not add an error to every pupil text.
    assert_count(&errors, 3);
    assert_error(
        &errors,
        83,
        "scales[0].label.tr",
        "language \"tr\" is not listed in instrument.languages (de, en)",
    );

    let errors = broken(&[
        (
            r#"languages = ["de", "en"]"#,
            "languages = [\"de\", \"en\"]\nquestionnaire_languages = [\"tr\"]",
        ),
        (
            r#"label = { de = "Konflikte in der Familie", en = "Family conflict" }"#,
            r#"label = { de = "Konflikte in der Familie", en = "Family conflict", tr = "Aile içi çatışma" }"#,
        ),
    ]);
    assert_error(
        &errors,
        83,
        "scales[0].label.tr",
        "(de, en); questionnaire_languages are only for texts pupils read",
    );
}

#[test]
fn cut_point_out_of_range() {
    let errors = broken(&[("cut_point = 2.5", "cut_point = 4.5")]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        85,
        "scales[0].cut_point",
        "cut point 4.5 is outside the possible score range 1..4 of this scale (mean of items with values 1..4)",
    );
    // For sum scoring the range is n·min..n·max (one item here).
    let errors = broken(&[("cut_point = 2\n", "cut_point = 5\n")]);
    assert_error(
        &errors,
        95,
        "scales[1].cut_point",
        "range 1..4 of this scale (sum of 1 item with values 1..4)",
    );
    // Per-grade overrides are checked as well.
    let errors = broken(&[(r#""8" = 2.6"#, r#""8" = 0.5"#)]);
    assert_error(
        &errors,
        86,
        "scales[0].cut_point_by_grade.8",
        "cut point 0.5 is outside",
    );
}

#[test]
fn unknown_domain_with_its_line() {
    let errors = broken(&[(
        "kind = \"risk\"\ndomain = \"family\"",
        "kind = \"risk\"\ndomain = \"famliy\"",
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        81,
        "scales[0].domain",
        "unknown domain \"famliy\" (expected one of: community, family, school, peer_individual, outcome)",
    );
}

#[test]
fn outcome_domain_only_for_outcome_scales() {
    let errors = broken(&[(
        "kind = \"risk\"\ndomain = \"family\"",
        "kind = \"risk\"\ndomain = \"outcome\"",
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        81,
        "scales[0].domain",
        "only allowed for outcome scales",
    );
}

#[test]
fn toml_syntax_error_with_its_line() {
    // A German decimal comma.
    let errors = broken(&[("cut_point = 2.5", "cut_point = 2,5")]);
    assert_count(&errors, 1);
    assert_eq!(errors[0].line, 85);
    assert_eq!(errors[0].key, "");
    assert!(
        errors[0].message.starts_with("TOML syntax error"),
        "{}",
        errors[0]
    );
}

#[test]
fn duplicate_toml_key_is_a_syntax_error() {
    let errors = broken(&[("min_answered = 1\n", "min_answered = 1\nmin_answered = 2\n")]);
    assert_count(&errors, 1);
    assert_eq!(errors[0].line, 85);
    assert!(errors[0].message.contains("duplicate key"), "{}", errors[0]);
}

#[test]
fn two_errors_reported_at_once_in_file_order() {
    let errors = broken(&[
        ("min_answered = 1", "min_answered = 3"),
        (
            "code = \"HONESTY\"\ntext = { de = \"Ehrlich geantwortet?\", en = \"Answered honestly?\" }\nresponse_set = \"agree4\"",
            "code = \"HONESTY\"\ntext = { de = \"Ehrlich geantwortet?\", en = \"Answered honestly?\" }\nresponse_set = \"agree5\"",
        ),
    ]);
    assert_count(&errors, 2);
    assert_error(
        &errors,
        76,
        "pages[1].items[3].response_set",
        "unknown response set \"agree5\" (defined response sets: agree4, freq)",
    );
    assert_error(
        &errors,
        84,
        "scales[0].min_answered",
        "min_answered must be between 1 and 2 (the number of items), found 3",
    );
    assert!(errors[0].line < errors[1].line, "sorted by position");
}

#[test]
fn missing_cut_point_on_risk_scale() {
    let errors = broken(&[(
        "cut_point = 2.5\ncut_point_by_grade = { \"6\" = 2.4, \"8\" = 2.6 }\n",
        "",
    )]);
    assert_count(&errors, 1);
    assert_error(&errors, 78, "scales[0].cut_point", "missing cut_point");
}

#[test]
fn direction_without_cut_point() {
    let errors = broken(&[(
        "items = [\"ALC_LIFE\", \"ALC_30D\"]",
        "items = [\"ALC_LIFE\", \"ALC_30D\"]\ndirection = \"low\"",
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        104,
        "scales[2].direction",
        "no effect without cut_point",
    );
}

#[test]
fn options_not_strictly_increasing() {
    let errors = broken(&[(
        r#"{ value = 2, label = { de = "3 Mal"#,
        r#"{ value = 1, label = { de = "3 Mal"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        30,
        "response_sets[1].options[2].value",
        "strictly increasing, but 1 follows 1",
    );
}

#[test]
fn scale_items_with_different_value_ranges() {
    let errors = broken(&[(
        r#"items = ["ALC_LIFE", "ALC_30D"]"#,
        r#"items = ["ALC_LIFE", "HONESTY"]"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        103,
        "scales[2].items[1]",
        "item \"HONESTY\" uses response set \"agree4\" with values 1..4, but item \"ALC_LIFE\" (first item of the scale) has values 0..2",
    );
}

#[test]
fn unknown_validity_rule_kind() {
    let errors = broken(&[(r#"kind = "too_fast""#, r#"kind = "too_slow""#)]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        148,
        "validity_rules[5].kind",
        "unknown validity rule kind \"too_slow\"",
    );
}

#[test]
fn validity_rule_with_missing_and_extra_fields() {
    let errors = broken(&[(
        "item = \"DERBISOL\"\nat_least = 1",
        "item = \"DERBISOL\"\nvalues = [1]",
    )]);
    assert_count(&errors, 2);
    assert_error(
        &errors,
        119,
        "validity_rules[1].at_least",
        "missing required key \"at_least\"",
    );
    assert_error(
        &errors,
        124,
        "validity_rules[1].values",
        "key \"values\" is not used by validity rules of kind \"fictitious_drug\"",
    );
}

#[test]
fn min_share_outside_zero_to_one() {
    let errors = broken(&[("min_share = 0.5", "min_share = 1.5")]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        144,
        "validity_rules[4].min_share",
        "between 0 and 1",
    );
}

#[test]
fn bad_grade_key() {
    let errors = broken(&[(r#""6" = 2.4"#, r#""14" = 2.4"#)]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        86,
        "scales[0].cut_point_by_grade.14",
        "invalid grade \"14\"",
    );
}

#[test]
fn unknown_keys_are_rejected() {
    let errors = broken(&[("reverse = true", "revers = true")]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        52,
        "pages[0].items[2].revers",
        "unknown key \"revers\" (allowed keys: code, text, response_set, reverse)",
    );
    let mut source = MINIMAL.to_owned();
    source.push_str("\n[extras]\nfoo = 1\n");
    let errors = errors_of(&source);
    assert_count(&errors, 1);
    assert_error(&errors, 152, "extras", "unknown key \"extras\"");
}

#[test]
fn wrong_value_type() {
    let errors = broken(&[("reverse = true", "reverse = \"yes\"")]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        52,
        "pages[0].items[2].reverse",
        "expected a boolean (true or false), found a string",
    );
}

#[test]
fn duplicate_scale_id() {
    let errors = broken(&[(r#"id = "family_attachment""#, r#"id = "family_conflict""#)]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        89,
        "scales[1].id",
        "duplicate scale id \"family_conflict\" (first defined at line 79)",
    );
}

#[test]
fn at_least_never_reached() {
    let errors = broken(&[(
        "items = [\"ALC_30D\"]\nat_least = 1",
        "items = [\"ALC_30D\"]\nat_least = 3",
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        110,
        "outcomes[0].at_least",
        "at_least 3 is never reached by item \"ALC_30D\"",
    );
}

#[test]
fn inconsistent_use_needs_a_zero_lifetime_value() {
    let errors = broken(&[(
        r#"pairs = [{ recent = "ALC_30D", lifetime = "ALC_LIFE" }]"#,
        r#"pairs = [{ recent = "ALC_30D", lifetime = "HONESTY" }]"#,
    )]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        138,
        "validity_rules[3].pairs[0].lifetime",
        "item \"HONESTY\" has no option with value 0",
    );
}

#[test]
fn empty_lists_are_rejected() {
    let errors = broken(&[(r#"items = ["FAM_ATTACH_1"]"#, "items = []")]);
    assert_count(&errors, 1);
    assert_error(&errors, 93, "scales[1].items", "the list is empty");
}

#[test]
fn missing_instrument_table_and_bad_id() {
    let errors = errors_of("[[response_sets]]\nid = \"x\"\n");
    assert_error(
        &errors,
        1,
        "instrument",
        "missing required key \"instrument\"",
    );
    assert_error(&errors, 1, "pages", "missing required key \"pages\"");
    // A missing key is reported at the table's `[[header]]`.
    assert_error(
        &errors,
        1,
        "response_sets[0].options",
        "missing required key",
    );

    let errors = broken(&[(r#"id = "test-mini""#, r#"id = "Test Mini""#)]);
    assert_count(&errors, 1);
    assert_error(
        &errors,
        6,
        "instrument.id",
        "invalid identifier \"Test Mini\"",
    );
}

#[test]
fn unreadable_file_is_reported() {
    let path = std::path::Path::new("/nonexistent/instrument.toml");
    let errors = Instrument::from_file(path).expect_err("file does not exist");
    assert_count(&errors.errors, 1);
    assert_eq!(errors.errors[0].line, 0);
    assert!(
        errors
            .to_string()
            .starts_with("/nonexistent/instrument.toml: cannot read the instrument file")
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    // Line 30 contains "ö" before the offending value.
    let old = r#"{ value = 2, label = { de = "3 Mal oder öfter", en = "3 times or more" } },"#;
    let new =
        r#"{ value = 2, label = { de = "3 Mal oder öfter", en = "3 times or more", fr = "x" } },"#;
    let errors = broken(&[(old, new)]);
    assert_count(&errors, 1);
    // The error points at the opening quote of "x"; the line is indented by
    // two spaces in the file.
    let byte_offset = new.find(r#""x""#).expect("test bug: marker missing");
    let char_column = 2 + new[..byte_offset].chars().count() + 1;
    assert_eq!(errors[0].line, 30);
    assert_eq!(errors[0].column, char_column, "{}", errors[0]);
    assert_ne!(
        char_column,
        2 + byte_offset + 1,
        "the line must contain multi-byte text"
    );
}

#[test]
fn all_errors_are_displayed_one_per_line() {
    let errors = Instrument::from_toml_str("", "empty.toml").expect_err("empty file");
    assert_eq!(
        errors.to_string(),
        "empty.toml:1:1: instrument: missing required key \"instrument\" in the document\n\
         empty.toml:1:1: response_sets: missing required key \"response_sets\" in the document\n\
         empty.toml:1:1: pages: missing required key \"pages\" in the document"
    );
}

#[test]
fn odd_inputs_are_rejected_without_panicking() {
    let sources = [
        "instrument = 5\nresponse_sets = [1, 2]\npages = \"x\"",
        "[instrument]\nlanguages = []\nid = \"\"\nversion = \" \"\ntitle = \"x\"",
        "[instrument]\nlanguages = [\"de\", \"de\", 3]",
        "[[response_sets]]\nid = \"a\"\noptions = [{ value = 99999999999999999999 }, 7]",
        "[[response_sets]]\nid = \"a\"\noptions = [{ value = 3000000000, label = {} }]",
        "[[pages]]\nitems = [{ code = \"A B\", response_set = 1, text = {} }, 3]",
        "scales = [{ items = [1, {}, []], cut_point = nan, min_answered = -1 }]",
        "scales = [{ kind = \"risk\", items = [], cut_point = inf, cut_point_by_grade = { x = 1, 06 = \"a\" } }]",
        "validity_rules = [{ kind = 1 }, { kind = \"too_fast\", min_seconds = -5 }, 7]",
        "validity_rules = [{ kind = \"inconsistent_use\", pairs = [1, {}] }]",
        "validity_rules = [{ kind = \"dishonesty\", item = \"X\", values = [\"a\", 99999999999] }]",
        "outcomes = \"none\"\n\"ü\" = 1",
        "[demographics]\nask_sex = \"yes\"\nask_age = true",
        "[[pages]]\n[[pages.items]]\n[[pages.items]]\n",
        "a = \"unterminated\nb = [1,\n[x\n",
    ];
    for source in sources {
        let errors =
            Instrument::from_toml_str(source, "odd.toml").expect_err("odd input must be rejected");
        assert!(!errors.is_empty());
        for error in &errors {
            assert!(error.line >= 1, "{error}");
            assert!(!error.message.is_empty(), "{error}");
        }
    }
}

#[test]
fn documented_example_loads() {
    let doc = include_str!("../../../../../docs/instrument-format.md");
    let start = doc.find("```toml\n").expect("doc has a TOML example") + "```toml\n".len();
    let length = doc[start..].find("```").expect("example is closed");
    let instrument = load(&doc[start..start + length]);
    assert_eq!(instrument.id, "ctc-demo");
    assert_eq!(instrument.items.len(), 8);
    assert_eq!(instrument.validity_rules.len(), 6);
    assert_eq!(instrument.scale_items_for_validity(), [0, 1, 2, 3]);
}

// ----- the shipped demo instrument ----------------------------------------------

#[test]
fn demo_instrument_loads() {
    let source = include_str!("../../../../../instruments/demo-ctc.toml");
    let instrument = match Instrument::from_toml_str(source, "instruments/demo-ctc.toml") {
        Ok(instrument) => instrument,
        Err(errors) => panic!("demo instrument is invalid:\n{errors}"),
    };
    let count = |kind: ScaleKind| {
        instrument
            .scales
            .iter()
            .filter(|scale| scale.kind == kind)
            .count()
    };
    assert!(
        count(ScaleKind::Risk) >= 20,
        "risk scales: {}",
        count(ScaleKind::Risk)
    );
    assert!(
        count(ScaleKind::Protective) >= 8,
        "protective scales: {}",
        count(ScaleKind::Protective)
    );
    assert!(instrument.demonstration);
    // Every item must fit the answer encoding and round-trip.
    for (index, _) in instrument.items.iter().enumerate() {
        for option in &instrument.response_set_of(index).options {
            let byte = instrument
                .encode_value(index, option.value)
                .expect("encodes");
            assert_eq!(instrument.decode_value(index, byte), Ok(Some(option.value)));
        }
    }
}
