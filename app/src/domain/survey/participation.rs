//! Participation of a wave's classes: codes issued, started and finished,
//! questionnaires received and excluded, per class with school and wave
//! totals.
//!
//! Everything here is a count, and most counts say nothing about any pupil:
//! how many codes a class got or how many questionnaires were finished. One
//! does: `excluded`, the questionnaires a validity rule flagged, e.g. for
//! reporting use of a fictitious drug. In a small class, or if a reader
//! knows who took part, "1 excluded" points at a pupil. So `excluded` is
//! protected like every figure of the profile tables:
//!
//! - it is only shown once the wave has closed, so that nobody can watch the
//!   figure change after one particular pupil has finished;
//! - it is shown only for groups with at least `k` questionnaires, with
//!   complementary suppression across the class → school → wave totals
//!   ([`crate::domain::analysis::suppression`]), so no hidden figure can be worked out
//!   from the shown ones.

use crate::domain::analysis::suppression::{self, MinGroupSize, Partition, SuppressionError};
use std::collections::BTreeMap;

/// The counts of one class, as read from storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassParticipation {
    /// School name.
    pub school: String,
    /// Class name, e.g. `8a`.
    pub class: String,
    /// Grade.
    pub grade: u8,
    /// Pupils enrolled, as registered for the class.
    pub enrolled: u64,
    /// Codes generated for the class, in any state (including spares).
    pub issued: u64,
    /// Codes whose questionnaire is in progress (started, not finished).
    pub started: u64,
    /// Codes whose questionnaire was finished.
    pub finished: u64,
    /// Questionnaires stored for the class (finished online or imported).
    pub responses: u64,
    /// Of these, questionnaires that a validity rule excluded. Known per
    /// class because a response keeps its class, although it cannot be
    /// linked to a code.
    pub excluded: u64,
}

/// One row of the participation report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipationRow {
    /// The school; `None` on the wave total.
    pub school: Option<String>,
    /// The class; `None` on school and wave totals.
    pub class: Option<String>,
    /// The grade; `None` on totals.
    pub grade: Option<u8>,
    /// Pupils enrolled.
    pub enrolled: u64,
    /// Codes issued.
    pub issued: u64,
    /// Codes in progress.
    pub started: u64,
    /// Codes finished.
    pub finished: u64,
    /// Questionnaires stored.
    pub responses: u64,
    /// Excluded questionnaires; `None` when withheld (wave still open, or
    /// suppressed to protect a small group).
    pub excluded: Option<u64>,
}

/// Whether the report may show `excluded` figures at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExcludedFigures {
    /// The wave is still open: every `excluded` figure is withheld.
    Withheld,
    /// The wave has closed: figures of groups with at least `k`
    /// questionnaires are shown, with complementary suppression.
    Protected(MinGroupSize),
}

/// Builds the report: per school (by name) its classes (by grade and name)
/// and the school total, then the wave total. Totals add up the listed
/// classes.
pub fn participation_table(
    classes: &[ClassParticipation],
    excluded: ExcludedFigures,
) -> Result<Vec<ParticipationRow>, SuppressionError> {
    let mut by_school: BTreeMap<&str, Vec<&ClassParticipation>> = BTreeMap::new();
    for class in classes {
        by_school.entry(&class.school).or_default().push(class);
    }
    let mut rows = Vec::new();
    let mut partitions = Vec::new();
    let mut school_rows = Vec::new();
    for (school, mut members) in by_school {
        members.sort_by(|a, b| (a.grade, &a.class).cmp(&(b.grade, &b.class)));
        let first = rows.len();
        rows.extend(members.iter().map(|c| ParticipationRow {
            school: Some(c.school.clone()),
            class: Some(c.class.clone()),
            grade: Some(c.grade),
            enrolled: c.enrolled,
            issued: c.issued,
            started: c.started,
            finished: c.finished,
            responses: c.responses,
            excluded: Some(c.excluded),
        }));
        let total = sum(Some(school.to_string()), &rows[first..]);
        partitions.push(Partition {
            parent: rows.len(),
            children: (first..rows.len()).collect(),
        });
        school_rows.push(rows.len());
        rows.push(total);
    }
    let class_rows: Vec<ParticipationRow> =
        rows.iter().filter(|r| r.class.is_some()).cloned().collect();
    let total = sum(None, &class_rows);
    partitions.push(Partition {
        parent: rows.len(),
        children: school_rows,
    });
    rows.push(total);

    match excluded {
        ExcludedFigures::Withheld => rows.iter_mut().for_each(|r| r.excluded = None),
        ExcludedFigures::Protected(k) => {
            let n: Vec<u64> = rows.iter().map(|r| r.responses).collect();
            let statuses = suppression::suppress(&n, &partitions, k)?;
            for (row, status) in rows.iter_mut().zip(statuses) {
                // An empty group has nothing to protect: 0 of 0.
                if status.is_suppressed() && row.responses > 0 {
                    row.excluded = None;
                }
            }
        }
    }
    Ok(rows)
}

