//! The program catalog: evidence-based prevention programs a CTC board can
//! choose from, with the risk and protective factors each one targets, the
//! grades and settings it is made for and its evidence rating.
//!
//! Entries come from the registries German and US boards use: the
//! **Grüne Liste Prävention** (three levels, "Effektivität theoretisch gut
//! begründet" / "… wahrscheinlich" / "… nachgewiesen") and **Blueprints for
//! Healthy Youth Development** (Promising / Model / Model Plus). Both list
//! the factors a program affects so that programs can be matched to the
//! board's priorities (see [`crate::domain::planning::matching`]).
//!
//! The catalog is loaded from a CSV file with the columns
//! [`CATALOG_COLUMNS`]. Pure, like [`crate::domain::survey::response_csv`]: the
//! caller splits the file into fields (the `csv` crate is server-only), and
//! *every* problem of the file is reported with its row and column, so a
//! file can be fixed in one round.

use crate::domain::csv_table::{RowProblem, RowProblems, data_rows, keep_row, map_columns};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// How well a program's effectiveness is established, on the scale of the
/// registry that rated it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceLevel {
    /// Grüne Liste Stufe 3, "Effektivität nachgewiesen".
    Proven,
    /// Grüne Liste Stufe 2, "Effektivität wahrscheinlich".
    Likely,
    /// Grüne Liste Stufe 1, "Effektivität theoretisch gut begründet": the
    /// concept meets the criteria, evaluations do not (yet) prove effects.
    Founded,
    /// Blueprints Model Plus: Model plus an independent replication.
    ModelPlus,
    /// Blueprints Model: two good trials and an effect sustained for at
    /// least 12 months.
    Model,
    /// Blueprints Promising: at least one good randomised trial or two good
    /// quasi-experiments.
    Promising,
}

impl EvidenceLevel {
    /// Every level: the Grüne Liste levels, then the Blueprints ratings, each
    /// strongest first (the order of the catalog's selection lists).
    pub const ALL: [EvidenceLevel; 6] = [
        EvidenceLevel::Proven,
        EvidenceLevel::Likely,
        EvidenceLevel::Founded,
        EvidenceLevel::ModelPlus,
        EvidenceLevel::Model,
        EvidenceLevel::Promising,
    ];

    /// The spelling in the catalog CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceLevel::Proven => "proven",
            EvidenceLevel::Likely => "likely",
            EvidenceLevel::Founded => "founded",
            EvidenceLevel::ModelPlus => "model_plus",
            EvidenceLevel::Model => "model",
            EvidenceLevel::Promising => "promising",
        }
    }

    /// The level spelled as by [`EvidenceLevel::as_str`]; surrounding
    /// spaces and upper case are accepted because spreadsheets add them.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|level| level.as_str() == text)
    }

    /// The display name with its registry: the Grüne Liste's own German
    /// wording (translated for `en`); the Blueprints names are English in
    /// both. Any language other than `en` gets German, the default locale.
    pub fn label(self, language: &str) -> &'static str {
        let english = language == "en";
        match self {
            EvidenceLevel::Proven if english => "Effectiveness proven (Grüne Liste, level 3)",
            EvidenceLevel::Proven => "Effektivität nachgewiesen (Grüne Liste, Stufe 3)",
            EvidenceLevel::Likely if english => "Effectiveness likely (Grüne Liste, level 2)",
            EvidenceLevel::Likely => "Effektivität wahrscheinlich (Grüne Liste, Stufe 2)",
            EvidenceLevel::Founded if english => {
                "Effectiveness theoretically well founded (Grüne Liste, level 1)"
            }
            EvidenceLevel::Founded => {
                "Effektivität theoretisch gut begründet (Grüne Liste, Stufe 1)"
            }
            EvidenceLevel::ModelPlus => "Model Plus (Blueprints)",
            EvidenceLevel::Model => "Model (Blueprints)",
            EvidenceLevel::Promising => "Promising (Blueprints)",
        }
    }

    /// The weight of the level when programs are ranked.
    ///
    /// The two registries use different criteria, but both have three
    /// steps, and their steps correspond roughly: an independently
    /// replicated or proven effect (Model Plus, Stufe 3) = 3, an effect shown
    /// by good trials (Model, Stufe 2) = 2, a promising or well-founded
    /// program (Promising, Stufe 1) = 1. Levels of the same tier rank
    /// equal: the ranking does not prefer one registry over the other.
    pub fn weight(self) -> f64 {
        match self {
            EvidenceLevel::Proven | EvidenceLevel::ModelPlus => 3.0,
            EvidenceLevel::Likely | EvidenceLevel::Model => 2.0,
            EvidenceLevel::Founded | EvidenceLevel::Promising => 1.0,
        }
    }
}

