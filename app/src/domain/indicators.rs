//! District context indicators: figures about a district that do not come
//! from the pupil survey (residential mobility, complaints about illegal
//! waste, youth-welfare cases, police-registered youth offences,
//! unemployment among 15–24-year-olds, children in benefit households), as
//! early-warning systems such as Gelsenkirchen's ELSA combine them with
//! survey results.
//!
//! Two tables come in as CSV ([docs/csv-formats.md](../../../docs/csv-formats.md)):
//! the installation-wide **catalogue** (what an indicator is, its unit, which
//! direction is worse, its source and licence) and a municipality's
//! **values** per district (or the whole city) and period. Both are checked
//! here completely before anything is stored, every problem reported by row
//! and column. Pure: the caller splits the file into fields.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::csv_table::{RowProblem, RowProblems, data_rows, keep_row, map_columns};

/// Columns of the catalogue CSV.
pub const CATALOGUE_COLUMNS: [&str; 7] = [
    "key",
    "label_de",
    "label_en",
    "unit",
    "direction",
    "source",
    "licence",
];

/// Columns of the values CSV.
pub const VALUE_COLUMNS: [&str; 4] = ["indicator", "district", "period", "value"];

/// The district cell of a city-wide value (an empty cell means the same).
pub const CITY_DISTRICT: &str = "gesamt";

/// Which direction of an indicator is the unfavourable one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// More is worse (complaints, offences, unemployment).
    HigherIsWorse,
    /// More is better (e.g. places in youth clubs per 1,000).
    HigherIsBetter,
}

impl Direction {
    /// The stored and CSV form.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsWorse => "higher_is_worse",
            Direction::HigherIsBetter => "higher_is_better",
        }
    }

    /// Parses the stored and CSV form.
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "higher_is_worse" => Some(Direction::HigherIsWorse),
            "higher_is_better" => Some(Direction::HigherIsBetter),
            _ => None,
        }
    }

    /// How much worse `latest` is than `earlier`, relative to `earlier`, in
    /// percent (negative: it improved). `None` when `earlier` is zero or
    /// either value is not finite: a relative change from nothing is not a
    /// number a threshold can be applied to.
    pub fn worsening_percent(self, earlier: f64, latest: f64) -> Option<f64> {
        if earlier == 0.0 || !earlier.is_finite() || !latest.is_finite() {
            return None;
        }
        let change = (latest - earlier) / earlier.abs() * 100.0;
        Some(match self {
            Direction::HigherIsWorse => change,
            Direction::HigherIsBetter => -change,
        })
    }
}

/// One indicator of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable key (`youth_offences`), lowercase letters, digits and `_`.
    pub key: String,
    /// German label.
    pub label_de: String,
    /// English label.
    pub label_en: String,
    /// Unit as shown (`je 1.000 Einwohner`, `%`).
    pub unit: String,
    /// Which direction is unfavourable.
    pub direction: Direction,
    /// Where the figures come from (office, data set).
    pub source: String,
    /// Licence or terms of use of the source.
    pub licence: String,
}

impl Indicator {
    /// The label in `language` (German unless English is asked for).
    pub fn label(&self, language: &str) -> &str {
        if language == "en" {
            &self.label_en
        } else {
            &self.label_de
        }
    }
}

/// A reporting period: a year, or a quarter of a year. Orders
/// chronologically, a year before its quarters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// Calendar year.
    pub year: u16,
    /// Quarter 1–4, `None` for the whole year.
    pub quarter: Option<u8>,
}

/// Why a period could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a period (a year such as 2024, or a quarter such as 2024-Q3)")]
pub struct InvalidPeriod(pub String);