fn sum(school: Option<String>, rows: &[ParticipationRow]) -> ParticipationRow {
    let add = |f: fn(&ParticipationRow) -> u64| rows.iter().map(f).sum::<u64>();
    ParticipationRow {
        school,
        class: None,
        grade: None,
        enrolled: add(|r| r.enrolled),
        issued: add(|r| r.issued),
        started: add(|r| r.started),
        finished: add(|r| r.finished),
        responses: add(|r| r.responses),
        excluded: Some(add(|r| r.excluded.unwrap_or(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(school: &str, name: &str, responses: u64, excluded: u64) -> ClassParticipation {
        ClassParticipation {
            school: school.into(),
            class: name.into(),
            grade: name[..1].parse().unwrap(),
            enrolled: 25,
            issued: 28,
            started: 1,
            finished: responses,
            responses,
            excluded,
        }
    }

    fn k() -> ExcludedFigures {
        ExcludedFigures::Protected(MinGroupSize::new(10).unwrap())
    }

    #[test]
    fn rows_come_per_school_with_totals_that_add_up() {
        let classes = [
            class("Realschule Süd", "8a", 20, 2),
            class("Gesamtschule Nord", "8b", 21, 1),
            class("Gesamtschule Nord", "6a", 22, 0),
        ];
        let rows = participation_table(&classes, k()).unwrap();
        let labels: Vec<(Option<&str>, Option<&str>)> = rows
            .iter()
            .map(|r| (r.school.as_deref(), r.class.as_deref()))
            .collect();
        assert_eq!(
            labels,
            vec![
                (Some("Gesamtschule Nord"), Some("6a")),
                (Some("Gesamtschule Nord"), Some("8b")),
                (Some("Gesamtschule Nord"), None),
                (Some("Realschule Süd"), Some("8a")),
                (Some("Realschule Süd"), None),
                (None, None),
            ]
        );
        let nord = &rows[2];
        assert_eq!((nord.enrolled, nord.issued, nord.started), (50, 56, 2));
        assert_eq!((nord.responses, nord.excluded), (43, Some(1)));
        let total = &rows[5];
        assert_eq!((total.responses, total.excluded), (63, Some(3)));
        assert_eq!(total.grade, None);
    }

    #[test]
    fn excluded_is_withheld_while_the_wave_is_open() {
        let rows =
            participation_table(&[class("S", "8a", 20, 2)], ExcludedFigures::Withheld).unwrap();
        assert!(rows.iter().all(|r| r.excluded.is_none()));
        // Counts that say nothing about a pupil are always shown.
        assert!(rows.iter().all(|r| r.issued == 28 && r.responses == 20));
    }

    #[test]
    fn a_small_class_hides_its_excluded_figure_and_cannot_be_recomputed() {
        // 8b has 4 questionnaires: hidden. Showing the school total would
        // give 8b as total − 8a, so one more figure is hidden.
        let classes = [
            class("S", "8a", 20, 2),
            class("S", "8b", 4, 1),
            class("T", "6a", 30, 3),
        ];
        let rows = participation_table(&classes, k()).unwrap();
        let excluded = |school: Option<&str>, class: Option<&str>| {
            rows.iter()
                .find(|r| r.school.as_deref() == school && r.class.as_deref() == class)
                .unwrap()
                .excluded
        };
        assert_eq!(excluded(Some("S"), Some("8b")), None);
        let shown_in_s = [excluded(Some("S"), Some("8a")), excluded(Some("S"), None)];
        assert!(shown_in_s.iter().any(Option::is_none), "{rows:?}");
        assert_eq!(excluded(Some("T"), Some("6a")), Some(3));
        // Whatever is shown, no hidden non-empty figure follows from it.
        let n: Vec<u64> = rows.iter().map(|r| r.responses).collect();
        let partitions = vec![
            Partition {
                parent: 2,
                children: vec![0, 1],
            },
            Partition {
                parent: 4,
                children: vec![3],
            },
            Partition {
                parent: 5,
                children: vec![2, 4],
            },
        ];
        let statuses: Vec<_> = rows
            .iter()
            .map(|r| match r.excluded {
                Some(_) => suppression::CellStatus::Shown,
                None => suppression::CellStatus::Suppressed(
                    suppression::SuppressionReason::Complementary {
                        partition_parent: 0,
                    },
                ),
            })
            .collect();
        let risks = suppression::disclosure_risks(
            &n,
            &partitions,
            MinGroupSize::new(10).unwrap(),
            &statuses,
        )
        .unwrap();
        assert!(risks.is_empty(), "{risks:?}");
    }

    #[test]
    fn classes_without_questionnaires_show_zero() {
        let rows = participation_table(&[class("S", "8a", 0, 0)], k()).unwrap();
        assert!(rows.iter().all(|r| r.excluded == Some(0)));
        assert!(participation_table(&[], k()).unwrap()[0].excluded == Some(0));
    }
}
