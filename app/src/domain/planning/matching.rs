//! Matching catalog programs to the board's priority factors, the coverage
//! of a chosen set of programs, and the gaps in the local prevention offers.
//!
//! In CTC (Phase 4, "Creating a Plan") the board looks for tested programs
//! that address its 2–5 priority factors, for the grades and settings it
//! wants to reach, and checks them against what already exists locally (the
//! resource assessment). The registries are searched by factor, age and
//! setting; no published scoring of a "match" exists, so the rule here is
//! deliberately simple and visible:
//!
//! * a program qualifies if it targets **at least one** priority and passes
//!   the grade and setting filters of the query;
//! * its **score** is the number of priorities it targets × the weight of
//!   its evidence tier ([`EvidenceLevel::weight`]: 3, 2 or 1), so covering
//!   more priorities and stronger evidence both count;
//! * ties go to stronger evidence, then to more priorities covered, then
//!   to the name (case-insensitive), then to the key, so the order never
//!   depends on the catalog's order.
//!
//! The result is a shortlist to discuss, not a decision: fit to the local
//! situation, costs and the capacity to implement a program faithfully
//! weigh as much and are the board's judgement.

use crate::domain::planning::catalog::{EvidenceLevel, Program, Setting};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// What the board is looking for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchQuery {
    /// The priority factor ids, in the board's order; a repeated id counts
    /// once.
    pub priorities: Vec<String>,
    /// Only programs made for this grade.
    pub grade: Option<u8>,
    /// Only programs delivered in this setting.
    pub setting: Option<Setting>,
}

/// A program on the shortlist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramMatch {
    /// Index of the program in the slice given to [`rank_programs`].
    pub program: usize,
    /// The priorities the program targets, in priority order; never empty.
    pub covered: Vec<String>,
    /// `covered.len()` × the evidence weight.
    pub score: f64,
}

/// The programs that target at least one priority and pass the query's
/// filters, best first by the rule in the module documentation.
pub fn rank_programs(programs: &[Program], query: &MatchQuery) -> Vec<ProgramMatch> {
    let priorities = distinct(&query.priorities);
    let mut matches: Vec<ProgramMatch> = programs
        .iter()
        .enumerate()
        .filter(|(_, program)| {
            query
                .grade
                .is_none_or(|grade| (program.grade_min..=program.grade_max).contains(&grade))
                && query
                    .setting
                    .is_none_or(|setting| program.settings.contains(&setting))
        })
        .filter_map(|(index, program)| {
            let covered: Vec<String> = priorities
                .iter()
                .filter(|priority| program.factors.iter().any(|factor| factor == *priority))
                .map(|priority| (*priority).to_string())
                .collect();
            (!covered.is_empty()).then(|| ProgramMatch {
                program: index,
                score: covered.len() as f64 * program.evidence.weight(),
                covered,
            })
        })
        .collect();
    matches.sort_by(|a, b| compare(programs, a, b));
    matches
}

/// The shortlist order. With today's score, equal scores and equal weights
/// imply equal coverage; the coverage step keeps the documented order
/// should the score ever change.
fn compare(programs: &[Program], a: &ProgramMatch, b: &ProgramMatch) -> Ordering {
    let (pa, pb) = (&programs[a.program], &programs[b.program]);
    b.score
        .total_cmp(&a.score)
        .then_with(|| pb.evidence.weight().total_cmp(&pa.evidence.weight()))
        .then_with(|| b.covered.len().cmp(&a.covered.len()))
        .then_with(|| pa.name.to_lowercase().cmp(&pb.name.to_lowercase()))
        .then_with(|| pa.key.cmp(&pb.key))
        .then_with(|| a.program.cmp(&b.program))
}

/// The ids in their first order, each once.
fn distinct(ids: &[String]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.contains(&id.as_str()) {
            seen.push(id);
        }
    }
    seen
}

/// Which chosen programs address one priority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// The priority factor id.
    pub factor: String,
    /// Keys of the chosen programs targeting it, in the order they were
    /// chosen; empty = the priority is not addressed.
    pub programs: Vec<String>,
}

