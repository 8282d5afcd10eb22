//! The CLI against real SQLite files: demo data, instrument import with
//! broken files, profile export.

mod common;
use common::{database, server};

async fn count(database: &str, table: &str) -> i64 {
    let db = app::storage::connect(database).await.expect("opens");
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&db)
        .await
        .expect("counts")
}

#[tokio::test]
async fn demo_loads_a_city_with_two_waves_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());

    let first = server(&db, &["demo"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    assert_eq!(count(&db, "municipality").await, 1);
    assert_eq!(count(&db, "district").await, 10);
    assert_eq!(count(&db, "school").await, 20);
    assert_eq!(count(&db, "wave").await, 2);
    let responses = count(&db, "response").await;
    assert!((3_000..6_000).contains(&responses), "{responses} responses");
    // Both waves have classes in grades 6, 8 and 10 only.
    let grades: Vec<i64> =
        sqlx::query_scalar("select distinct grade from school_class order by grade")
            .fetch_all(&app::storage::connect(&db).await.unwrap())
            .await
            .unwrap();
    assert_eq!(grades, vec![6, 8, 10]);

    let again = server(&db, &["demo"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already loaded"));
    assert_eq!(count(&db, "response").await, responses);
}

/// Broken instrument files: each is rejected with file, line and key, and
/// nothing is stored.
#[tokio::test]
async fn import_instrument_rejects_broken_files_precisely_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let valid = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../instruments/demo-ctc.toml"
    ))
    .unwrap();

    let line_of = |needle: &str| valid.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let syntax_location = format!("syntax.toml:{}:", line_of("[instrument]"));
    let domain_location = format!("bad_domain.toml:{}:", line_of(r#"domain = "family""#));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "syntax.toml",
            valid.replacen("[instrument]", "[instrument", 1),
            &syntax_location,
        ),
        (
            "unknown_item.toml",
            valid.replacen(
                r#"items = ["FAM_CONFLICT_1""#,
                r#"items = ["FAM_CONFLICT_X""#,
                1,
            ),
            "FAM_CONFLICT_X",
        ),
        (
            "missing_english.toml",
            valid.replacen(r#"en = "Family conflict""#, r#"fr = "Conflit familial""#, 1),
            "en",
        ),
        (
            "bad_domain.toml",
            valid.replacen(r#"domain = "family""#, r#"domain = "familie""#, 1),
            &domain_location,
        ),
    ];
    for (name, source, expected) in cases {
        assert_ne!(source, valid, "{name}: the test case must change the file");
        let path = dir.path().join(name);
        std::fs::write(&path, &source).unwrap();
        let output = server(&db, &["import-instrument", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name} was accepted");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{name}: expected {expected:?} in {stderr}"
        );
        // Every error line names file:line:column.
        let located = stderr
            .lines()
            .filter(|l| l.contains(&format!("{name}:")))
            .count();
        assert!(located >= 1, "{stderr}");
    }
    assert_eq!(count(&db, "instrument").await, 0);

    // The valid file is stored once; the same file again changes nothing.
    let path = dir.path().join("valid.toml");
    std::fs::write(&path, &valid).unwrap();
    let stored = server(&db, &["import-instrument", path.to_str().unwrap()]);
    assert!(
        stored.status.success(),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    let again = server(&db, &["import-instrument", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already stored"));
    // A changed file under the same version is refused.
    let changed = valid.replacen("Konflikte in der Familie", "Familienkonflikte", 1);
    std::fs::write(&path, &changed).unwrap();
    let refused = server(&db, &["import-instrument", path.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("new version"));
    assert_eq!(count(&db, "instrument").await, 1);
}

#[tokio::test]
async fn export_profile_writes_one_row_per_group_and_factor() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());

    let output = server(
        &db,
        &[
            "export-profile",
            "--wave",
            "Frühjahr 2026",
            "--by",
            "district",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8(output.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        app::export::PROFILE_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let instrument = app::domain::survey::instrument::Instrument::from_toml_str(
        include_str!("../../instruments/demo-ctc.toml"),
        "demo",
    )
    .unwrap();
    let factors = app::domain::analysis::report::profile_factors(&instrument).len();
    // City total + 10 districts.
    assert_eq!(rows.len(), 11 * factors);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Nordstadt's family conflict is elevated in the demo data.
    let nord = rows
        .iter()
        .find(|r| &r[column("district_code")] == "NORD" && &r[column("factor")] == "fam_conflict")
        .expect("Nordstadt family conflict row");
    let percent: f64 = nord[column("percent")].parse().unwrap();
    let reference: f64 = nord[column("reference_percent")].parse().unwrap();
    assert!(percent > reference, "{percent} vs {reference}");
    // The demo's pupils cluster in classes: the interval is the Wilson
    // interval on the effective sample size n / deff, wider than the
    // simple-random-sampling one.
    let number = |name: &str| -> f64 { nord[column(name)].parse().unwrap() };
    let deff = number("design_effect");
    assert!(deff > 1.2 && deff < 4.0, "design effect {deff}");
    let counts = app::domain::analysis::stats::Proportion {
        count: nord[column("count")].parse().unwrap(),
        n: nord[column("n")].parse().unwrap(),
    };
    let clustered = counts
        .wilson_interval_with_design_effect(deff, 0.95)
        .unwrap();
    assert!((number("ci_lower") - 100.0 * clustered.lower).abs() < 1e-9);
    assert!((number("ci_upper") - 100.0 * clustered.upper).abs() < 1e-9);
    let simple = counts.wilson95().unwrap();
    assert!(clustered.lower < simple.lower && clustered.upper > simple.upper);
    // Full precision: the tested difference and its interval, unrounded.
    let tested = number("tested_difference_points");
    assert!(number("tested_difference_ci_lower") < tested);
    assert!(nord[column("tested_difference_points")].len() > 6);

    // Bad arguments fail with a precise message.
    let bad = server(&db, &["export-profile", "--wave", "Herbst 1999"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no wave with id or name"));
    let small_k = server(
        &db,
        &["export-profile", "--wave", "1", "--min-group-size", "5"],
    );
    assert!(!small_k.status.success());
}

#[tokio::test]
async fn quality_and_calibration_exports_cover_every_scale() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());
    let instrument = app::domain::survey::instrument::Instrument::from_toml_str(
        include_str!("../../instruments/demo-ctc.toml"),
        "demo",
    )
    .unwrap();

    let quality = server(&db, &["export-quality", "--wave", "Frühjahr 2024"]);
    assert!(
        quality.status.success(),
        "{}",
        String::from_utf8_lossy(&quality.stderr)
    );
    let text = String::from_utf8(quality.stdout).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let section = |name: &str| rows.iter().filter(|r| &r[0] == name).count();
    assert_eq!(section("cronbach_alpha"), instrument.scales.len());
    assert_eq!(section("item_missing_share"), instrument.items.len());
    // Per profile factor the class clustering: an ICC in the range school
    // surveys report, about 22 pupils per class (25 enrolled, nine in ten
    // take part; a class splits over its pupils' home districts) and the
    // city total's design effect that follows.
    let factors = app::domain::analysis::report::profile_factors(&instrument);
    for name in [
        "intraclass_correlation",
        "weighted_class_size",
        "design_effect_city",
    ] {
        assert_eq!(section(name), factors.len(), "{name}");
    }
    let value = |name: &str, id: &str| -> f64 {
        rows.iter()
            .find(|r| &r[0] == name && &r[1] == id)
            .unwrap_or_else(|| panic!("{name} {id}"))[3]
            .parse()
            .unwrap()
    };
    let icc = value("intraclass_correlation", "fam_conflict");
    let size = value("weighted_class_size", "fam_conflict");
    let deff = value("design_effect_city", "fam_conflict");
    assert!(icc > 0.01 && icc < 0.15, "ICC {icc}");
    assert!(size > 15.0 && size < 25.0, "class size {size}");
    assert!((deff - (1.0 + (size - 1.0) * icc)).abs() < 1e-9, "{deff}");
    // Exclusions per rule add up to at least the excluded questionnaires.
    let excluded: u64 = rows.iter().find(|r| &r[1] == "excluded").unwrap()[3]
        .parse()
        .unwrap();
    let per_rule: u64 = rows
        .iter()
        .filter(|r| &r[0] == "exclusions")
        .map(|r| r[3].parse::<u64>().unwrap())
        .sum();
    assert!(excluded > 0 && per_rule >= excluded);

    let calibration = server(
        &db,
        &[
            "calibrate",
            "--wave",
            "Frühjahr 2024",
            "--outcome",
            "alcohol_30d",
        ],
    );
    assert!(
        calibration.status.success(),
        "{}",
        String::from_utf8_lossy(&calibration.stderr)
    );
    let text = String::from_utf8(calibration.stdout).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    // Every scale with a cut point, in each of the three grades, has the
    // instrument's candidate.
    let with_cut = instrument
        .scales
        .iter()
        .filter(|s| s.cut_point.is_some())
        .count();
    assert_eq!(
        rows.iter().filter(|r| &r[4] == "instrument").count(),
        3 * with_cut
    );
    let unknown = server(&db, &["calibrate", "--wave", "1", "--outcome", "no_such"]);
    assert!(!unknown.status.success());
}

#[tokio::test]
async fn export_profile_compares_with_imported_norms() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());
    let norms = dir.path().join("norms.csv");
    std::fs::write(
        &norms,
        "factor,grade,percent\nfam_conflict,,20\nfam_conflict,8,30\n",
    )
    .unwrap();

    let output = server(
        &db,
        &[
            "export-profile",
            "--wave",
            "Frühjahr 2026",
            "--by",
            "grade",
            "--norms",
            norms.to_str().unwrap(),
            "--norm-label",
            "Landesbefragung 2025",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let conflict = |grade: &str| {
        rows.iter()
            .find(|r| &r[column("factor")] == "fam_conflict" && &r[column("grade")] == grade)
            .unwrap()
            .clone()
    };
    // The grade-specific norm wins over the all-grades one; the city total
    // is compared with the norm too.
    assert_eq!(&conflict("8")[column("reference_percent")], "30");
    assert_eq!(&conflict("6")[column("reference_percent")], "20");
    assert_eq!(
        &conflict("ALL")[column("reference")],
        "Landesbefragung 2025"
    );
    // Factors without a norm are not compared.
    let other = rows
        .iter()
        .find(|r| &r[column("factor")] == "com_disorganisation")
        .unwrap();
    assert_eq!(&other[column("reference")], "");

    // A bad norms file names the line.
    std::fs::write(&norms, "factor,grade,percent\nfam_conflict,,120\n").unwrap();
    let bad = server(
        &db,
        &[
            "export-profile",
            "--wave",
            "1",
            "--norms",
            norms.to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("row 2, column percent"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[tokio::test]
async fn export_trend_shows_the_planted_fall_of_family_conflict_in_nordstadt() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());

    let output = server(&db, &["export-trend", "--municipality", "Ruhrstadt (Demo)"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        app::export::TREND_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let instrument = app::domain::survey::instrument::Instrument::from_toml_str(
        include_str!("../../instruments/demo-ctc.toml"),
        "demo",
    )
    .unwrap();
    let factors = app::domain::analysis::report::profile_factors(&instrument).len();
    // City total and 10 districts, each factor, two waves.
    assert_eq!(rows.len(), 11 * factors * 2);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let series: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[column("district_code")] == "NORD" && &r[column("factor")] == "fam_conflict")
        .collect();
    assert_eq!(series.len(), 2);
    // The first wave has no change; the second a significant fall whose
    // interval lies below zero.
    assert_eq!(&series[0][column("change_previous_points")], "");
    let change: f64 = series[1][column("change_previous_points")].parse().unwrap();
    let upper: f64 = series[1][column("change_previous_ci_upper")]
        .parse()
        .unwrap();
    assert!(change < 0.0 && upper < 0.0, "{change} {upper}");
    assert_eq!(&series[1][column("change_previous_significant")], "true");

    let unknown = server(&db, &["export-trend", "--municipality", "Atlantis"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no municipality named"));
}

#[tokio::test]
async fn a_calibrated_cut_point_set_is_stored_chosen_for_a_wave_and_named_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    assert!(server(&db, &["demo"]).status.success());
    let run = |args: &[&str]| {
        let output = server(&db, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let saved = run(&[
        "cut-points",
        "save",
        "--wave",
        "Frühjahr 2026",
        "--name",
        "kalibriert-2026",
        "--candidate",
        "rule",
    ]);
    assert!(
        saved.contains("stored cut-point set \"kalibriert-2026 v1\""),
        "{saved}"
    );
    let again = run(&[
        "cut-points",
        "save",
        "--wave",
        "Frühjahr 2026",
        "--name",
        "kalibriert-2026",
        "--candidate",
        "youden",
    ]);
    assert!(again.contains("\"kalibriert-2026 v2\""), "{again}");
    let listed = run(&["cut-points", "list", "--wave", "Frühjahr 2026"]);
    assert!(listed.contains("* default"), "{listed}");
    assert!(listed.contains("  kalibriert-2026 v1"), "{listed}");

    // An unknown set is refused and changes nothing.
    let unknown = server(
        &db,
        &[
            "cut-points",
            "use",
            "--wave",
            "Frühjahr 2026",
            "--set",
            "nope v9",
        ],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no cut-point set \"nope v9\""));
    assert!(run(&["cut-points", "list", "--wave", "Frühjahr 2026"]).contains("* default"));

    let profile = |wave: &str| {
        let text = run(&["export-profile", "--wave", wave, "--by", "district"]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        (header, rows)
    };
    let (header, before) = profile("Frühjahr 2026");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(before[0][column("cut_point_set")].ends_with("/default"));

    let used = run(&[
        "cut-points",
        "use",
        "--wave",
        "Frühjahr 2026",
        "--set",
        "kalibriert-2026 v2",
    ]);
    assert!(
        used.contains("uses the cut points \"kalibriert-2026 v2\""),
        "{used}"
    );
    assert!(
        run(&["cut-points", "list", "--wave", "Frühjahr 2026"]).contains("* kalibriert-2026 v2")
    );
    let (_, after) = profile("Frühjahr 2026");
    assert!(
        after
            .iter()
            .all(|r| &r[column("cut_point_set")] == "kalibriert-2026 v2")
    );
    // On the demo's 2026 wave the Youden-optimal family-conflict cut points
    // of grades 8 and 10 lie below the instrument's (1.667 and 2.25 against
    // 2.5, `server calibrate`): more pupils at risk.
    let city = |rows: &[csv::StringRecord], factor: &str| -> f64 {
        rows.iter()
            .find(|r| &r[column("district_code")] == "ALL" && &r[column("factor")] == factor)
            .unwrap()[column("percent")]
        .parse()
        .unwrap()
    };
    let calibrated = city(&after, "fam_conflict");
    assert!(
        calibrated > city(&before, "fam_conflict") + 5.0,
        "{calibrated}"
    );

    // The published trend names the sets and warns about the change.
    let trend = run(&["export-trend", "--municipality", "Ruhrstadt (Demo)"]);
    assert!(
        trend.contains("cut points differ (ctc-demo-2026.1/default → kalibriert-2026 v2)"),
        "no warning in the trend"
    );

    run(&[
        "cut-points",
        "use",
        "--wave",
        "Frühjahr 2026",
        "--set",
        "default",
    ]);
    let (_, reverted) = profile("Frühjahr 2026");
    assert_eq!(
        city(&reverted, "fam_conflict"),
        city(&before, "fam_conflict")
    );
}
