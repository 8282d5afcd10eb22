//! `server norms …` and `export-profile --reference` on a real SQLite file.

mod common;

use common::{database, server};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &std::path::Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn norm_sets_import_round_trip_and_refuse_bad_files_without_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let demo = server(&db, &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    // The demo ships one fictional set.
    let list = server(&db, &["norms", "list"]);
    assert!(
        text(&list.stdout).starts_with("demo-land\t"),
        "{}",
        text(&list.stdout)
    );

    let good = write(
        dir.path(),
        "land.csv",
        "factor,grade,percent\nfam_conflict,,20\nfam_conflict,8,\"30,5\"\nalcohol_30d,10,12.25\n",
    );
    let import = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "norms",
            "import",
            file,
            "--key",
            "land-2025",
            "--label",
            "Landesbefragung 2025",
            "--source",
            "Bericht 2025, Tabelle 4",
        ];
        args.extend_from_slice(extra);
        server(&db, &args)
    };
    let imported = import(&good, &[]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        text(&imported.stdout).contains("3 values"),
        "{}",
        text(&imported.stdout)
    );

    // Export: sorted by factor, all grades first, decimal point; reading the
    // export back gives a byte-identical export.
    let export = server(&db, &["norms", "export", "land-2025"]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let exported = text(&export.stdout);
    assert_eq!(
        exported,
        "factor,grade,percent\nalcohol_30d,10,12.25\nfam_conflict,,20\nfam_conflict,8,30.5\n"
    );
    let again = write(dir.path(), "again.csv", &exported);
    assert!(import(&again, &["--replace"]).status.success());
    assert_eq!(
        text(&server(&db, &["norms", "export", "land-2025"]).stdout),
        exported
    );

    // The same key again without --replace is refused.
    let twice = import(&good, &[]);
    assert!(!twice.status.success());
    assert!(
        text(&twice.stderr).contains("exists already"),
        "{}",
        text(&twice.stderr)
    );

    // Bad rows: every problem named by row and column, the stored set unchanged.
    let bad = write(
        dir.path(),
        "bad.csv",
        "factor,grade,percent\nfam_conflict,,25\nfam_konflikt,,20\nfam_conflict,15,20\nalcohol_30d,,-3\nfam_conflict,,26\n",
    );
    let refused = import(&bad, &["--replace"]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    for expected in [
        "nothing changed",
        "row 3, column factor: \"fam_konflikt\" is not a scale or outcome",
        "row 4, column grade",
        "row 5, column percent: \"-3\" is not a number from 0 to 100",
        "row 6: fam_conflict for all grades has a value already in row 2",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    assert_eq!(
        text(&server(&db, &["norms", "export", "land-2025"]).stdout),
        exported
    );

    // Keys follow the URL rules; the instrument must exist.
    let bad_key = server(
        &db,
        &[
            "norms",
            "import",
            &good,
            "--key",
            "Land 2025",
            "--label",
            "X",
        ],
    );
    assert!(!bad_key.status.success());
    assert!(text(&bad_key.stderr).contains("is not a valid key"));
    let no_instrument = server(
        &db,
        &[
            "norms",
            "import",
            &good,
            "--key",
            "x",
            "--label",
            "X",
            "--instrument",
            "other",
        ],
    );
    assert!(!no_instrument.status.success());
    assert!(
        text(&no_instrument.stderr).contains("stored: ctc-demo"),
        "{}",
        text(&no_instrument.stderr)
    );

    // export-profile with the stored set: the grade's own value, else the
    // all-grades one; the reference column names the set.
    let profile = server(
        &db,
        &[
            "export-profile",
            "--wave",
            "1",
            "--by",
            "grade",
            "--reference",
            "land-2025",
        ],
    );
    assert!(profile.status.success(), "{}", text(&profile.stderr));
    let csv_text = text(&profile.stdout);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let reference_of = |grade: &str| {
        let row = rows
            .iter()
            .find(|r| &r[column("factor")] == "fam_conflict" && &r[column("grade")] == grade)
            .unwrap();
        (
            row[column("reference")].to_string(),
            row[column("reference_percent")].to_string(),
        )
    };
    assert_eq!(
        reference_of("8"),
        ("Landesbefragung 2025".into(), "30.5".into())
    );
    assert_eq!(reference_of("6").1, "20");
    let unknown = server(
        &db,
        &["export-profile", "--wave", "1", "--reference", "nope"],
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("available here: land-2025, demo-land"),
        "{}",
        text(&unknown.stderr)
    );

    // Deleting a set removes its values too.
    assert!(
        server(&db, &["norms", "delete", "land-2025"])
            .status
            .success()
    );
    assert!(
        !server(&db, &["norms", "export", "land-2025"])
            .status
            .success()
    );
    assert!(
        !server(&db, &["norms", "delete", "land-2025"])
            .status
            .success()
    );
}
