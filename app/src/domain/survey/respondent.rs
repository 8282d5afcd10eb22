//! Facts about a respondent that analyses group by: grade and sex.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A pupil's sex as asked in the survey. "No answer" is `None` where an
/// `Option<Sex>` is used, so it stays distinct from every answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// weiblich
    Female,
    /// männlich
    Male,
    /// divers
    Diverse,
}

impl Sex {
    /// All answers in questionnaire order.
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Diverse];

    /// The stable code used in storage and CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Diverse => "diverse",
        }
    }

    /// Parses a stored or CSV code. Empty means "no answer" and gives
    /// `Ok(None)`.
    pub fn parse(code: &str) -> Result<Option<Sex>, InvalidSex> {
        match code.trim() {
            "" => Ok(None),
            "female" => Ok(Some(Sex::Female)),
            "male" => Ok(Some(Sex::Male)),
            "diverse" => Ok(Some(Sex::Diverse)),
            other => Err(InvalidSex(other.to_string())),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sex code that is none of `female`, `male`, `diverse` or empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown sex \"{0}\" (expected female, male, diverse or empty for no answer)")]
pub struct InvalidSex(pub String);

/// A school grade (Jahrgangsstufe), 1 to 13.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grade(u8);

impl Grade {
    /// Validates a grade number.
    pub fn new(grade: u8) -> Result<Grade, InvalidGrade> {
        if (1..=13).contains(&grade) {
            Ok(Grade(grade))
        } else {
            Err(InvalidGrade(grade.to_string()))
        }
    }

    /// Parses a grade from text, e.g. a CSV cell.
    pub fn parse(text: &str) -> Result<Grade, InvalidGrade> {
        text.trim()
            .parse::<u8>()
            .map_err(|_| InvalidGrade(text.to_string()))
            .and_then(Grade::new)
    }

    /// The grade number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A grade outside 1..=13 or not a number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid grade \"{0}\" (expected a whole number from 1 to 13)")]
pub struct InvalidGrade(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_codes_round_trip_and_empty_means_no_answer() {
        for sex in Sex::ALL {
            assert_eq!(Sex::parse(sex.as_str()), Ok(Some(sex)));
        }
        assert_eq!(Sex::parse(""), Ok(None));
        assert_eq!(Sex::parse("x"), Err(InvalidSex("x".into())));
    }

    #[test]
    fn grades_outside_one_to_thirteen_are_rejected() {
        assert_eq!(Grade::parse("8").map(Grade::get), Ok(8));
        assert!(Grade::parse("0").is_err());
        assert!(Grade::parse("14").is_err());
        assert!(Grade::parse("acht").is_err());
    }
}
