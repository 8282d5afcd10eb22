//! The answer encoding, plus outcome presence, which only needs the
//! instrument. (Validity screening lives in `crate::domain::survey::validity`.)
//!
//! # Answer encoding
//!
//! Storage relies on this, so it must never change for existing instruments:
//! a pupil's answers are a byte vector with **one byte per item**, in the order
//! of [`Instrument::items`] (questionnaire order).
//!
//! * `0` ([`MISSING_ANSWER`]) — the item was skipped (missing is legitimate in
//!   CTC surveys: pupils are told to leave items blank).
//! * `k >= 1` — the pupil chose the `k`-th option (1-based) of the item's
//!   response set; its numeric value is `options[k - 1].value`.
//!
//! Response sets have at most 254 options, so every answer fits into a byte.
//! Storing option positions rather than values keeps the encoding compact and
//! independent of value ranges that may include 0 or negative numbers.

use thiserror::Error;

use super::model::{Instrument, OutcomeIndicator};

/// The answer byte of a skipped (missing) item.
pub const MISSING_ANSWER: u8 = 0;

/// An answer vector or answer value that does not fit the instrument.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AnswerError {
    /// The answer vector does not have exactly one byte per item.
    #[error(
        "answer vector has {actual} entries, but the instrument has {expected} items (one byte per item)"
    )]
    WrongLength {
        /// Number of items of the instrument.
        expected: usize,
        /// Length of the given vector.
        actual: usize,
    },
    /// An item index beyond the instrument's items (a programming error).
    #[error("no item with index {index}: the instrument has {item_count} items")]
    UnknownItem {
        /// The offending index.
        index: usize,
        /// Number of items of the instrument.
        item_count: usize,
    },
    /// An answer byte larger than the number of options of the item's response set.
    #[error(
        "item {code}: answer byte {byte} is out of range: response set \"{response_set}\" has {option_count} options (0 = missing, 1..={option_count} = option)"
    )]
    ByteOutOfRange {
        /// Code of the item.
        code: String,
        /// The offending byte.
        byte: u8,
        /// Id of the item's response set.
        response_set: String,
        /// Number of options of that set.
        option_count: usize,
    },
    /// A numeric value that is not an option of the item's response set.
    #[error(
        "item {code}: value {value} is not an option of response set \"{response_set}\" (allowed values: {allowed})"
    )]
    ValueNotInResponseSet {
        /// Code of the item.
        code: String,
        /// The offending value.
        value: i32,
        /// Id of the item's response set.
        response_set: String,
        /// The allowed values, comma-separated.
        allowed: String,
    },
}

impl Instrument {
    /// Decodes one answer byte of the item at `item_index` into its numeric
    /// value: `Ok(None)` for [`MISSING_ANSWER`], `Ok(Some(value))` for an
    /// option, an error if the byte exceeds the number of options.
    pub fn decode_value(&self, item_index: usize, byte: u8) -> Result<Option<i32>, AnswerError> {
        let (item, set) = self.item_and_set(item_index)?;
        if byte == MISSING_ANSWER {
            return Ok(None);
        }
        set.value_of(usize::from(byte) - 1)
            .map(Some)
            .ok_or_else(|| AnswerError::ByteOutOfRange {
                code: item.code.clone(),
                byte,
                response_set: set.id.clone(),
                option_count: set.option_count(),
            })
    }

    /// Encodes the numeric `value` of the item at `item_index` into its answer
    /// byte (1-based option position). Missing answers are encoded as
    /// [`MISSING_ANSWER`] directly; there is no value for them.
    pub fn encode_value(&self, item_index: usize, value: i32) -> Result<u8, AnswerError> {
        let (item, set) = self.item_and_set(item_index)?;
        set.option_index_of(value)
            .and_then(|index| u8::try_from(index + 1).ok())
            .ok_or_else(|| AnswerError::ValueNotInResponseSet {
                code: item.code.clone(),
                value,
                response_set: set.id.clone(),
                allowed: set
                    .options
                    .iter()
                    .map(|option| option.value.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The value used for scale scoring: like [`Instrument::decode_value`],
    /// but reverse-coded (`min + max - value` of the item's response set) for
    /// items marked `reverse`.
    pub fn scored_value(&self, item_index: usize, byte: u8) -> Result<Option<i32>, AnswerError> {
        let value = self.decode_value(item_index, byte)?;
        let (item, set) = self.item_and_set(item_index)?;
        Ok(value.map(|value| {
            if item.reverse {
                set.min_value() + set.max_value() - value
            } else {
                value
            }
        }))
    }

    /// The decoded value of the item at `item_index` in a whole answer vector.
    /// Errors if the vector is too short or the byte is out of range.
    pub fn answer_value(
        &self,
        answers: &[u8],
        item_index: usize,
    ) -> Result<Option<i32>, AnswerError> {
        let byte = answers
            .get(item_index)
            .copied()
            .ok_or(AnswerError::WrongLength {
                expected: self.items.len(),
                actual: answers.len(),
            })?;
        self.decode_value(item_index, byte)
    }

    /// Checks that `answers` has one byte per item and that every byte is
    /// missing or a valid option; returns the first problem found.
    pub fn validate_answers(&self, answers: &[u8]) -> Result<(), AnswerError> {
        if answers.len() != self.items.len() {
            return Err(AnswerError::WrongLength {
                expected: self.items.len(),
                actual: answers.len(),
            });
        }
        for (index, &byte) in answers.iter().enumerate() {
            self.decode_value(index, byte)?;
        }
        Ok(())
    }

    fn item_and_set(
        &self,
        item_index: usize,
    ) -> Result<(&super::Item, &super::ResponseSet), AnswerError> {
        let unknown = || AnswerError::UnknownItem {
            index: item_index,
            item_count: self.items.len(),
        };
        let item = self.items.get(item_index).ok_or_else(unknown)?;
        let set = self
            .response_sets
            .get(item.response_set)
            .ok_or_else(unknown)?;
        Ok((item, set))
    }
}

impl OutcomeIndicator {
    /// Whether the outcome is present for one questionnaire: `Some(true)` if
    /// any answered item has a raw value `>= at_least`, `Some(false)` if at
    /// least one item is answered and none reaches it, `None` if all items
    /// are missing (the pupil is then left out of the prevalence).
    pub fn evaluate(
        &self,
        instrument: &Instrument,
        answers: &[u8],
    ) -> Result<Option<bool>, AnswerError> {
        let mut any_answered = false;
        for &item in &self.items {
            if let Some(value) = instrument.answer_value(answers, item)? {
                if value >= self.at_least {
                    return Ok(Some(true));
                }
                any_answered = true;
            }
        }
        Ok(any_answered.then_some(false))
    }
}
