//! CTC data-validity screening of a finished questionnaire.
//!
//! A flagged questionnaire is kept, with the ids of the rules that flagged
//! it, and excluded from analyses by default; reports count exclusions per
//! rule (see `docs/instrument-format.md` for the rule kinds).

use crate::domain::survey::instrument::{Instrument, ValidityCheck};

/// The ids of the instrument's validity rules that flag `answers`, in rule
/// order. `answers` is the encoded answer vector (one byte per item);
/// `duration_seconds` is the completion time if known (online questionnaires),
/// `None` for imported ones.
///
/// Bytes outside an item's range (which validated storage never holds) count
/// as missing, so screening never fails.
pub fn flagging_rules<'a>(
    instrument: &'a Instrument,
    answers: &[u8],
    duration_seconds: Option<u32>,
) -> Vec<&'a str> {
    let value = |item: usize| -> Option<i32> {
        answers
            .get(item)
            .and_then(|&byte| instrument.decode_value(item, byte).ok().flatten())
    };
    instrument
        .validity_rules
        .iter()
        .filter(|rule| {
            match &rule.check {
            ValidityCheck::Dishonesty { item, values } => {
                value(*item).is_some_and(|v| values.contains(&v))
            }
            ValidityCheck::FictitiousDrug { item, at_least } => {
                value(*item).is_some_and(|v| v >= *at_least)
            }
            ValidityCheck::ImplausibleUse {
                items,
                at_least,
                min_items,
            } => {
                items
                    .iter()
                    .filter(|&&item| value(item).is_some_and(|v| v >= *at_least))
                    .count()
                    >= *min_items
            }
            ValidityCheck::InconsistentUse { pairs } => {
                pairs.iter().any(|&(recent, lifetime)| {
                    matches!((value(recent), value(lifetime)), (Some(r), Some(0)) if r > 0)
                })
            }
            ValidityCheck::TooFewAnswered { min_share } => {
                let items = instrument.scale_items_for_validity();
                if items.is_empty() {
                    return false;
                }
                let answered = items.iter().filter(|&&item| value(item).is_some()).count();
                (answered as f64) / (items.len() as f64) < *min_share
            }
            ValidityCheck::TooFast { min_seconds } => {
                duration_seconds.is_some_and(|seconds| seconds < *min_seconds)
            }
        }
        })
        .map(|rule| rule.id.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTRUMENT: &str = r#"
[instrument]
id = "t"
version = "1"
title = { de = "T", en = "T" }
languages = ["de", "en"]

[[response_sets]]
id = "agree"
options = [
  { value = 1, label = { de = "a", en = "a" } },
  { value = 2, label = { de = "b", en = "b" } },
  { value = 3, label = { de = "c", en = "c" } },
  { value = 4, label = { de = "d", en = "d" } },
]

[[response_sets]]
id = "freq"
options = [
  { value = 0, label = { de = "0", en = "0" } },
  { value = 1, label = { de = "1", en = "1" } },
  { value = 2, label = { de = "2", en = "2" } },
]

[[pages]]
id = "p"
title = { de = "P", en = "P" }
[[pages.items]]
code = "A1"
text = { de = "x", en = "x" }
response_set = "agree"
[[pages.items]]
code = "A2"
text = { de = "x", en = "x" }
response_set = "agree"
[[pages.items]]
code = "ALC_30"
text = { de = "x", en = "x" }
response_set = "freq"
[[pages.items]]
code = "ALC_LIFE"
text = { de = "x", en = "x" }
response_set = "freq"
[[pages.items]]
code = "CAN_30"
text = { de = "x", en = "x" }
response_set = "freq"
[[pages.items]]
code = "FAKE"
text = { de = "x", en = "x" }
response_set = "freq"
[[pages.items]]
code = "HONEST"
text = { de = "x", en = "x" }
response_set = "agree"

[[scales]]
id = "s"
kind = "risk"
domain = "family"
label = { de = "S", en = "S" }
items = ["A1", "A2"]
cut_point = 2.5

[[validity_rules]]
id = "dishonest"
kind = "dishonesty"
label = { de = "x", en = "x" }
item = "HONEST"
values = [1]

[[validity_rules]]
id = "fake_drug"
kind = "fictitious_drug"
label = { de = "x", en = "x" }
item = "FAKE"
at_least = 1

[[validity_rules]]
id = "implausible"
kind = "implausible_use"
label = { de = "x", en = "x" }
items = ["ALC_30", "CAN_30"]
at_least = 2
min_items = 2

[[validity_rules]]
id = "inconsistent"
kind = "inconsistent_use"
label = { de = "x", en = "x" }
pairs = [{ recent = "ALC_30", lifetime = "ALC_LIFE" }]

[[validity_rules]]
id = "too_few"
kind = "too_few_answered"
label = { de = "x", en = "x" }
min_share = 0.5

[[validity_rules]]
id = "too_fast"
kind = "too_fast"
label = { de = "x", en = "x" }
min_seconds = 300
"#;

    fn instrument() -> Instrument {
        Instrument::from_toml_str(INSTRUMENT, "test.toml").expect("test instrument is valid")
    }

    /// Encodes raw values (None = missing) item by item.
    fn answers(instrument: &Instrument, values: [Option<i32>; 7]) -> Vec<u8> {
        values
            .iter()
            .enumerate()
            .map(|(item, value)| match value {
                Some(v) => instrument.encode_value(item, *v).expect("value in range"),
                None => 0,
            })
            .collect()
    }

    #[test]
    fn a_plausible_honest_questionnaire_is_not_flagged() {
        let i = instrument();
        let a = answers(
            &i,
            [
                Some(2),
                Some(3),
                Some(1),
                Some(2),
                Some(0),
                Some(0),
                Some(4),
            ],
        );
        assert!(flagging_rules(&i, &a, Some(900)).is_empty());
    }

    #[test]
    fn each_rule_flags_exactly_its_case() {
        let i = instrument();
        let base = [
            Some(2),
            Some(3),
            Some(1),
            Some(2),
            Some(0),
            Some(0),
            Some(4),
        ];
        let case = |changes: &[(usize, Option<i32>)], duration| {
            let mut values = base;
            for &(item, value) in changes {
                values[item] = value;
            }
            flagging_rules(&i, &answers(&i, values), duration)
        };
        assert_eq!(case(&[(6, Some(1))], None), vec!["dishonest"]);
        assert_eq!(case(&[(5, Some(1))], None), vec!["fake_drug"]);
        assert_eq!(
            case(&[(2, Some(2)), (4, Some(2))], None),
            vec!["implausible"]
        );
        // One top-frequency answer alone is plausible.
        assert!(case(&[(2, Some(2))], None).is_empty());
        assert_eq!(case(&[(3, Some(0))], None), vec!["inconsistent"]);
        // Missing lifetime answer: nothing to contradict.
        assert!(case(&[(3, None)], None).is_empty());
        // One of two scale items answered = 50 %, not below the minimum share.
        assert!(case(&[(0, None)], None).is_empty());
        assert_eq!(case(&[(0, None), (1, None)], None), vec!["too_few"]);
        assert_eq!(case(&[], Some(299)), vec!["too_fast"]);
        assert!(case(&[], Some(300)).is_empty());
    }

    #[test]
    fn several_rules_can_flag_one_questionnaire() {
        let i = instrument();
        let a = answers(
            &i,
            [None, None, Some(2), Some(0), Some(2), Some(2), Some(1)],
        );
        assert_eq!(
            flagging_rules(&i, &a, Some(60)),
            vec![
                "dishonest",
                "fake_drug",
                "implausible",
                "inconsistent",
                "too_few",
                "too_fast"
            ]
        );
    }

    #[test]
    fn out_of_range_bytes_count_as_missing_and_never_panic() {
        let i = instrument();
        assert_eq!(flagging_rules(&i, &[255; 7], None), vec!["too_few"]);
        assert_eq!(flagging_rules(&i, &[], None), vec!["too_few"]);
    }
}