impl fmt::Display for EvidenceLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a program is delivered (the registries' "Einsatzgebiet").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// With parents and families.
    Family,
    /// In school, usually with whole classes.
    School,
    /// In the neighbourhood or municipality (youth work, clubs, local rules).
    Community,
    /// With single children or young people (mentoring, counselling).
    Individual,
}

impl Setting {
    /// Every setting, in the order the UI lists them.
    pub const ALL: [Setting; 4] = [
        Setting::Family,
        Setting::School,
        Setting::Community,
        Setting::Individual,
    ];

    /// The spelling in the catalog CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Family => "family",
            Setting::School => "school",
            Setting::Community => "community",
            Setting::Individual => "individual",
        }
    }

    /// The setting spelled as by [`Setting::as_str`]; surrounding spaces and
    /// upper case are accepted.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|setting| setting.as_str() == text)
    }

    /// The display name; any language other than `en` gets German.
    pub fn label(self, language: &str) -> &'static str {
        let english = language == "en";
        match self {
            Setting::Family if english => "Family",
            Setting::Family => "Familie",
            Setting::School if english => "School",
            Setting::School => "Schule",
            Setting::Community if english => "Community",
            Setting::Community => "Kommune",
            Setting::Individual if english => "Individual",
            Setting::Individual => "Einzelförderung",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One program of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Stable short id, e.g. `DEMO-FAM-1`: 1 to 40 of `A–Z a–z 0–9 - _`.
    /// A re-imported catalog updates programs by this key, so it must not
    /// change when the name is corrected.
    pub key: String,
    /// The program's name.
    pub name: String,
    /// Who offers or licenses it.
    pub provider: String,
    /// What it does, in a sentence or two.
    pub description: String,
    /// The risk and protective scale ids of the instrument it targets, e.g.
    /// `fam_conflict`; never empty, no duplicates.
    pub factors: Vec<String>,
    /// Lowest school grade (1–13) it is made for.
    pub grade_min: u8,
    /// Highest school grade (1–13) it is made for; at least `grade_min`.
    pub grade_max: u8,
    /// Where it is delivered; never empty, no duplicates.
    pub settings: Vec<Setting>,
    /// Its rating in a registry.
    pub evidence: EvidenceLevel,
    /// Costs and resources needed, free text.
    pub cost_notes: String,
    /// Empty or an `http://` / `https://` address with more information.
    pub link: String,
    /// Written for the demo, not a registry entry; the UI marks it so that
    /// nobody plans with a fictional program.
    pub demo: bool,
}

/// Column of the program key.
pub const KEY: &str = "key";
/// Column of the name.
pub const NAME: &str = "name";
/// Column of the provider.
pub const PROVIDER: &str = "provider";
/// Column of the description.
pub const DESCRIPTION: &str = "description";
/// Column of the targeted factors, `;`-separated.
pub const FACTORS: &str = "factors";
/// Column of the lowest grade.
pub const GRADE_MIN: &str = "grade_min";
/// Column of the highest grade.
pub const GRADE_MAX: &str = "grade_max";
/// Column of the settings, `;`-separated.
pub const SETTINGS: &str = "settings";
/// Column of the evidence level.
pub const EVIDENCE_LEVEL: &str = "evidence_level";
/// Column of the cost notes.
pub const COST_NOTES: &str = "cost_notes";
/// Column of the link.
pub const LINK: &str = "link";
/// Column of the demo flag.
pub const DEMO: &str = "demo";

/// The columns of the catalog CSV, in export order. An import needs every
/// one of them, in any order.
pub const CATALOG_COLUMNS: [&str; 12] = [
    KEY,
    NAME,
    PROVIDER,
    DESCRIPTION,
    FACTORS,
    GRADE_MIN,
    GRADE_MAX,
    SETTINGS,
    EVIDENCE_LEVEL,
    COST_NOTES,
    LINK,
    DEMO,
];

