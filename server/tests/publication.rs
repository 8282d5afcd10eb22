//! Publication of closed waves against a real SQLite file and the real
//! binary: nothing of an open wave is published, closing publishes, the
//! stored result equals a fresh computation and follows imports, and no
//! withheld cell of a published table can be recomputed from what is shown.

mod common;
use app::analysis::publication;
use app::domain::analysis::aggregate::{Dimension, GroupKey};
use app::domain::analysis::published::{ENGINE_VERSION, PublishedWave, publish_with_cut_points};
use app::domain::analysis::report::ProfileTable;
use app::domain::analysis::report::default_cut_point_set;
use app::domain::analysis::suppression::MinGroupSize;
use app::storage::{self, Db, survey::responses, waves};
use common::{database, server};
use std::collections::BTreeMap;

fn ok(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn stored_responses(db: &Db, wave: i64) -> i64 {
    sqlx::query_scalar("select responses from wave_result where wave_id = $1")
        .bind(wave)
        .fetch_optional(db)
        .await
        .expect("reads")
        .unwrap_or(-1)
}

/// The demo (two closed waves) plus an open third wave holding a copy of
/// the first wave's answers.
fn demo_with_open_wave(dir: &std::path::Path) -> String {
    let db = database(dir);
    ok(&server(&db, &["demo"]));
    ok(&server(
        &db,
        &[
            "wave",
            "create",
            "--municipality",
            "Ruhrstadt (Demo)",
            "--name",
            "Herbst 2026",
            "--instrument",
            "ctc-demo@2026.1",
            "--opens",
            "2026-01-05",
            "--closes",
            "2099-12-31",
            "--grades",
            "6,8,10",
        ],
    ));
    let file = dir.join("wave1.csv");
    let file = file.to_str().expect("utf-8 path");
    ok(&server(
        &db,
        &["export-responses", "--wave", "1", "--output", file],
    ));
    ok(&server(
        &db,
        &[
            "import-responses",
            "--wave",
            "3",
            "--file",
            file,
            "--create-missing",
        ],
    ));
    db
}

#[tokio::test]
async fn an_open_wave_publishes_nothing_and_closing_it_publishes_the_fresh_result() {
    let dir = tempfile::tempdir().unwrap();
    let url = demo_with_open_wave(dir.path());
    let db = storage::connect(&url).await.unwrap();

    // Both demo waves were published by `demo`; the open one was not.
    assert!(stored_responses(&db, 1).await > 0);
    assert!(stored_responses(&db, 2).await > 0);
    assert_eq!(stored_responses(&db, 3).await, -1, "open wave stored");
    let wave = waves::find(&db, "3").await.unwrap().unwrap();
    assert!(matches!(
        publication::published(&db, &wave).await,
        Err(app::analysis::AnalysisError::Open { .. })
    ));
    // The CLI exports refuse it with the reason.
    for args in [
        &["export-profile", "--wave", "3"][..],
        &["export-quality", "--wave", "3"][..],
    ] {
        let refused = server(&url, args);
        assert!(!refused.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("published once it has closed"),
            "{args:?}: {stderr}"
        );
    }
    // `results rebuild` leaves open waves alone and says the others are
    // current.
    let rebuild = ok(&server(&url, &["results", "rebuild"]));
    assert!(rebuild.contains("up to date"), "{rebuild}");

    // Closing publishes: the stored result is what a fresh computation
    // from the wave's responses gives.
    let closed = ok(&server(&url, &["wave", "close", "--wave", "3"]));
    assert!(closed.contains("closed"), "{closed}");
    let wave = waves::find(&db, "3").await.unwrap().unwrap();
    assert!(wave.is_closed());
    let (header, payload) = storage::analysis::results::load(&db, 3)
        .await
        .unwrap()
        .unwrap();
    assert!(
        header
            .result_key
            .starts_with(&format!("engine={ENGINE_VERSION};"))
    );
    let stored = PublishedWave::decode(&payload).unwrap();
    let instrument = storage::survey::instruments::load(&db, wave.instrument_id)
        .await
        .unwrap();
    let fresh = publish_with_cut_points(
        &instrument,
        &default_cut_point_set(&instrument),
        &responses::read_wave(&db, 3).await.unwrap(),
        &storage::geography::school_types(&db, wave.municipality_id)
            .await
            .unwrap(),
        MinGroupSize::default(),
    )
    .unwrap();
    assert_eq!(stored, fresh);
    let first_count = stored_responses(&db, 3).await;
    assert_eq!(first_count, stored.quality.responses as i64);
    // Pupils can no longer finish a questionnaire of the closed wave.
    let open: bool = sqlx::query_scalar(
        "select opens_on <= $2 and $2 <= closes_on and closed_on is null from wave where wave_id = $1",
    )
    .bind(3)
    .bind(storage::today())
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(!open);
    // Closing again changes nothing.
    let again = ok(&server(&url, &["wave", "close", "--wave", "3"]));
    assert!(again.contains("closed already"), "{again}");

    // An import into the closed wave rebuilds its result at once.
    let file = dir.path().join("wave1.csv");
    let imported = ok(&server(
        &url,
        &[
            "import-responses",
            "--wave",
            "3",
            "--file",
            file.to_str().unwrap(),
        ],
    ));
    assert!(imported.contains("rebuilt"), "{imported}");
    assert_eq!(stored_responses(&db, 3).await, 2 * first_count);
    let wave = waves::find(&db, "3").await.unwrap().unwrap();
    let result = publication::published(&db, &wave).await.unwrap();
    assert_eq!(result.quality.responses as i64, 2 * first_count);
    assert!(!publication::needs_rebuild(&db, &wave).await.unwrap());
}

#[tokio::test]
async fn read_wave_returns_every_answer_byte_in_row_order() {
    // Answer bytes that look like the chunk separators (`;` = 59, `|` = 124)
    // and zero bytes must come back unchanged: blobs are split by length.
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path());
    ok(&server(&url, &["demo"]));
    let db = storage::connect(&url).await.unwrap();
    let before = responses::read_wave(&db, 1).await.unwrap();
    let (instrument, district): (i64, i64) =
        sqlx::query_as("select instrument_id, district_id from response where wave_id = 1 limit 1")
            .fetch_one(&db)
            .await
            .unwrap();
    let odd: Vec<responses::NewResponse> = (0..5_000u32)
        .map(|i| responses::NewResponse {
            wave: 1,
            instrument,
            district,
            school: (i % 2 == 0).then_some(1),
            class: None,
            home_district: None,
            grade: 8,
            sex: None,
            answers: vec![59, 124, 0, (i % 251) as u8, 59],
            validity_flags: if i % 7 == 0 {
                vec!["a".into(), "b".into()]
            } else {
                Vec::new()
            },
            source: responses::ResponseSource::Import,
        })
        .collect();
    responses::insert_all(&db, &odd).await.unwrap();
    let after = responses::read_wave(&db, 1).await.unwrap();
    assert_eq!(after.len(), before.len() + odd.len());
    assert_eq!(&after[..before.len()], &before[..]);
    for (read, written) in after[before.len()..].iter().zip(&odd) {
        assert_eq!(read.answers, written.answers);
        assert_eq!(read.school, written.school);
        assert_eq!(read.validity_flags, written.validity_flags);
        assert_eq!(read.grade, 8);
        assert_eq!(read.district, district);
    }
}

