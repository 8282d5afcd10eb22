//! Pupil counts for weighting against a real SQLite file: `server
//! population import/export`, a refused file changing nothing, and the
//! weighted profile built from the stored result and the counts.

mod common;
use common::{database, server};

use app::domain::analysis::aggregate::GroupKey;

fn text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn counts_are_imported_checked_exported_and_weight_the_published_profile() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());

    // The demo's fictional school statistics.
    let export = server(&db, &["population", "export", "--wave", "1"]);
    let (demo_counts, stderr) = text(&export);
    assert!(export.status.success(), "{stderr}");
    assert!(
        demo_counts.starts_with("school_type,grade,pupils\n"),
        "{demo_counts}"
    );
    assert!(
        demo_counts.contains("Gesamtschule,8,2400\n"),
        "{demo_counts}"
    );

    // A file with bad rows: every problem by row and column, nothing changes.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "school_type,grade,pupils\nGymnasium,8,1000\nRealschule,8,10\nGymnasium,7,10\nGesamtschule,6,viele\n",
    )
    .unwrap();
    let refused = server(
        &db,
        &["population", "import", "--wave", "1", bad.to_str().unwrap()],
    );
    let (_, stderr) = text(&refused);
    assert!(!refused.status.success());
    for expected in [
        "nothing changed",
        "row 3, column school_type",
        "row 4, column grade",
        "row 5, column pupils",
    ] {
        assert!(stderr.contains(expected), "{expected} missing in {stderr}");
    }
    let unchanged = text(&server(&db, &["population", "export", "--wave", "1"])).0;
    assert_eq!(unchanged, demo_counts);

    // A good file replaces the counts; the export reads back the same.
    let good = dir.path().join("schulstatistik.csv");
    let counts = "school_type,grade,pupils\nGesamtschule,6,3000\nGesamtschule,8,3000\nGesamtschule,10,3000\nGymnasium,6,600\nGymnasium,8,600\nGymnasium,10,600\n";
    std::fs::write(&good, counts).unwrap();
    let imported = server(
        &db,
        &[
            "population",
            "import",
            "--wave",
            "1",
            good.to_str().unwrap(),
        ],
    );
    assert!(imported.status.success(), "{}", text(&imported).1);
    assert_eq!(
        text(&server(&db, &["population", "export", "--wave", "1"])).0,
        counts
    );

    // The weighted profile: the same cells shown, other shares, every
    // answer in a weighted stratum, the source named.
    let pool = app::storage::connect(&db).await.unwrap();
    let wave = app::storage::waves::find(&pool, "1")
        .await
        .unwrap()
        .unwrap();
    let plain = app::analysis::page_profile(&pool, &wave, None)
        .await
        .unwrap();
    let (weighted, import) = app::analysis::weighted_page_profile(&pool, &wave, None)
        .await
        .unwrap()
        .expect("counts stored");
    assert_eq!(import.source, "schulstatistik.csv");
    assert_eq!(weighted.coverage.answers_left_out, 0);
    assert!(weighted.coverage.strata_without_answers.is_empty());
    assert_eq!(weighted.table.groups.len(), plain.groups.len());
    let mut moved = 0;
    for (a, b) in plain.groups.iter().zip(&weighted.table.groups) {
        assert_eq!(a.key, b.key);
        for (x, y) in a.factors.iter().zip(&b.factors) {
            assert_eq!(x.is_shown(), y.is_shown(), "{:?}", a.key);
            if let (Some(x), Some(y)) = (&x.figures, &y.figures) {
                assert_eq!(x.n, y.n);
                moved += usize::from((x.percent - y.percent).abs() > 1e-9);
            }
        }
    }
    assert!(moved > 0, "weights of 5:1 move some share");
    assert_eq!(
        weighted.table.weighting.as_deref(),
        Some(app::domain::analysis::weighting::weighted_method::POST_STRATIFIED)
    );
    // The city total is weighted too (it has no comparison of its own).
    let total = |table: &app::domain::analysis::report::ProfileTable| {
        table.group(&GroupKey::TOTAL).unwrap().factors[0]
            .figures
            .as_ref()
            .unwrap()
            .percent
    };
    assert!((total(&plain) - total(&weighted.table)).abs() > 1e-9);
}