/// Separator of the values of a multi-valued cell (`factors`, `settings`).
/// Not a comma, so that the cell needs no quoting in the CSV.
pub const LIST_SEPARATOR: &str = ";";

/// Longest key, in characters.
pub const MAX_KEY_LEN: usize = 40;

/// One problem of a catalog file (row as a spreadsheet shows it).
pub type CatalogProblem = RowProblem;

/// Every problem of a rejected catalog file, in row order.
pub type CatalogErrors = RowProblems;

/// Reads a catalog file that the caller has split into a header and rows of
/// fields. `known_factors` are the risk and protective scale ids of the
/// instrument; a program may only target those, or matching it to the
/// board's priorities would silently fail.
///
/// The header must name every column of [`CATALOG_COLUMNS`] exactly once,
/// in any order, and nothing else; a header problem rejects the file
/// before any row is read, because the rows cannot be understood without
/// it. Rows whose fields are all empty are skipped (spreadsheet programs
/// write them below the data). In every other row each cell is checked and
/// every problem is reported. Fields are trimmed; a byte order mark before
/// the first column name is ignored.
///
/// The file is all or nothing: a single problem rejects it, so that a
/// half-imported catalog cannot leave the board choosing from an
/// incomplete list without noticing.
pub fn parse_catalog(
    header: &[String],
    rows: &[Vec<String>],
    known_factors: &[String],
) -> Result<Vec<Program>, CatalogErrors> {
    let positions = map_header(header).map_err(RowProblems)?;
    let known: HashSet<&str> = known_factors.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    let mut programs = Vec::with_capacity(rows.len());
    // Lower-cased key → row of its first use: keys differing only in case
    // would be told apart by the database but not by a person.
    let mut keys: HashMap<String, usize> = HashMap::new();
    for data in data_rows(header, rows, &positions) {
        let Some(data) = keep_row(data, &mut problems) else {
            continue;
        };
        let row = data.row;
        let cell = |column: usize| data.cell(column);
        let mut reader = RowReader {
            row,
            problems: &mut problems,
            count: 0,
        };
        let key = reader.key(cell(0), &mut keys);
        let name = cell(1);
        if name.is_empty() {
            reader.problem(NAME, "the name is empty");
        }
        let factors = reader.factors(cell(4), &known, known_factors);
        let grade_min = reader.grade(GRADE_MIN, cell(5));
        let grade_max = reader.grade(GRADE_MAX, cell(6));
        if let (Some(min), Some(max)) = (grade_min, grade_max)
            && min > max
        {
            reader.problem(
                GRADE_MAX,
                format!("grade_max {max} is below grade_min {min}"),
            );
        }
        let settings = reader.settings(cell(7));
        let evidence = reader.evidence(cell(8));
        let link = cell(10);
        if !is_link(link) {
            reader.problem(
                LINK,
                format!(
                    "\"{link}\" is not a web address (leave it empty or start it with https:// or http://)"
                ),
            );
        }
        let demo = reader.demo(cell(11));
        if reader.count > 0 {
            continue;
        }
        if let (Some(grade_min), Some(grade_max), Some(evidence), Some(demo)) =
            (grade_min, grade_max, evidence, demo)
        {
            programs.push(Program {
                key: key.to_string(),
                name: name.to_string(),
                provider: cell(2).to_string(),
                description: cell(3).to_string(),
                factors,
                grade_min,
                grade_max,
                settings,
                evidence,
                cost_notes: cell(9).to_string(),
                link: link.to_string(),
                demo,
            });
        }
    }
    if problems.is_empty() {
        Ok(programs)
    } else {
        Err(RowProblems(problems))
    }
}

/// The export row of a program, in [`CATALOG_COLUMNS`] order; reading it
/// back with [`parse_catalog`] gives the same program.
pub fn catalog_row(program: &Program) -> Vec<String> {
    vec![
        program.key.clone(),
        program.name.clone(),
        program.provider.clone(),
        program.description.clone(),
        program.factors.join(LIST_SEPARATOR),
        program.grade_min.to_string(),
        program.grade_max.to_string(),
        program
            .settings
            .iter()
            .map(|setting| setting.as_str())
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
        program.evidence.as_str().to_string(),
        program.cost_notes.clone(),
        program.link.clone(),
        program.demo.to_string(),
    ]
}