/// One entry per priority (a repeated id counts once), in priority order,
/// with the chosen programs that target it. A plan should leave no priority
/// uncovered; [`uncovered`] lists those that are.
pub fn coverage(priorities: &[String], chosen: &[&Program]) -> Vec<Coverage> {
    distinct(priorities)
        .into_iter()
        .map(|factor| {
            let mut programs: Vec<String> = Vec::new();
            for program in chosen {
                if program.factors.iter().any(|f| f == factor) && !programs.contains(&program.key) {
                    programs.push(program.key.clone());
                }
            }
            Coverage {
                factor: factor.to_string(),
                programs,
            }
        })
        .collect()
}

/// The priorities no chosen program addresses, in priority order.
pub fn uncovered(coverage: &[Coverage]) -> Vec<String> {
    coverage
        .iter()
        .filter(|entry| entry.programs.is_empty())
        .map(|entry| entry.factor.clone())
        .collect()
}

/// An existing local prevention offer, as recorded in the CTC resource
/// assessment. Unlike catalog programs, most local offers were never
/// evaluated, so the evidence level is optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Name of the offer.
    pub name: String,
    /// Who runs it.
    pub provider: String,
    /// Where it is delivered.
    pub settings: Vec<Setting>,
    /// Lowest grade it reaches.
    pub grade_min: u8,
    /// Highest grade it reaches.
    pub grade_max: u8,
    /// Young people reached per year (the provider's estimate).
    pub reach: u32,
    /// Factor ids it addresses.
    pub factors: Vec<String>,
    /// Its registry rating; `None` = not evaluated.
    pub evidence: Option<EvidenceLevel>,
}

/// How well the existing offers address a priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    /// No offer addresses it: a gap the action plan has to fill.
    Gap,
    /// Exactly one offer addresses it.
    Covered,
    /// Two or more offers address it: check whether they complement each
    /// other or duplicate effort.
    Overlap,
}

impl GapStatus {
    /// The status for a number of offers.
    pub fn of(offers: usize) -> GapStatus {
        match offers {
            0 => GapStatus::Gap,
            1 => GapStatus::Covered,
            _ => GapStatus::Overlap,
        }
    }
}

/// One priority's line of the resource assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapRow {
    /// The priority factor id.
    pub factor: String,
    /// Indices of the offers addressing it, in the order given.
    pub offers: Vec<usize>,
    /// How many of those offers have an evidence level: counting offers
    /// alone would let untested activities hide a gap in tested ones.
    pub evidence_based: usize,
    /// Young people those offers reach per year, summed; a young person in
    /// two offers counts twice, so this is an upper bound.
    pub reach: u64,
    /// Gap, covered or overlap, from the number of offers.
    pub status: GapStatus,
}