/// Cell sizes (valid answers) of one factor by group key, from the cube,
/// and whether the published profile shows the cell.
fn factor_cells(
    result: &publication::Published,
    table: &ProfileTable,
    factor: usize,
) -> BTreeMap<GroupKey, (u64, bool)> {
    use app::domain::analysis::report::FactorSource;
    let source = table.factors[factor].source;
    table
        .groups
        .iter()
        .map(|group| {
            let n = result.cube.cell(&group.key).map_or(0, |cell| match source {
                FactorSource::Scale(i) => cell.scale(i).map_or(0, |s| s.n),
                FactorSource::Outcome(i) => cell.outcome(i).map_or(0, |o| o.n),
            });
            (group.key, (n, group.factors[factor].is_shown()))
        })
        .collect()
}

/// The held-out check of issue 11, written independently of the
/// suppression code: an attacker who has every published figure of a wave
/// (all pages and CSVs read the same table) solves every additive relation
/// (a total = the sum of its parts along district, grade or sex) that has a
/// single unknown, repeatedly, until nothing more follows. No withheld cell
/// may become known, and the withheld parts of a shown total together must
/// hold at least k pupils (else the attacker narrows a small group to less
/// than [1, k − 1]).
#[tokio::test]
async fn no_withheld_cell_of_a_published_table_can_be_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path());
    ok(&server(&url, &["demo"]));
    let db = storage::connect(&url).await.unwrap();
    let mut withheld_seen = 0;
    for wave_id in [1, 2] {
        let wave = waves::find(&db, &wave_id.to_string())
            .await
            .unwrap()
            .unwrap();
        let result = publication::published(&db, &wave).await.unwrap();
        let table = result.profile.clone();
        let k = table.min_group_size;
        for factor in 0..table.factors.len() {
            let cells = factor_cells(&result, &table, factor);
            // Relations: for each key and each dimension it totals over, the
            // key is the sum of the keys that fix that dimension.
            let mut relations: Vec<(GroupKey, Vec<GroupKey>)> = Vec::new();
            for key in cells.keys() {
                for dimension in [Dimension::District, Dimension::Grade, Dimension::Sex] {
                    let parts: Vec<GroupKey> = cells
                        .keys()
                        .filter(|other| {
                            let fixes = match dimension {
                                Dimension::District => {
                                    key.district.is_none() && other.district.is_some()
                                }
                                Dimension::Grade => key.grade.is_none() && other.grade.is_some(),
                                Dimension::Sex => {
                                    key.sex == Default::default() && other.sex != Default::default()
                                }
                                Dimension::School => false,
                            };
                            fixes && other.without(dimension) == *key
                        })
                        .copied()
                        .collect();
                    if !parts.is_empty() {
                        relations.push((*key, parts));
                    }
                }
            }
            let mut known: BTreeMap<GroupKey, bool> = cells
                .iter()
                .map(|(key, (_, shown))| (*key, *shown))
                .collect();
            loop {
                let mut progress = false;
                for (total, parts) in &relations {
                    let unknown: Vec<&GroupKey> = std::iter::once(total)
                        .chain(parts)
                        .filter(|key| !known[key])
                        .collect();
                    if unknown.len() == 1 {
                        known.insert(*unknown[0], true);
                        progress = true;
                    }
                }
                if !progress {
                    break;
                }
            }
            for (key, (n, shown)) in &cells {
                if !shown && *n > 0 {
                    withheld_seen += 1;
                    assert!(
                        !known[key],
                        "wave {wave_id}, factor {}: withheld {key:?} (n = {n}) can be recomputed",
                        table.factors[factor].id
                    );
                }
            }
            for (total, parts) in &relations {
                let (_, total_shown) = cells[total];
                let hidden: Vec<u64> = parts
                    .iter()
                    .filter(|p| !cells[*p].1)
                    .map(|p| cells[p].0)
                    .collect();
                let hidden_n: u64 = hidden.iter().sum();
                if total_shown && hidden_n > 0 {
                    assert!(
                        hidden_n >= k,
                        "wave {wave_id}, factor {}: the withheld parts of {total:?} hold only {hidden_n}",
                        table.factors[factor].id
                    );
                }
            }
        }
    }
    // The demo has small groups (pupils of diverse sex), so the check saw
    // withheld cells and is not vacuous.
    assert!(withheld_seen > 0);
}

#[tokio::test]
async fn every_withheld_row_of_the_profile_csv_looks_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path());
    ok(&server(&url, &["demo"]));
    let csv = ok(&server(
        &url,
        &[
            "export-profile",
            "--wave",
            "2",
            "--by",
            "district,grade,sex",
        ],
    ));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert!(!header.iter().any(|h| h.contains("reason")), "{header:?}");
    let figure_columns = [
        "n",
        "count",
        "percent",
        "ci_lower",
        "ci_upper",
        "mean",
        "sd",
        "reference",
        "reference_percent",
        "difference_points",
        "p_value",
        "p_adjusted",
        "elevated",
        "suppressed",
    ];
    let index = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut withheld = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        if &record[index("suppressed")] == "true" {
            withheld.push(
                figure_columns
                    .iter()
                    .map(|c| record[index(c)].to_string())
                    .collect::<Vec<_>>(),
            );
        }
    }
    assert!(!withheld.is_empty(), "the demo has withheld cells");
    // Small cells and their complementary partners: one and the same row.
    withheld.dedup();
    assert_eq!(withheld.len(), 1, "{withheld:?}");
}
