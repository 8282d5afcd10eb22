//! `import-responses` and `export-responses` against real SQLite files and
//! the real binary: the round trip, whole-file rejection with every problem
//! named, `--skip-bad-rows`, header problems and `--create-missing`.

use app::domain::survey::instrument::{Instrument, ValidityCheck};
use std::path::Path;
use std::process::Output;

mod common;
use common::{database, server};

/// Number of fixed columns before the items.
const FIXED: usize = app::domain::survey::response_csv::FIXED_COLUMNS.len();

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn demo_instrument() -> Instrument {
    Instrument::from_toml_str(include_str!("../../instruments/demo-ctc.toml"), "demo").unwrap()
}

/// A database with the demo city.
fn demo(dir: &Path) -> String {
    let db = database(dir);
    let output = server(&db, &["demo"]);
    assert!(output.status.success(), "{}", stderr(&output));
    db
}

async fn pool(database: &str) -> app::storage::Db {
    app::storage::connect(database).await.expect("opens")
}

async fn responses_of(database: &str, wave: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from response r join wave w on w.wave_id = r.wave_id where w.name = $1",
    )
    .bind(wave)
    .fetch_one(&pool(database).await)
    .await
    .unwrap()
}

/// Creates a wave for grades 6, 8 and 10 with the demo instrument in
/// `municipality` (created if missing).
async fn create_wave(database: &str, municipality: &str, name: &str) {
    let db = pool(database).await;
    sqlx::query("insert into municipality (name) values ($1) on conflict (name) do nothing")
        .bind(municipality)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query(
        r#"insert into wave (municipality_id, name, instrument_id, opens_on, closes_on, grades, district_rule)
           select m.municipality_id, $2, (select min(instrument_id) from instrument),
                  '2027-03-01', '2027-04-30', '6,8,10', 'school'
           from municipality m where m.name = $1"#,
    )
    .bind(municipality)
    .bind(name)
    .execute(&db)
    .await
    .unwrap();
}

