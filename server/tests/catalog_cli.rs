//! `server import-programs` / `export-programs` on a real SQLite file.

mod common;

use common::{database, server};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_catalog_round_trips_and_bad_rows_are_rejected_by_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let demo = server(&db, &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    let export = server(&db, &["export-programs"]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let catalog = text(&export.stdout);
    let programs = catalog.lines().count() - 1;
    assert!(programs >= 10, "{catalog}");
    assert!(catalog.starts_with("key,name,provider,description,factors,grade_min,grade_max,settings,evidence_level,cost_notes,link,demo"));

    // Re-importing the export changes nothing but counts every row as updated.
    let file = dir.path().join("catalog.csv");
    std::fs::write(&file, &catalog).unwrap();
    let again = server(&db, &["import-programs", file.to_str().unwrap()]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains(&format!(
            "{programs} programs read: 0 added, {programs} updated"
        )),
        "{}",
        text(&again.stdout)
    );
    let second = server(&db, &["export-programs"]);
    assert_eq!(text(&second.stdout), catalog, "byte-identical round trip");

    // A file with one good and three bad rows: rejected as a whole.
    let bad = "key,name,provider,description,factors,grade_min,grade_max,settings,evidence_level,cost_notes,link,demo\n\
        NEW-1,Neues Programm,Träger,Gut,fam_conflict,5,8,family,proven,,https://example.org,false\n\
        NEW-2,,Träger,Ohne Namen,fam_conflict,5,8,family,proven,,,false\n\
        NEW-3,Falscher Faktor,Träger,X,no_such_scale,5,8,school,likely,,,false\n\
        NEW-4,Falsche Stufe,Träger,X,fam_conflict,9,5,school,excellent,,ftp://x,false\n";
    let bad_file = dir.path().join("bad.csv");
    std::fs::write(&bad_file, bad).unwrap();
    let refused = server(&db, &["import-programs", bad_file.to_str().unwrap()]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    for expected in [
        "row 3, column name",
        "row 4, column factors",
        "no_such_scale",
        "row 5, column grade_max",
        "row 5, column evidence_level",
        "row 5, column link",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    let after = server(&db, &["export-programs"]);
    assert_eq!(text(&after.stdout), catalog, "nothing changed");
}
