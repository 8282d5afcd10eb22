//! Survey set-up through the CLI against real SQLite files: municipality →
//! district → school → wave → class → access codes → participation, and bad
//! input that must fail precisely and change nothing.

use app::domain::survey::access_code::AccessCode;
use std::collections::HashSet;
use std::process::Output;

mod common;
use common::{database, server};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed and returns its standard output.
fn ok(database: &str, args: &[&str]) -> String {
    let output = server(database, args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// Runs a command that must fail and returns its standard error.
fn fails(database: &str, args: &[&str]) -> String {
    let output = server(database, args);
    assert!(
        !output.status.success(),
        "{args:?} succeeded: {}",
        stdout(&output)
    );
    stderr(&output)
}

const TABLES: [&str; 8] = [
    "region",
    "municipality",
    "district",
    "school",
    "instrument",
    "wave",
    "school_class",
    "access_code",
];

async fn counts(database: &str) -> Vec<(&'static str, i64)> {
    let db = app::storage::connect(database).await.expect("opens");
    let mut counts = Vec::new();
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&db)
            .await
            .expect("counts");
        counts.push((table, n));
    }
    db.close().await;
    counts
}

const WAVE: &str = "Frühjahr 2026";
const SCHOOL: &str = "Gesamtschule Nordstadt";

/// Municipality, district, school, instrument, wave and class 8a (25 pupils).
fn set_up_class(db: &str) {
    let instrument = concat!(env!("CARGO_MANIFEST_DIR"), "/../instruments/demo-ctc.toml");
    ok(db, &["import-instrument", instrument]);
    let out = ok(
        db,
        &[
            "municipality",
            "add",
            "--name",
            "Teststadt",
            "--region",
            "Testkreis",
        ],
    );
    assert!(out.contains("added municipality \"Teststadt\""), "{out}");
    ok(
        db,
        &[
            "district",
            "add",
            "--municipality",
            "Teststadt",
            "--code",
            "NORD",
            "--name",
            "Nordstadt",
        ],
    );
    ok(
        db,
        &[
            "school",
            "add",
            "--municipality",
            "Teststadt",
            "--district",
            "NORD",
            "--name",
            SCHOOL,
            "--type",
            "Gesamtschule",
        ],
    );
    let out = ok(db, &wave_args(&[]));
    assert!(
        out.contains("created wave \"Frühjahr 2026\" (id 1)"),
        "{out}"
    );
    assert!(out.contains("grades 6,8,10"), "{out}");
    let out = ok(
        db,
        &[
            "class", "add", "--wave", WAVE, "--school", SCHOOL, "--name", "8a", "--grade", "8",
            "--pupils", "25",
        ],
    );
    assert!(out.contains("added class 8a"), "{out}");
}