/// The export header: [`CATALOG_COLUMNS`] as owned strings.
pub fn catalog_header() -> Vec<String> {
    CATALOG_COLUMNS.iter().map(|c| (*c).to_string()).collect()
}

/// The field index of each of [`CATALOG_COLUMNS`], or every header problem.
fn map_header(header: &[String]) -> Result<[usize; 12], Vec<CatalogProblem>> {
    let positions = map_columns(header, &CATALOG_COLUMNS)?;
    let mut array = [0; 12];
    array.copy_from_slice(&positions);
    Ok(array)
}

/// Whether a link cell is empty or an http(s) address without spaces.
fn is_link(link: &str) -> bool {
    if link.is_empty() {
        return true;
    }
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    matches!(rest, Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace))
}

/// The values of a multi-valued cell: split at `;`, trimmed, empty pieces
/// (a trailing `;`) and repeats dropped.
fn list(text: &str) -> Vec<&str> {
    let mut values: Vec<&str> = Vec::new();
    for value in text.split(LIST_SEPARATOR).map(str::trim) {
        if !value.is_empty() && !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

/// Checks the cells of one row, collecting its problems.
struct RowReader<'p> {
    row: usize,
    problems: &'p mut Vec<CatalogProblem>,
    /// Problems of this row so far.
    count: usize,
}

impl RowReader<'_> {
    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems
            .push(CatalogProblem::new(self.row, Some(column), message));
        self.count += 1;
    }

    fn key<'t>(&mut self, key: &'t str, seen: &mut HashMap<String, usize>) -> &'t str {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if key.is_empty() {
            self.problem(
                KEY,
                format!(
                    "the key is empty (1–{MAX_KEY_LEN} characters: letters A–Z, digits, \"-\", \"_\")"
                ),
            );
        } else if key.chars().count() > MAX_KEY_LEN || !key.chars().all(allowed) {
            self.problem(
                KEY,
                format!(
                    "key \"{key}\" is not 1–{MAX_KEY_LEN} characters of letters A–Z, digits, \"-\", \"_\""
                ),
            );
        } else if let Some(first) = seen.get(&key.to_ascii_lowercase()) {
            self.problem(KEY, format!("key \"{key}\" is already used in row {first}"));
        } else {
            seen.insert(key.to_ascii_lowercase(), self.row);
        }
        key
    }

    fn factors(&mut self, text: &str, known: &HashSet<&str>, known_list: &[String]) -> Vec<String> {
        let values = list(text);
        if values.is_empty() {
            self.problem(
                FACTORS,
                "no factor given (list the targeted risk and protective scale ids, separated by \";\")",
            );
        }
        for value in &values {
            if !known.contains(value) {
                let hint = known_list
                    .iter()
                    .find(|id| id.eq_ignore_ascii_case(value))
                    .map(|id| format!(" (did you mean \"{id}\"?)"))
                    .unwrap_or_default();
                self.problem(
                    FACTORS,
                    format!(
                        "unknown factor \"{value}\": not a risk or protective scale of the instrument{hint}"
                    ),
                );
            }
        }
        values.into_iter().map(str::to_string).collect()
    }

    fn grade(&mut self, column: &str, text: &str) -> Option<u8> {
        match text.parse::<u8>() {
            Ok(grade) if (1..=13).contains(&grade) => Some(grade),
            _ if text.is_empty() => {
                self.problem(column, "the grade is empty (1–13)");
                None
            }
            _ => {
                self.problem(column, format!("\"{text}\" is not a grade (1–13)"));
                None
            }
        }
    }

    fn settings(&mut self, text: &str) -> Vec<Setting> {
        let allowed = || {
            Setting::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let values = list(text);
        if values.is_empty() {
            self.problem(
                SETTINGS,
                format!(
                    "no setting given (allowed: {}; separate several by \";\")",
                    allowed()
                ),
            );
        }
        let mut settings = Vec::with_capacity(values.len());
        for value in values {
            match Setting::parse(value) {
                Some(setting) if settings.contains(&setting) => {}
                Some(setting) => settings.push(setting),
                None => self.problem(
                    SETTINGS,
                    format!("unknown setting \"{value}\" (allowed: {})", allowed()),
                ),
            }
        }
        settings
    }

    fn evidence(&mut self, text: &str) -> Option<EvidenceLevel> {
        let level = EvidenceLevel::parse(text);
        if level.is_none() {
            let allowed = EvidenceLevel::ALL
                .iter()
                .map(|level| level.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let what = if text.is_empty() {
                "the evidence level is empty".to_string()
            } else {
                format!("\"{text}\" is not an evidence level")
            };
            self.problem(EVIDENCE_LEVEL, format!("{what} (allowed: {allowed})"));
        }
        level
    }

    fn demo(&mut self, text: &str) -> Option<bool> {
        // Spreadsheets write booleans as TRUE / FALSE.
        match text.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" | "" => Some(false),
            _ => {
                self.problem(
                    DEMO,
                    format!("\"{text}\" is not true or false (empty means false)"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO_CATALOG: &str = include_str!("../../../../catalog/demo-programs.csv");

    /// The scale ids of `instruments/demo-ctc.toml` a program may target:
    /// every risk and protective scale used by the demo catalog.
    const DEMO_FACTORS: [&str; 34] = [
        "com_low_attachment",
        "com_disorganisation",
        "com_transitions",
        "com_drug_availability",
        "com_weapon_availability",
        "com_laws_norms",
        "com_opportunities",
        "com_rewards",
        "fam_history",
        "fam_management",
        "fam_conflict",
        "fam_attitudes_drugs",
        "fam_attitudes_antisocial",
        "fam_attachment",
        "fam_opportunities",
        "fam_rewards",
        "sch_academic_failure",
        "sch_low_commitment",
        "sch_opportunities",
        "sch_rewards",
        "pi_rebelliousness",
        "pi_early_init_drugs",
        "pi_early_init_antisocial",
        "pi_attitudes_antisocial",
        "pi_attitudes_drugs",
        "pi_low_perceived_risk",
        "pi_antisocial_peers",
        "pi_friends_drug_use",
        "pi_rewards_antisocial",
        "pi_intentions",
        "pi_social_skills",
        "pi_moral_order",
        "pi_prosocial_peers",
        "pi_prosocial_involvement",
    ];

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_string()).collect()
    }

    fn known() -> Vec<String> {
        strings(&DEMO_FACTORS)
    }

    /// A minimal RFC 4180 reader (commas, double quotes, `""` inside quotes,
    /// line breaks inside quotes), enough for the demo file: the `csv`
    /// crate is only there with the `ssr` feature.
    fn split_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => {}
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        records
    }

    fn parse_text(text: &str) -> Result<Vec<Program>, CatalogErrors> {
        let mut records = split_csv(text);
        let header = records.remove(0);
        parse_catalog(&header, &records, &known())
    }

    fn program() -> Program {
        Program {
            key: "TEST-1".into(),
            name: "Streit, aber fair \"light\"".into(),
            provider: "Träger".into(),
            description: "Zwei Sätze, mit Komma.\nUnd ein Zeilenumbruch.".into(),
            factors: strings(&["fam_conflict", "fam_management"]),
            grade_min: 5,
            grade_max: 8,
            settings: vec![Setting::Family, Setting::Community],
            evidence: EvidenceLevel::ModelPlus,
            cost_notes: String::new(),
            link: "https://example.org/programm?id=1".into(),
            demo: false,
        }
    }

    #[test]
    fn levels_and_settings_parse_their_own_spelling() {
        for level in EvidenceLevel::ALL {
            assert_eq!(EvidenceLevel::parse(level.as_str()), Some(level));
            // German is the default for any language but English.
            assert_eq!(level.label("xx"), level.label("de"));
        }
        for setting in Setting::ALL {
            assert_eq!(Setting::parse(setting.as_str()), Some(setting));
        }
        assert_eq!(
            EvidenceLevel::parse(" Model_Plus "),
            Some(EvidenceLevel::ModelPlus)
        );
        assert_eq!(EvidenceLevel::parse("model plus"), None);
        assert_eq!(Setting::parse("Schule"), None);
        assert_eq!(
            EvidenceLevel::Founded.label("de"),
            "Effektivität theoretisch gut begründet (Grüne Liste, Stufe 1)"
        );
        assert_eq!(Setting::Community.label("en"), "Community");
        assert_eq!(Setting::Community.label("de"), "Kommune");
        // The serde spelling is the CSV spelling.
        assert_eq!(
            serde_json::to_string(&EvidenceLevel::ModelPlus).unwrap(),
            "\"model_plus\""
        );
    }

    #[test]
    fn the_two_registries_map_onto_three_equal_tiers() {
        use EvidenceLevel::*;
        assert_eq!(Proven.weight(), ModelPlus.weight());
        assert_eq!(Likely.weight(), Model.weight());
        assert_eq!(Founded.weight(), Promising.weight());
        assert!(Proven.weight() > Likely.weight() && Likely.weight() > Founded.weight());
    }

    #[test]
    fn an_exported_catalog_reads_back_to_the_same_programs() {
        let second = Program {
            key: "x_2".into(),
            name: "Zweites".into(),
            settings: vec![Setting::Individual],
            factors: strings(&["sch_low_commitment"]),
            grade_min: 13,
            grade_max: 13,
            evidence: EvidenceLevel::Promising,
            link: String::new(),
            demo: true,
            ..program()
        };
        let programs = vec![program(), second];
        let rows: Vec<Vec<String>> = programs.iter().map(catalog_row).collect();
        assert_eq!(rows[0][4], "fam_conflict;fam_management");
        assert_eq!(rows[0][7], "family;community");
        assert_eq!(rows[1][11], "true");
        assert_eq!(
            parse_catalog(&catalog_header(), &rows, &known()),
            Ok(programs)
        );
    }

    #[test]
    fn columns_may_come_in_any_order_and_cells_are_lenient_where_harmless() {
        let mut header = catalog_header();
        header.reverse();
        header[0] = format!("\u{feff}{}", header[0]);
        let mut row = catalog_row(&program());
        row.reverse();
        // demo, link, cost_notes, evidence_level, settings, grade_max, …
        row[0] = "".into();
        row[3] = "MODEL_PLUS".into();
        row[4] = " family ; community;family; ".into();
        row[7] = "fam_conflict;;fam_management;fam_conflict".into();
        let blank = vec![String::new(); 3];
        let parsed = parse_catalog(&header, &[row, blank], &known()).unwrap();
        assert_eq!(parsed, vec![program()]);
    }

    #[test]
    fn every_problem_of_every_row_is_reported_with_row_and_column() {
        let file = "\
key,name,provider,description,factors,grade_min,grade_max,settings,evidence_level,cost_notes,link,demo
OK-1,Gut,,,fam_conflict,5,8,family,proven,,,
bad key,,P,D,,x,14,,,,ftp://x,ja
OK-1,Doppelt,P,D,fam_konflikt;FAM_CONFLICT,9,7,schule;school,Model Plus,,https://,TRUE
too,short
,,,,,,,,,,,
ok-1,Klein,,,sch_low_commitment,0,,community,likely,,http://example.org/a b,false
AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,Lang,,,sch_low_commitment,6,6,school,promising,,,
";
        let problems: Vec<String> = parse_text(file)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "row 3, column key: key \"bad key\" is not 1–40 characters of letters A–Z, digits, \"-\", \"_\"",
                "row 3, column name: the name is empty",
                "row 3, column factors: no factor given (list the targeted risk and protective scale ids, separated by \";\")",
                "row 3, column grade_min: \"x\" is not a grade (1–13)",
                "row 3, column grade_max: \"14\" is not a grade (1–13)",
                "row 3, column settings: no setting given (allowed: family, school, community, individual; separate several by \";\")",
                "row 3, column evidence_level: the evidence level is empty (allowed: proven, likely, founded, model_plus, model, promising)",
                "row 3, column link: \"ftp://x\" is not a web address (leave it empty or start it with https:// or http://)",
                "row 3, column demo: \"ja\" is not true or false (empty means false)",
                "row 4, column key: key \"OK-1\" is already used in row 2",
                "row 4, column factors: unknown factor \"fam_konflikt\": not a risk or protective scale of the instrument",
                "row 4, column factors: unknown factor \"FAM_CONFLICT\": not a risk or protective scale of the instrument (did you mean \"fam_conflict\"?)",
                "row 4, column grade_max: grade_max 7 is below grade_min 9",
                "row 4, column settings: unknown setting \"schule\" (allowed: family, school, community, individual)",
                "row 4, column evidence_level: \"Model Plus\" is not an evidence level (allowed: proven, likely, founded, model_plus, model, promising)",
                "row 4, column link: \"https://\" is not a web address (leave it empty or start it with https:// or http://)",
                "row 5: the row has 2 fields, but the header has 12 columns",
                "row 7, column key: key \"ok-1\" is already used in row 2",
                "row 7, column grade_min: \"0\" is not a grade (1–13)",
                "row 7, column grade_max: the grade is empty (1–13)",
                "row 7, column link: \"http://example.org/a b\" is not a web address (leave it empty or start it with https:// or http://)",
                "row 8, column key: key \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\" is not 1–40 characters of letters A–Z, digits, \"-\", \"_\"",
            ]
        );
        let errors = parse_text(file).unwrap_err();
        let text = errors.to_string();
        assert_eq!(text.lines().count(), errors.0.len());
        assert_eq!(
            errors.0[1],
            CatalogProblem {
                row: 3,
                column: Some("name".into()),
                message: "the name is empty".into()
            }
        );
        assert_eq!(errors.0[16].column, None);
    }

    #[test]
    fn header_problems_reject_the_file_before_the_rows() {
        let mut header = catalog_header();
        header.retain(|column| column != "link" && column != "demo");
        header.push("Grade_Min".into());
        header.push("name".into());
        header.push(" ".into());
        let rows = vec![vec!["whatever".to_string()]];
        let problems: Vec<String> = parse_catalog(&header, &rows, &known())
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        let expected = CATALOG_COLUMNS.join(", ");
        assert_eq!(
            problems,
            vec![
                "row 1, column name: the column appears more than once (columns 2, 12)".to_string(),
                format!(
                    "row 1, column Grade_Min: unknown column (expected {expected}) (did you mean \"grade_min\"?)"
                ),
                "row 1: column 13: the header cell is empty".to_string(),
                "row 1, column link: missing column".to_string(),
                "row 1, column demo: missing column".to_string(),
            ]
        );
        let one = |header: &[&str]| {
            parse_catalog(&strings(header), &[], &known())
                .unwrap_err()
                .to_string()
        };
        assert!(one(&[]).starts_with("row 1: the file is empty"));
        assert!(one(&["key;name;provider"]).contains("separated by semicolons"));
        assert_eq!(parse_catalog(&catalog_header(), &[], &known()), Ok(vec![]));
    }

    #[test]
    fn the_demo_catalog_is_valid_and_fictional() {
        let programs = parse_text(DEMO_CATALOG).expect("catalog/demo-programs.csv is valid");
        assert_eq!(programs.len(), 12);
        for program in &programs {
            assert!(program.demo, "{} must be marked as demo", program.key);
            assert!(program.key.starts_with("DEMO-"), "{}", program.key);
            assert!(program.name.ends_with("(Demo)"), "{}", program.name);
            assert!((5..=10).contains(&program.grade_min), "{}", program.key);
            assert!((5..=10).contains(&program.grade_max), "{}", program.key);
            assert!(!program.description.is_empty(), "{}", program.key);
        }
        let targeting = |factor: &str| {
            programs
                .iter()
                .filter(|p| p.factors.iter().any(|f| f == factor))
                .count()
        };
        assert!(targeting("fam_conflict") >= 2);
        assert!(targeting("sch_low_commitment") >= 3);
        assert!(programs.iter().any(|p| p.settings == [Setting::Family]
            && p.evidence == EvidenceLevel::Proven
            && (p.grade_min, p.grade_max) == (5, 8)
            && p.factors.iter().any(|f| f == "fam_conflict")
            && p.factors.iter().any(|f| f == "fam_management")));
        for level in EvidenceLevel::ALL {
            assert!(
                programs.iter().any(|p| p.evidence == level),
                "no demo program rated {level}"
            );
        }
        for setting in Setting::ALL {
            assert!(
                programs.iter().any(|p| p.settings.contains(&setting)),
                "no demo program in setting {setting}"
            );
        }
        // The file is written exactly as the export writes it, so an
        // exported demo catalog is the same file.
        let rows: Vec<Vec<String>> = programs.iter().map(catalog_row).collect();
        let mut records = split_csv(DEMO_CATALOG);
        records.remove(0);
        assert_eq!(rows, records);
    }
}