/// The gap matrix of the resource assessment: for each priority (a
/// repeated id counts once), in priority order, the existing offers that
/// address it.
pub fn gap_matrix(priorities: &[String], offers: &[Offer]) -> Vec<GapRow> {
    distinct(priorities)
        .into_iter()
        .map(|factor| {
            let addressing: Vec<usize> = offers
                .iter()
                .enumerate()
                .filter(|(_, offer)| offer.factors.iter().any(|f| f == factor))
                .map(|(index, _)| index)
                .collect();
            GapRow {
                factor: factor.to_string(),
                evidence_based: addressing
                    .iter()
                    .filter(|&&index| offers[index].evidence.is_some())
                    .count(),
                reach: addressing
                    .iter()
                    .map(|&index| u64::from(offers[index].reach))
                    .sum(),
                status: GapStatus::of(addressing.len()),
                offers: addressing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_string()).collect()
    }

    fn program(
        key: &str,
        name: &str,
        evidence: EvidenceLevel,
        factors: &[&str],
        grades: (u8, u8),
        settings: &[Setting],
    ) -> Program {
        Program {
            key: key.into(),
            name: name.into(),
            provider: "Test".into(),
            description: String::new(),
            factors: strings(factors),
            grade_min: grades.0,
            grade_max: grades.1,
            settings: settings.to_vec(),
            evidence,
            cost_notes: String::new(),
            link: String::new(),
            demo: true,
        }
    }

    const PRIORITIES: [&str; 3] = ["fam_conflict", "sch_low_commitment", "pi_attitudes_drugs"];

    /// Scores for the priorities fam_conflict, sch_low_commitment,
    /// pi_attitudes_drugs (covered × weight):
    /// Alpha 1 × 3 = 3, beta 2 × 2 = 4, Gamma 3 × 1 = 3, Delta 2 × 3 = 6,
    /// Epsilon none (excluded), Zeta 3 × 2 = 6.
    fn catalog() -> Vec<Program> {
        use EvidenceLevel::*;
        use Setting::*;
        vec![
            program("A", "Alpha", Proven, &["fam_conflict"], (5, 8), &[Family]),
            program(
                "B",
                "beta",
                Likely,
                &["sch_low_commitment", "fam_conflict", "com_rewards"],
                (5, 10),
                &[School, Family],
            ),
            program("C", "Gamma", Founded, &PRIORITIES, (7, 10), &[Community]),
            program(
                "D",
                "Delta",
                ModelPlus,
                &["pi_attitudes_drugs", "sch_low_commitment"],
                (6, 9),
                &[School],
            ),
            program("E", "Epsilon", Proven, &["com_rewards"], (5, 10), &[School]),
            program(
                "F",
                "Zeta",
                Model,
                &["pi_attitudes_drugs", "fam_conflict", "sch_low_commitment"],
                (5, 6),
                &[Individual],
            ),
        ]
    }

    fn query(grade: Option<u8>, setting: Option<Setting>) -> MatchQuery {
        MatchQuery {
            priorities: strings(&PRIORITIES),
            grade,
            setting,
        }
    }

    fn order(programs: &[Program], matches: &[ProgramMatch]) -> Vec<(String, f64)> {
        matches
            .iter()
            .map(|m| (programs[m.program].key.clone(), m.score))
            .collect()
    }

    #[test]
    fn programs_rank_by_score_then_evidence() {
        let programs = catalog();
        let matches = rank_programs(&programs, &query(None, None));
        // Delta and Zeta tie at 6: Delta's tier (3) beats Zeta's (2).
        // Alpha and Gamma tie at 3: Alpha's tier (3) beats Gamma's (1).
        // Epsilon targets no priority and is left out.
        assert_eq!(
            order(&programs, &matches),
            vec![
                ("D".to_string(), 6.0),
                ("F".to_string(), 6.0),
                ("B".to_string(), 4.0),
                ("A".to_string(), 3.0),
                ("C".to_string(), 3.0),
            ]
        );
        // Covered priorities come in priority order, not the program's.
        assert_eq!(matches[1].covered, strings(&PRIORITIES));
        assert_eq!(
            matches[2].covered,
            strings(&["fam_conflict", "sch_low_commitment"])
        );
        assert_eq!(matches[0].program, 3);
    }

    #[test]
    fn grade_and_setting_filter_the_shortlist() {
        let programs = catalog();
        let keys = |grade, setting| -> Vec<String> {
            order(&programs, &rank_programs(&programs, &query(grade, setting)))
                .into_iter()
                .map(|(key, _)| key)
                .collect()
        };
        // Grade 9: Alpha (5–8) and Zeta (5–6) are too young; bounds count.
        assert_eq!(keys(Some(9), None), ["D", "B", "C"]);
        assert_eq!(keys(Some(5), None), ["F", "B", "A"]);
        assert_eq!(keys(None, Some(Setting::School)), ["D", "B"]);
        assert_eq!(keys(None, Some(Setting::Family)), ["B", "A"]);
        assert_eq!(keys(Some(10), Some(Setting::Family)), ["B"]);
        assert!(keys(Some(13), None).is_empty());
    }

    #[test]
    fn without_priorities_nothing_matches_and_repeats_count_once() {
        let programs = catalog();
        let none = MatchQuery {
            priorities: vec![],
            grade: None,
            setting: None,
        };
        assert!(rank_programs(&programs, &none).is_empty());
        let twice = MatchQuery {
            priorities: strings(&["fam_conflict", "fam_conflict"]),
            grade: None,
            setting: None,
        };
        let matches = rank_programs(&programs, &twice);
        assert_eq!(matches[0].covered, strings(&["fam_conflict"]));
        assert_eq!(matches[0].score, 3.0);
    }

    #[test]
    fn equal_scores_and_tiers_go_by_name_ignoring_case_then_key() {
        use EvidenceLevel::*;
        let programs = vec![
            program("K3", "banane", Proven, &["x"], (5, 10), &[Setting::School]),
            program(
                "K2",
                "Apfel",
                ModelPlus,
                &["x"],
                (5, 10),
                &[Setting::School],
            ),
            program("K1", "apfel", Proven, &["x"], (5, 10), &[Setting::School]),
            // Likely: 1 × 2 = 2, below the others' 3, so last despite its name.
            program("K0", "Aal", Likely, &["x"], (5, 10), &[Setting::School]),
        ];
        let matches = rank_programs(
            &programs,
            &MatchQuery {
                priorities: strings(&["x"]),
                grade: None,
                setting: None,
            },
        );
        // Proven and Model Plus are one tier: the registries rank equal.
        let keys: Vec<&str> = matches
            .iter()
            .map(|m| programs[m.program].key.as_str())
            .collect();
        assert_eq!(keys, ["K1", "K2", "K3", "K0"]);
        // The order does not depend on the catalog's order.
        let mut reversed = programs.clone();
        reversed.reverse();
        let again: Vec<&str> = rank_programs(
            &reversed,
            &MatchQuery {
                priorities: strings(&["x"]),
                grade: None,
                setting: None,
            },
        )
        .iter()
        .map(|m| reversed[m.program].key.as_str())
        .collect();
        assert_eq!(again, keys);
    }

    #[test]
    fn coverage_lists_the_chosen_programs_per_priority() {
        let programs = catalog();
        let chosen = [&programs[0], &programs[3], &programs[0]];
        let priorities = strings(&["fam_conflict", "com_rewards", "sch_low_commitment"]);
        let result = coverage(&priorities, &chosen);
        assert_eq!(
            result,
            vec![
                Coverage {
                    factor: "fam_conflict".into(),
                    programs: strings(&["A"]),
                },
                Coverage {
                    factor: "com_rewards".into(),
                    programs: vec![],
                },
                Coverage {
                    factor: "sch_low_commitment".into(),
                    programs: strings(&["D"]),
                },
            ]
        );
        assert_eq!(uncovered(&result), strings(&["com_rewards"]));
        let all = coverage(&priorities, &[&programs[1], &programs[4]]);
        assert_eq!(all[0].programs, strings(&["B"]));
        assert_eq!(all[1].programs, strings(&["B", "E"]));
        assert!(uncovered(&all).is_empty());
        assert_eq!(uncovered(&coverage(&priorities, &[])), priorities);
    }

    fn offer(name: &str, reach: u32, factors: &[&str], evidence: Option<EvidenceLevel>) -> Offer {
        Offer {
            name: name.into(),
            provider: "Jugendamt".into(),
            settings: vec![Setting::Community],
            grade_min: 5,
            grade_max: 10,
            reach,
            factors: strings(factors),
            evidence,
        }
    }

    #[test]
    fn the_gap_matrix_counts_offers_evidence_and_reach() {
        let offers = vec![
            offer("Jugendtreff", 120, &["com_opportunities"], None),
            offer(
                "Elternkurs",
                40,
                &["fam_conflict", "fam_management"],
                Some(EvidenceLevel::Proven),
            ),
            offer("Beratung", 30, &["fam_conflict"], None),
            offer("Sportverein", u32::MAX, &["com_opportunities"], None),
        ];
        let priorities = strings(&[
            "fam_conflict",
            "sch_low_commitment",
            "fam_management",
            "com_opportunities",
        ]);
        let rows = gap_matrix(&priorities, &offers);
        assert_eq!(
            rows[0],
            GapRow {
                factor: "fam_conflict".into(),
                offers: vec![1, 2],
                evidence_based: 1,
                reach: 70,
                status: GapStatus::Overlap,
            }
        );
        assert_eq!(
            rows[1],
            GapRow {
                factor: "sch_low_commitment".into(),
                offers: vec![],
                evidence_based: 0,
                reach: 0,
                status: GapStatus::Gap,
            }
        );
        assert_eq!(
            (rows[2].status, rows[2].offers.clone(), rows[2].reach),
            (GapStatus::Covered, vec![1], 40)
        );
        // Reach is summed in u64: no overflow with large estimates.
        assert_eq!(rows[3].reach, 120 + u64::from(u32::MAX));
        assert_eq!(rows[3].evidence_based, 0);
        assert_eq!(rows.len(), 4);
        assert_eq!(GapStatus::of(5), GapStatus::Overlap);
    }
}