/// `wave create` with the standard arguments, some replaced.
fn wave_args<'a>(replace: &[(&str, &'a str)]) -> Vec<&'a str> {
    let mut args = vec![
        "wave",
        "create",
        "--municipality",
        "Teststadt",
        "--name",
        WAVE,
        "--instrument",
        "ctc-demo@2026.1",
        "--opens",
        "2026-03-02",
        "--closes",
        "2026-04-24",
        "--grades",
        "6,8,10",
    ];
    for (flag, value) in replace {
        let at = args.iter().position(|a| a == flag).expect("known flag");
        args[at + 1] = value;
    }
    args
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn the_whole_setup_chain_ends_in_printed_codes_and_participation() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    set_up_class(&db);

    // Re-running the set-up changes nothing.
    let before = counts(&db).await;
    set_up_again(&db);
    assert_eq!(counts(&db).await, before);

    // 25 pupils + 3 spares (the default).
    let output = server(
        &db,
        &[
            "codes", "generate", "--wave", WAVE, "--school", SCHOOL, "--class", "8a",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = stderr(&output);
    assert!(warning.contains("can never be shown again"), "{warning}");
    assert!(warning.contains("25 pupils + 3 spares"), "{warning}");
    let (header, rows) = csv_rows(&stdout(&output));
    assert_eq!(header, ["school", "class", "code"]);
    assert_eq!(rows.len(), 28);
    let mut distinct = HashSet::new();
    for row in &rows {
        assert_eq!((row[0].as_str(), row[1].as_str()), (SCHOOL, "8a"));
        let printed = &row[2];
        let code = AccessCode::parse(printed).expect("a valid code");
        // Printed in the grouped form, e.g. K7M-4QX-9TB.
        assert_eq!(&code.to_string(), printed);
        assert_eq!(printed.len(), 11);
        assert!(distinct.insert(code));
    }

    // The database holds hashes only.
    let pool = app::storage::connect(&db).await.unwrap();
    for code in &distinct {
        let plain: i64 = sqlx::query_scalar(
            "select count(*) from access_code where code_hash = $1 or code_hash = $2",
        )
        .bind(code.as_str().as_bytes())
        .bind(code.to_string().as_bytes())
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(plain, 0);
        let found = app::storage::survey::access_codes::lookup(&pool, code)
            .await
            .unwrap();
        assert!(found.is_some());
    }
    pool.close().await;

    // Participation: 28 codes issued, none used yet.
    let (header, rows) = csv_rows(&ok(&db, &["participation", "--wave", WAVE]));
    assert_eq!(
        header,
        [
            "school",
            "class",
            "grade",
            "enrolled",
            "codes_issued",
            "codes_started",
            "codes_finished",
            "responses",
            "excluded"
        ]
    );
    let labels: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            (SCHOOL, "8a", "8"),
            (SCHOOL, "ALL", "ALL"),
            ("ALL", "ALL", "ALL")
        ]
    );
    for row in &rows {
        assert_eq!(row[3..8], ["25", "28", "0", "0", "0"], "{row:?}");
    }

    // While a wave is open, `excluded` is withheld everywhere.
    let open_wave = wave_args(&[
        ("--opens", "2099-09-01"),
        ("--closes", "2099-10-30"),
        ("--name", "Herbst 2099"),
    ]);
    ok(&db, &open_wave);
    ok(
        &db,
        &[
            "class",
            "add",
            "--wave",
            "Herbst 2099",
            "--school",
            SCHOOL,
            "--name",
            "6a",
            "--grade",
            "6",
            "--pupils",
            "20",
        ],
    );
    let output = server(&db, &["participation", "--wave", "Herbst 2099"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("stays empty until the wave has closed (2099-10-30)"));
    let (_, rows) = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[8].is_empty()), "{rows:?}");

    // A second run without --extra is refused: the codes cannot be shown again.
    let refused = fails(
        &db,
        &[
            "codes", "generate", "--wave", WAVE, "--school", SCHOOL, "--class", "8a",
        ],
    );
    assert!(refused.contains("has 28 codes already"), "{refused}");
    assert!(refused.contains("--extra"), "{refused}");

    // --extra to a new file; an existing file is never overwritten.
    let file = dir.path().join("extra.csv");
    let file_arg = file.to_str().unwrap();
    let extra = [
        "codes", "generate", "--wave", "1", "--school", SCHOOL, "--class", "8a", "--extra", "2",
        "--output", file_arg,
    ];
    let output = server(&db, &extra);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let (_, rows) = csv_rows(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| !distinct.contains(&AccessCode::parse(&r[2]).unwrap()))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the codes file is private: {mode:o}");
    }
    let again = fails(&db, &extra);
    assert!(again.contains("exists already"), "{again}");
    assert_eq!(
        counts(&db).await.last(),
        Some(&("access_code", 30)),
        "the refused run stored nothing"
    );
}

fn set_up_again(db: &str) {
    let out = ok(
        db,
        &[
            "municipality",
            "add",
            "--name",
            "Teststadt",
            "--region",
            "Testkreis",
        ],
    );
    assert!(out.contains("exists already"), "{out}");
    let out = ok(db, &wave_args(&[]));
    assert!(out.contains("exists already (id 1)"), "{out}");
    let out = ok(
        db,
        &[
            "class", "add", "--wave", WAVE, "--school", SCHOOL, "--name", "8a", "--grade", "8",
            "--pupils", "25",
        ],
    );
    assert!(out.contains("exists already"), "{out}");
}