/// Exports a wave to standard output and returns the CSV.
fn export(database: &str, wave: &str) -> String {
    let output = server(database, &["export-responses", "--wave", wave]);
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn import(database: &str, wave: &str, file: &Path, flags: &[&str]) -> Output {
    let mut args = vec![
        "import-responses",
        "--wave",
        wave,
        "--file",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    server(database, &args)
}

/// A CSV as header and rows of strings.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(text: &str) -> Table {
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
        Table { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    /// Sets a cell of data row `index` (0-based; it is line `index + 2`).
    fn set(&mut self, index: usize, column: &str, value: &str) {
        let column = self.column(column);
        self.rows[index][column] = value.to_string();
    }

    fn write(&self, path: &Path) {
        let mut writer = csv::Writer::from_path(path).unwrap();
        writer.write_record(&self.header).unwrap();
        for row in &self.rows {
            writer.write_record(row).unwrap();
        }
        writer.flush().unwrap();
    }
}

/// A stored response as compared across waves.
type Stored = (
    i64,
    Option<i64>,
    Option<String>,
    i64,
    Option<String>,
    Vec<u8>,
    String,
);

async fn stored(database: &str, wave: &str) -> Vec<Stored> {
    sqlx::query_as(
        r#"select r.district_id, r.school_id, c.name, r.grade, r.sex, r.answers, r.validity_flags
           from response r join wave w on w.wave_id = r.wave_id
           left join school_class c on c.class_id = r.class_id
           where w.name = $1 order by r.response_id"#,
    )
    .bind(wave)
    .fetch_all(&pool(database).await)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_export_imports_into_a_fresh_wave_and_exports_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let instrument = demo_instrument();
    let original_path = dir.path().join("fruehjahr-2024.csv");
    let written = server(
        &db,
        &[
            "export-responses",
            "--wave",
            "Frühjahr 2024",
            "--output",
            original_path.to_str().unwrap(),
        ],
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let original = std::fs::read(&original_path).unwrap();
    let table = Table::parse(std::str::from_utf8(&original).unwrap());
    assert_eq!(
        table.header,
        app::domain::survey::response_csv::header(&instrument),
        "district, school, class, grade, sex, then the items in questionnaire order"
    );
    let count = responses_of(&db, "Frühjahr 2024").await;
    assert_eq!(table.rows.len() as i64, count);
    assert!(stdout(&written).contains(&format!("wrote {count} questionnaires")));

    // A new wave of the same city: districts and schools exist, classes not.
    create_wave(&db, "Ruhrstadt (Demo)", "Kopie 2024").await;
    let refused = import(&db, "Kopie 2024", &original_path, &[]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("column class: unknown class"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(responses_of(&db, "Kopie 2024").await, 0);

    let imported = import(&db, "Kopie 2024", &original_path, &["--create-missing"]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let summary = stdout(&imported);
    assert!(
        summary.contains(&format!("imported {count} questionnaires")),
        "{summary}"
    );
    assert!(
        summary.contains("created 0 district(s), 0 school(s)"),
        "{summary}"
    );
    assert_eq!(
        export(&db, "Kopie 2024").into_bytes(),
        original,
        "byte-identical export"
    );

    // The stored data are the same: district, school, class name, grade,
    // sex, answers; the validity flags too, except the completion-time rule,
    // which cannot apply to imported questionnaires.
    let timed: Vec<&str> = instrument
        .validity_rules
        .iter()
        .filter(|rule| matches!(rule.check, ValidityCheck::TooFast { .. }))
        .map(|rule| rule.id.as_str())
        .collect();
    let before = stored(&db, "Frühjahr 2024").await;
    let after = stored(&db, "Kopie 2024").await;
    assert_eq!(before.len(), after.len());
    let mut too_fast = 0;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.0, &b.1, &b.2, &b.3, &b.4, &b.5),
            (&a.0, &a.1, &a.2, &a.3, &a.4, &a.5)
        );
        let expected: Vec<&str> =
            b.6.split(',')
                .filter(|flag| !flag.is_empty() && !timed.contains(flag))
                .collect();
        too_fast += usize::from(b.6.split(',').any(|flag| timed.contains(&flag)));
        assert_eq!(a.6, expected.join(","));
    }
    assert!(
        too_fast > 0,
        "the demo has speeders, so the comparison means something"
    );
    let (sources, homes): (String, i64) = sqlx::query_as(
        r#"select group_concat(distinct source), count(home_district_id) from response r
           join wave w on w.wave_id = r.wave_id where w.name = 'Kopie 2024'"#,
    )
    .fetch_one(&pool(&db).await)
    .await
    .unwrap();
    assert_eq!((sources.as_str(), homes), ("import", 0));

    // Into a municipality that has nothing yet: everything is created.
    create_wave(&db, "Leerstadt", "Leerstadt 2027").await;
    let created = import(&db, "Leerstadt 2027", &original_path, &["--create-missing"]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(
        stdout(&created).contains("created 10 district(s), 20 school(s)"),
        "{}",
        stdout(&created)
    );
    assert_eq!(
        export(&db, "Leerstadt 2027").into_bytes(),
        original,
        "byte-identical export"
    );
    // Each new school lies in the district most of its pupils count for,
    // which in the demo is the school's own district.
    let misplaced: i64 = sqlx::query_scalar(
        r#"select count(*) from school s join district d on d.district_id = s.district_id
           join municipality m on m.municipality_id = d.municipality_id
           where m.name = 'Leerstadt'
             and s.name not like '%' || (select d2.name from district d2
                 join municipality m2 on m2.municipality_id = d2.municipality_id
                 where m2.name = 'Ruhrstadt (Demo)' and d2.code = d.code)"#,
    )
    .fetch_one(&pool(&db).await)
    .await
    .unwrap();
    assert_eq!(misplaced, 0);
}

/// The first rows of the 2024 export with tampered cells, as in a typed-in
/// paper batch with mistakes. Returns the file and the expected messages.
fn tampered_file(db: &str, dir: &Path) -> (std::path::PathBuf, Vec<String>, usize) {
    let mut table = Table::parse(&export(db, "Frühjahr 2024"));
    table.rows.truncate(12);
    table.set(0, "FAM_CONFLICT_2", "5");
    table.set(2, "FAM_CONFLICT_1", "ja");
    table.set(2, "grade", "14");
    table.set(4, "sex", "x");
    table.set(6, "district", "NOWHERE");
    table.set(8, "school", "Phantomschule");
    table.set(9, "grade", "7");
    table.set(9, "SUB_ALC_30D", "99");
    let path = dir.join("tampered.csv");
    table.write(&path);
    let expected = vec![
        "row 2, column FAM_CONFLICT_2: value 5 is not an option of response set agree4 (allowed: 1, 2, 3, 4)",
        "row 4, column grade: grade \"14\" is not a whole number from 1 to 13",
        "row 4, column FAM_CONFLICT_1: value \"ja\" is not a whole number (allowed: 1, 2, 3, 4, or empty for a skipped item)",
        "row 6, column sex: sex \"x\" is not one of female, male, diverse (or empty for no answer)",
        "row 8, column district: unknown district code \"NOWHERE\" (codes of this municipality: ALT, BRUE, HAFEN, KAIS, KANAL, LIND, NORD, OST, SUED, WEST;",
        "row 10, column school: unknown school \"Phantomschule\": no school of this name in the municipality",
        "row 11, column grade: grade 7 is not surveyed in this wave (grades: 6, 8, 10)",
        "row 11, column SUB_ALC_30D: value 99 is not an option of response set days30 (allowed: 0, 1, 2, 3, 4, 5, 6)",
    ];
    (path, expected.into_iter().map(String::from).collect(), 12)
}

#[tokio::test]
async fn a_file_with_bad_rows_is_rejected_whole_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let before = responses_of(&db, "Frühjahr 2024").await;
    let (path, expected, _) = tampered_file(&db, dir.path());

    let output = import(&db, "Frühjahr 2024", &path, &[]);
    assert!(!output.status.success());
    let report = stderr(&output);
    for message in &expected {
        assert!(
            report.contains(message.as_str()),
            "missing {message:?} in\n{report}"
        );
    }
    // In row order, one line per problem, and the whole file was refused.
    let lines: Vec<&str> = report.lines().filter(|l| l.starts_with("row ")).collect();
    assert_eq!(lines.len(), expected.len(), "{report}");
    for (line, message) in lines.iter().zip(&expected) {
        assert!(line.starts_with(message.as_str()), "{line} vs {message}");
    }
    assert!(report.contains("8 problem(s) in 6 of 12 rows"), "{report}");
    assert!(report.contains("nothing was imported"), "{report}");
    assert_eq!(responses_of(&db, "Frühjahr 2024").await, before);
}

#[tokio::test]
async fn skip_bad_rows_imports_the_good_rows_and_lists_the_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let before = responses_of(&db, "Frühjahr 2024").await;
    let (path, expected, rows) = tampered_file(&db, dir.path());

    let output = import(&db, "Frühjahr 2024", &path, &["--skip-bad-rows"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stderr(&output);
    for message in &expected {
        assert!(
            report.contains(message.as_str()),
            "missing {message:?} in\n{report}"
        );
    }
    let summary = stdout(&output);
    assert!(
        summary.contains(&format!("imported {} questionnaires", rows - 6)),
        "{summary}"
    );
    assert!(summary.contains("skipped 6 bad row(s)"), "{summary}");
    assert_eq!(responses_of(&db, "Frühjahr 2024").await, before + 6);
}

/// A header test case: name, how it breaks the file, expected messages.
type HeaderCase<'a> = (&'a str, Box<dyn Fn(&mut Table)>, Vec<&'a str>);

#[tokio::test]
async fn header_problems_reject_the_file_before_any_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let before = responses_of(&db, "Frühjahr 2026").await;
    let good = Table::parse(&export(&db, "Frühjahr 2026"));
    let path = dir.path().join("header.csv");
    let duplicate = format!(
        "header: column \"grade\" appears more than once (columns 4, {})",
        FIXED + demo_instrument().items.len() + 1
    );
    let unknown = format!(
        "header: column {} \"FAM_KONFLIKT_2\": unknown column",
        FIXED + demo_instrument().item_index("FAM_CONFLICT_2").unwrap() + 1
    );
    let cases: Vec<HeaderCase<'_>> = vec![
        (
            "unknown column",
            Box::new(|t: &mut Table| {
                let c = t.column("FAM_CONFLICT_2");
                t.header[c] = "FAM_KONFLIKT_2".into();
            }),
            vec![
                unknown.as_str(),
                "header: missing column \"FAM_CONFLICT_2\"",
            ],
        ),
        (
            "missing item column",
            Box::new(|t: &mut Table| {
                let c = t.column("HONESTY");
                t.header.remove(c);
                for row in &mut t.rows {
                    row.remove(c);
                }
            }),
            vec!["header: missing column \"HONESTY\""],
        ),
        (
            "duplicate column",
            Box::new(|t: &mut Table| {
                t.header.push("grade".into());
                for row in &mut t.rows {
                    row.push("8".into());
                }
            }),
            vec![duplicate.as_str()],
        ),
        (
            "case typo",
            Box::new(|t: &mut Table| t.header[0] = "District".into()),
            vec![
                "header: column 1 \"District\": unknown column",
                "(did you mean \"district\"?)",
                "header: missing column \"district\"",
            ],
        ),
    ];
    for (name, change, messages) in cases {
        let mut table = Table {
            header: good.header.clone(),
            rows: good.rows.iter().take(5).cloned().collect(),
        };
        // A bad row too: it must not be reported, the header comes first.
        table.set(1, "grade", "99");
        change(&mut table);
        table.write(&path);
        let output = import(&db, "Frühjahr 2026", &path, &["--skip-bad-rows"]);
        let report = stderr(&output);
        assert!(!output.status.success(), "{name} was accepted");
        for message in messages {
            assert!(
                report.contains(message),
                "{name}: missing {message:?} in\n{report}"
            );
        }
        assert!(
            !report.contains("row 3"),
            "{name}: rows were checked:\n{report}"
        );
        assert!(report.contains("nothing was imported"), "{name}: {report}");
    }
    // A semicolon-separated file from a spreadsheet gets a hint.
    std::fs::write(&path, "district;school;class;grade;sex\nNORD;;;8;\n").unwrap();
    let output = import(&db, "Frühjahr 2026", &path, &[]);
    assert!(
        stderr(&output).contains("separated by semicolons"),
        "{}",
        stderr(&output)
    );
    assert_eq!(responses_of(&db, "Frühjahr 2026").await, before);
}

#[tokio::test]
async fn create_missing_creates_districts_schools_and_classes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let good = Table::parse(&export(&db, "Frühjahr 2026"));
    let before = responses_of(&db, "Frühjahr 2026").await;
    let mut table = Table {
        header: good.header.clone(),
        rows: good.rows.iter().take(4).cloned().collect(),
    };
    for (index, (district, school, class)) in [
        ("NEU", "Neue Schule", "8n"),
        ("NORD", "Neue Schule", "8n"),
        ("NORD", "Neue Schule", ""),
        ("NORD", "Gymnasium Nordstadt", "8z"),
    ]
    .into_iter()
    .enumerate()
    {
        table.set(index, "district", district);
        table.set(index, "school", school);
        table.set(index, "class", class);
        table.set(index, "grade", "8");
    }
    // A non-UTF-8 cell (a spreadsheet's Latin-1 export) is named too.
    table.rows.push(good.rows[4].clone());
    table.set(4, "school", "LATIN1_PLACEHOLDER");
    let path = dir.path().join("new.csv");
    table.write(&path);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut bytes = text
        .replace("LATIN1_PLACEHOLDER", "S\u{1}dschule")
        .into_bytes();
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xfc; // "ü" in Latin-1
    std::fs::write(&path, &bytes).unwrap();

    let refused = import(&db, "Frühjahr 2026", &path, &[]);
    assert!(!refused.status.success());
    let report = stderr(&refused);
    for message in [
        "row 2, column district: unknown district code \"NEU\"",
        "row 2, column school: unknown school \"Neue Schule\"",
        "row 3, column school: unknown school \"Neue Schule\"",
        "row 4, column school: unknown school \"Neue Schule\"",
        "row 5, column class: unknown class \"8z\" of school \"Gymnasium Nordstadt\" in this wave",
        "row 6, column school: not valid UTF-8 text",
    ] {
        assert!(report.contains(message), "missing {message:?} in\n{report}");
    }

    // With --create-missing only the encoding problem is left; skip it.
    let output = import(
        &db,
        "Frühjahr 2026",
        &path,
        &["--create-missing", "--skip-bad-rows"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("row 6, column school: not valid UTF-8"));
    let summary = stdout(&output);
    assert!(
        summary.contains("imported 4 questionnaires")
            && summary.contains("created 1 district(s), 1 school(s), 2 class(es)"),
        "{summary}"
    );
    assert_eq!(responses_of(&db, "Frühjahr 2026").await, before + 4);

    let db = pool(&db).await;
    let district: (String, String) =
        sqlx::query_as("select code, name from district where code = 'NEU'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(district, ("NEU".into(), "NEU".into()));
    // Two of three rows naming the new school count for Nordstadt.
    let school_district: String = sqlx::query_scalar(
        "select d.code from school s join district d using (district_id) where s.name = 'Neue Schule'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(school_district, "NORD");
    let classes: Vec<(String, String, i64, i64)> = sqlx::query_as(
        r#"select s.name, c.name, c.grade, c.enrolled from school_class c
           join school s on s.school_id = c.school_id join wave w on w.wave_id = c.wave_id
           where w.name = 'Frühjahr 2026' and c.name in ('8n', '8z') order by c.name"#,
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        classes,
        vec![
            ("Neue Schule".into(), "8n".into(), 8, 0),
            ("Gymnasium Nordstadt".into(), "8z".into(), 8, 0),
        ]
    );
    // The row without a class has the school but no class.
    let classless: i64 = sqlx::query_scalar(
        r#"select count(*) from response r join school s using (school_id)
           where s.name = 'Neue Schule' and r.class_id is null and r.source = 'import'"#,
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(classless, 1);
}

#[tokio::test]
async fn unknown_waves_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let output = server(&db, &["export-responses", "--wave", "Herbst 1999"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no wave with id or name \"Herbst 1999\""));
    let path = dir.path().join("x.csv");
    std::fs::write(&path, "district,grade\n").unwrap();
    let output = import(&db, "Herbst 1999", &path, &[]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no wave with id or name"));
}