impl Period {
    /// Parses `2024` or `2024-Q3` (years 1990–2100).
    pub fn parse(text: &str) -> Result<Period, InvalidPeriod> {
        let invalid = || InvalidPeriod(text.to_string());
        let (year, quarter) = match text.split_once('-') {
            Some((year, quarter)) => {
                let digit = quarter
                    .strip_prefix('Q')
                    .or_else(|| quarter.strip_prefix('q'))
                    .ok_or_else(invalid)?;
                let quarter: u8 = digit.parse().map_err(|_| invalid())?;
                if !(1..=4).contains(&quarter) || digit.len() != 1 {
                    return Err(invalid());
                }
                (year, Some(quarter))
            }
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: u16 = year.parse().map_err(|_| invalid())?;
        if !(1990..=2100).contains(&year) {
            return Err(invalid());
        }
        Ok(Period { year, quarter })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.quarter {
            Some(quarter) => write!(f, "{}-Q{quarter}", self.year),
            None => write!(f, "{}", self.year),
        }
    }
}

/// One imported value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// Catalogue key.
    pub indicator: String,
    /// District code, `None` for the whole city.
    pub district: Option<String>,
    /// Period.
    pub period: Period,
    /// The figure, in the indicator's unit.
    pub value: f64,
}

/// What the district profile shows of one indicator: the latest period's
/// value of the district, the city's value of that period, and the change
/// since the district's previous period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorFigure {
    /// The indicator.
    pub indicator: Indicator,
    /// The district's (or the city's) latest period.
    pub period: Period,
    /// Its value.
    pub value: f64,
    /// The city's value of the same period, if imported.
    pub city_value: Option<f64>,
    /// The previous period with a value, and that value.
    pub previous: Option<(Period, f64)>,
    /// How much worse than the previous period, in percent (negative:
    /// better); see [`Direction::worsening_percent`].
    pub worsening_percent: Option<f64>,
}