#[tokio::test]
async fn bad_setup_input_fails_precisely_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    set_up_class(&db);
    let before = counts(&db).await;

    let second_wave = |replace: &[(&str, &'static str)]| {
        let mut args = wave_args(replace);
        let at = args.iter().position(|a| *a == WAVE).unwrap();
        args[at] = "Herbst 2026";
        args
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            second_wave(&[("--opens", "2026-10-01"), ("--closes", "2026-09-30")]),
            "--closes 2026-09-30 is before --opens 2026-10-01",
        ),
        (
            second_wave(&[("--opens", "01.10.2026")]),
            "write 2026-10-01",
        ),
        (
            second_wave(&[("--closes", "2026-09-31")]),
            "month 9 of 2026 has 30 days",
        ),
        (second_wave(&[("--grades", "6,14")]), "invalid grade \"14\""),
        (
            second_wave(&[("--instrument", "ctc-demo@2099.1")]),
            "no instrument ctc-demo version 2099.1",
        ),
        (
            second_wave(&[("--instrument", "ctc-demo")]),
            "expected KEY@VERSION",
        ),
        (
            second_wave(&[("--municipality", "Nirgendwo")]),
            "no municipality named \"Nirgendwo\"",
        ),
        // The existing wave with other settings.
        (
            wave_args(&[("--grades", "6,8")]),
            "grades: stored 6,8,10, given 6,8",
        ),
        (
            vec![
                "class", "add", "--wave", WAVE, "--school", SCHOOL, "--name", "7a", "--grade", "7",
                "--pupils", "25",
            ],
            "grade 7 is not surveyed in wave \"Frühjahr 2026\" (grades 6,8,10)",
        ),
        (
            vec![
                "class",
                "add",
                "--wave",
                WAVE,
                "--school",
                "Grundschule Süd",
                "--name",
                "8b",
                "--grade",
                "8",
                "--pupils",
                "25",
            ],
            "no school \"Grundschule Süd\"",
        ),
        (
            vec![
                "class",
                "add",
                "--wave",
                WAVE,
                "--school",
                "gesamtschule nordstadt",
                "--name",
                "8b",
                "--grade",
                "8",
                "--pupils",
                "25",
            ],
            "did you mean \"Gesamtschule Nordstadt\"?",
        ),
        (
            vec![
                "class",
                "add",
                "--wave",
                "Herbst 1999",
                "--school",
                SCHOOL,
                "--name",
                "8b",
                "--grade",
                "8",
                "--pupils",
                "25",
            ],
            "no wave with id or name \"Herbst 1999\"",
        ),
        (
            vec![
                "class", "add", "--wave", WAVE, "--school", SCHOOL, "--name", "8a", "--grade", "8",
                "--pupils", "24",
            ],
            "with grade 8 and 25 pupils",
        ),
        (
            vec![
                "codes", "generate", "--wave", WAVE, "--school", SCHOOL, "--class", "9z",
            ],
            "has no class 9z",
        ),
        (
            vec![
                "school",
                "add",
                "--municipality",
                "Teststadt",
                "--district",
                "SUED",
                "--name",
                "Grundschule Süd",
            ],
            "has no district with code SUED (known: NORD)",
        ),
        (
            vec![
                "district",
                "add",
                "--municipality",
                "Teststadt",
                "--code",
                "NORD",
                "--name",
                "Innenstadt",
            ],
            "district code NORD of Teststadt is already \"Nordstadt\"",
        ),
        (
            vec![
                "district",
                "add",
                "--municipality",
                "Teststadt",
                "--code",
                "Süd Ost",
                "--name",
                "Südost",
            ],
            "contains \"ü\"",
        ),
        (
            vec![
                "municipality",
                "add",
                "--name",
                "Teststadt",
                "--region",
                "Anderer Kreis",
            ],
            "with region \"Testkreis\"",
        ),
    ];
    for (args, expected) in cases {
        let message = fails(&db, &args);
        assert!(
            message.contains(expected),
            "{args:?}: expected {expected:?} in {message}"
        );
        assert_eq!(counts(&db).await, before, "{args:?} changed the database");
    }

    // clap rejects out-of-range numbers before anything runs.
    let message = fails(
        &db,
        &[
            "class", "add", "--wave", WAVE, "--school", SCHOOL, "--name", "8b", "--grade", "8",
            "--pupils", "0",
        ],
    );
    assert!(message.contains("--pupils"), "{message}");
    assert_eq!(counts(&db).await, before);
}

#[test]
fn every_setup_command_explains_itself_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    for command in [
        &["municipality", "add"][..],
        &["district", "add"],
        &["school", "add"],
        &["wave", "create"],
        &["class", "add"],
        &["codes", "generate"],
        &["participation"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = ok(&db, &args);
        let invocation = format!("server {}", command.join(" "));
        assert!(help.contains("Example:"), "{invocation}: {help}");
        assert!(
            help.contains(&invocation),
            "{invocation} has no example: {help}"
        );
    }
    let codes = ok(&db, &["codes", "generate", "--help"]);
    assert!(codes.contains("CANNOT BE SHOWN AGAIN"), "{codes}");
}