/// The latest figure of every catalogue indicator that has values for
/// `district` (`None`: the whole city), in catalogue order.
pub fn latest_figures(
    catalogue: &[Indicator],
    values: &[IndicatorValue],
    district: Option<&str>,
) -> Vec<IndicatorFigure> {
    catalogue
        .iter()
        .filter_map(|indicator| {
            let mut series: Vec<&IndicatorValue> = values
                .iter()
                .filter(|v| v.indicator == indicator.key && v.district.as_deref() == district)
                .collect();
            series.sort_by_key(|v| v.period);
            let latest = series.last()?;
            let previous = series
                .len()
                .checked_sub(2)
                .map(|at| (series[at].period, series[at].value));
            let city_value = values
                .iter()
                .find(|v| {
                    v.indicator == indicator.key
                        && v.district.is_none()
                        && v.period == latest.period
                })
                .map(|v| v.value);
            Some(IndicatorFigure {
                indicator: indicator.clone(),
                period: latest.period,
                value: latest.value,
                city_value,
                previous,
                worsening_percent: previous.and_then(|(_, earlier)| {
                    indicator.direction.worsening_percent(earlier, latest.value)
                }),
            })
        })
        .collect()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a catalogue CSV. Every key once; labels, unit, source and licence
/// required (a figure without its source cannot be judged); the direction
/// `higher_is_worse` or `higher_is_better`. Rows whose fields are all empty
/// are skipped.
pub fn parse_catalogue(
    header: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<Indicator>, RowProblems> {
    let positions = map_columns(header, &CATALOGUE_COLUMNS).map_err(RowProblems)?;
    let mut problems = Vec::new();
    let mut indicators = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for data in data_rows(header, rows, &positions) {
        let Some(data) = keep_row(data, &mut problems) else {
            continue;
        };
        let row = data.row;
        let cell = |column: usize| data.cell(column).to_string();
        let before = problems.len();
        let key = cell(0);
        if !valid_key(&key) {
            problems.push(RowProblem::new(
                row,
                Some("key"),
                format!("\"{key}\" is not a key (lowercase letters, digits and _, starting with a letter, at most 64 characters)"),
            ));
        } else if let Some(first) = first_row.get(&key) {
            problems.push(RowProblem::new(
                row,
                Some("key"),
                format!("\"{key}\" appears twice (first in row {first})"),
            ));
        } else {
            first_row.insert(key.clone(), row);
        }
        for (column, name) in [
            (1, "label_de"),
            (2, "label_en"),
            (3, "unit"),
            (5, "source"),
            (6, "licence"),
        ] {
            if cell(column).is_empty() {
                problems.push(RowProblem::new(row, Some(name), "the cell is empty"));
            }
        }
        let direction = Direction::parse(&cell(4));
        if direction.is_none() {
            problems.push(RowProblem::new(
                row,
                Some("direction"),
                format!(
                    "\"{}\" is not a direction (higher_is_worse or higher_is_better)",
                    cell(4)
                ),
            ));
        }
        if let (Some(direction), true) = (direction, problems.len() == before) {
            indicators.push(Indicator {
                key,
                label_de: cell(1),
                label_en: cell(2),
                unit: cell(3),
                direction,
                source: cell(5),
                licence: cell(6),
            });
        }
    }
    if problems.is_empty() {
        Ok(indicators)
    } else {
        Err(RowProblems(problems))
    }
}

/// Checks a municipality's values CSV against the catalogue keys and the
/// municipality's district codes. The district cell is a district code, or
/// empty / `gesamt` for the whole city; each indicator × district × period
/// once; the value a finite number (decimal point or comma) that is not
/// negative (every indicator of the catalogue is a count, rate or share).
/// Rows whose fields are all empty are skipped.
pub fn parse_values(
    header: &[String],
    rows: &[Vec<String>],
    indicator_keys: &[String],
    district_codes: &[String],
) -> Result<Vec<IndicatorValue>, RowProblems> {
    let positions = map_columns(header, &VALUE_COLUMNS).map_err(RowProblems)?;
    let keys: HashSet<&str> = indicator_keys.iter().map(String::as_str).collect();
    let codes: HashSet<&str> = district_codes.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    let mut values = Vec::new();
    let mut first_row: HashMap<(String, Option<String>, Period), usize> = HashMap::new();
    for data in data_rows(header, rows, &positions) {
        let Some(data) = keep_row(data, &mut problems) else {
            continue;
        };
        let row = data.row;
        let cell = |column: usize| data.cell(column);
        let before = problems.len();
        let indicator = cell(0);
        if !keys.contains(indicator) {
            let hint = if keys.is_empty() {
                " (the catalogue is empty: import it first)".to_string()
            } else {
                let mut known: Vec<&str> = keys.iter().copied().collect();
                known.sort_unstable();
                format!(" (known: {})", known.join(", "))
            };
            problems.push(RowProblem::new(
                row,
                Some("indicator"),
                format!("\"{indicator}\" is not in the indicator catalogue{hint}"),
            ));
        }
        let district = match cell(1) {
            "" | CITY_DISTRICT => None,
            code if codes.contains(code) => Some(code.to_string()),
            code => {
                let mut known: Vec<&str> = codes.iter().copied().collect();
                known.sort_unstable();
                problems.push(RowProblem::new(
                    row,
                    Some("district"),
                    format!(
                        "unknown district code \"{code}\" (codes of this municipality: {}; empty or \"{CITY_DISTRICT}\" for the whole city)",
                        known.join(", ")
                    ),
                ));
                None
            }
        };
        let period = match Period::parse(cell(2)) {
            Ok(period) => Some(period),
            Err(error) => {
                problems.push(RowProblem::new(row, Some("period"), error.to_string()));
                None
            }
        };
        let value_text = cell(3);
        let value = match value_text.replace(',', ".").parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Some(value),
            Ok(_) => {
                problems.push(RowProblem::new(
                    row,
                    Some("value"),
                    format!("{value_text} is negative or not finite (values are counts, rates or shares)"),
                ));
                None
            }
            Err(_) => {
                problems.push(RowProblem::new(
                    row,
                    Some("value"),
                    format!("\"{value_text}\" is not a number"),
                ));
                None
            }
        };
        if let (Some(period), Some(value), true) = (period, value, problems.len() == before) {
            let identity = (indicator.to_string(), district.clone(), period);
            if let Some(first) = first_row.get(&identity) {
                problems.push(RowProblem::new(
                    row,
                    None,
                    format!(
                        "{indicator} for {} in {period} appears twice (first in row {first})",
                        district.as_deref().unwrap_or("the whole city")
                    ),
                ));
                continue;
            }
            first_row.insert(identity, row);
            values.push(IndicatorValue {
                indicator: indicator.to_string(),
                district,
                period,
                value,
            });
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(RowProblems(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|f| f.to_string()).collect()
    }

    fn catalogue_header() -> Vec<String> {
        strings(&CATALOGUE_COLUMNS)
    }

    #[test]
    fn periods_parse_order_and_print() {
        let year = Period::parse("2024").unwrap();
        let q3 = Period::parse("2024-Q3").unwrap();
        let q1_next = Period::parse("2025-q1").unwrap();
        assert_eq!(
            year,
            Period {
                year: 2024,
                quarter: None
            }
        );
        assert_eq!(q3.to_string(), "2024-Q3");
        assert!(year < q3 && q3 < q1_next);
        for bad in [
            "24", "2024-Q5", "2024-Q0", "2024-3", "20x4", "1989", "2024-Q12", "",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn worsening_follows_the_direction() {
        // 8 → 10 per 1,000 is 25 % worse when more is worse, 25 % better
        // when more is better.
        assert_eq!(
            Direction::HigherIsWorse.worsening_percent(8.0, 10.0),
            Some(25.0)
        );
        assert_eq!(
            Direction::HigherIsBetter.worsening_percent(8.0, 10.0),
            Some(-25.0)
        );
        assert_eq!(Direction::HigherIsWorse.worsening_percent(0.0, 3.0), None);
    }

    #[test]
    fn latest_figures_pair_the_district_with_the_city_of_the_same_period() {
        let catalogue = vec![
            Indicator {
                key: "waste".into(),
                label_de: "Müll".into(),
                label_en: "Waste".into(),
                unit: "je 1.000".into(),
                direction: Direction::HigherIsWorse,
                source: "s".into(),
                licence: "l".into(),
            },
            Indicator {
                key: "clubs".into(),
                label_de: "Jugendtreffs".into(),
                label_en: "Youth clubs".into(),
                unit: "je 1.000".into(),
                direction: Direction::HigherIsBetter,
                source: "s".into(),
                licence: "l".into(),
            },
        ];
        let v = |key: &str, district: Option<&str>, period: &str, value: f64| IndicatorValue {
            indicator: key.into(),
            district: district.map(str::to_string),
            period: Period::parse(period).unwrap(),
            value,
        };
        let values = vec![
            v("waste", Some("NORD"), "2025", 12.0),
            v("waste", Some("NORD"), "2023", 10.0),
            v("waste", None, "2025", 8.0),
            v("waste", None, "2024", 7.0),
            v("waste", Some("WEST"), "2025", 3.0),
            v("clubs", None, "2025", 2.0),
        ];
        let nord = latest_figures(&catalogue, &values, Some("NORD"));
        assert_eq!(nord.len(), 1, "clubs has no value for NORD");
        assert_eq!(nord[0].period.to_string(), "2025");
        assert_eq!(nord[0].value, 12.0);
        assert_eq!(nord[0].city_value, Some(8.0));
        assert_eq!(
            nord[0].previous,
            Some((Period::parse("2023").unwrap(), 10.0))
        );
        // (12 − 10) / 10 = +20 %.
        assert_eq!(nord[0].worsening_percent, Some(20.0));
        let city = latest_figures(&catalogue, &values, None);
        assert_eq!(city.len(), 2);
        assert_eq!(city[1].worsening_percent, None, "one period only");
        assert_eq!(
            city[0].worsening_percent.map(|p| (p * 1e9).round() / 1e9),
            Some(14.285714286)
        );
    }

    #[test]
    fn a_valid_catalogue_is_read() {
        let rows = vec![
            strings(&[
                "youth_offences",
                "Jugenddelikte",
                "Youth offences",
                "je 1.000",
                "higher_is_worse",
                "Polizei (fiktiv)",
                "CC BY 4.0",
            ]),
            strings(&["", "", "", "", "", "", ""]),
        ];
        let catalogue = parse_catalogue(&catalogue_header(), &rows).unwrap();
        assert_eq!(catalogue.len(), 1);
        assert_eq!(catalogue[0].direction, Direction::HigherIsWorse);
        assert_eq!(catalogue[0].label("en"), "Youth offences");
    }

    #[test]
    fn catalogue_problems_name_row_and_column() {
        let rows = vec![
            strings(&["Youth Offences", "J", "Y", "u", "higher_is_worse", "s", "l"]),
            strings(&["waste", "Müll", "Waste", "u", "worse", "s", ""]),
            strings(&["waste", "Müll", "Waste", "u", "higher_is_worse", "s", "l"]),
            strings(&["waste2", "Müll", "Waste", "u", "higher_is_worse", "s", "l"]),
            strings(&["waste2", "x"]),
        ];
        let problems = parse_catalogue(&catalogue_header(), &rows).unwrap_err().0;
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 5, "{text:#?}");
        assert!(
            text[0].starts_with("row 2, column key: \"Youth Offences\" is not a key"),
            "{}",
            text[0]
        );
        assert_eq!(text[1], "row 3, column licence: the cell is empty");
        assert!(
            text[2].starts_with("row 3, column direction: \"worse\" is not a direction"),
            "{}",
            text[2]
        );
        assert_eq!(
            text[3],
            "row 4, column key: \"waste\" appears twice (first in row 3)"
        );
        assert_eq!(
            text[4],
            "row 6: the row has 2 fields, but the header has 7 columns"
        );
    }

    #[test]
    fn values_are_checked_against_catalogue_and_districts() {
        let keys = strings(&["youth_offences", "waste"]);
        let codes = strings(&["NORD", "HAFEN"]);
        let header = strings(&["period", "indicator", "district", "value"]);
        let rows = vec![
            strings(&["2024", "youth_offences", "NORD", "12,5"]),
            strings(&["2024", "youth_offences", "", "9.5"]),
            strings(&["2024-Q2", "waste", "gesamt", "3"]),
        ];
        let values = parse_values(&header, &rows, &keys, &codes).unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(values[0].value, 12.5);
        assert_eq!(values[0].district.as_deref(), Some("NORD"));
        assert_eq!(values[1].district, None);
        assert_eq!(
            values[2].period,
            Period {
                year: 2024,
                quarter: Some(2)
            }
        );

        let bad = vec![
            strings(&["2024", "offences", "NORD", "1"]),
            strings(&["2024", "waste", "SUED", "1"]),
            strings(&["24", "waste", "NORD", "1"]),
            strings(&["2024", "waste", "NORD", "-1"]),
            strings(&["2024", "waste", "NORD", "viel"]),
            strings(&["2025", "waste", "", "1"]),
            strings(&["2025", "waste", "gesamt", "2"]),
        ];
        let problems = parse_values(&header, &bad, &keys, &codes).unwrap_err().0;
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 6, "{text:#?}");
        assert_eq!(
            text[0],
            "row 2, column indicator: \"offences\" is not in the indicator catalogue (known: waste, youth_offences)"
        );
        assert!(text[1].starts_with("row 3, column district: unknown district code \"SUED\" (codes of this municipality: HAFEN, NORD;"), "{}", text[1]);
        assert!(
            text[2].starts_with("row 4, column period: \"24\" is not a period"),
            "{}",
            text[2]
        );
        assert!(
            text[3].starts_with("row 5, column value: -1 is negative"),
            "{}",
            text[3]
        );
        assert_eq!(text[4], "row 6, column value: \"viel\" is not a number");
        assert_eq!(
            text[5],
            "row 8: waste for the whole city in 2025 appears twice (first in row 7)"
        );
    }

    #[test]
    fn values_without_a_catalogue_say_so() {
        let header = strings(&VALUE_COLUMNS);
        let rows = vec![strings(&["waste", "", "2024", "1"])];
        let problems = parse_values(&header, &rows, &[], &[]).unwrap_err().0;
        assert!(
            problems[0].message.contains("import it first"),
            "{}",
            problems[0]
        );
    }
}
