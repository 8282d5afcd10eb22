//! The analysis pipeline at city scale (numbers in `docs/performance.md`):
//! 250,000 synthetic pupils × 150 items, 40 scales (25 risk, 15 protective)
//! and 5 outcome indicators, broken down by 30 districts × 4 grades × 2 sexes.
//!
//! ```text
//! cargo bench -p app --features ssr --bench profile
//! ```
//!
//! * `analysis_250k/aggregate`: score every pupil and build the cube.
//! * `analysis_250k/profile_table`: suppression, intervals and comparisons
//!   on a prebuilt cube.
//! * `analysis_250k/full_profile`: both, from the answers in memory.
//! * `analysis_250k/tally_strata`: the answers per district × grade × sex ×
//!   school type that publication stores for weighting.
//! * `analysis_250k/weighted_profile`: the weighted table a first weighted
//!   page request builds from the table and the tallies.
//! * `storage_250k/read_wave`: read the wave back from a SQLite file.
//! * `storage_250k/insert_all`: insert all 250,000 responses in one
//!   transaction, as `import-responses` does (rolled back after each
//!   iteration, so the file does not grow).
//! * `publication_250k/rebuild`: what closing the wave does: read, publish
//!   (aggregate, profile, quality), encode and store the result.
//! * `publication_250k/cold_load`: what the first request after a rebuild
//!   does: read the stored result and decode it.
//! * `publication_250k/profile_csv`: what a profile CSV request does with
//!   the decoded result in memory: select the group, write the CSV.
//! * `storage_250k/export_profile`: what `server export-profile` does: find
//!   the wave, load the instrument, read, aggregate, build the table and
//!   write the CSV (into a sink).
//!
//! The data are generated from a fixed seed, so every run measures the same
//! work. Setup (generating the pupils, filling the database) is not timed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use app::analysis::{publication, wave_profile};
use app::domain::analysis::aggregate::{AggregateOptions, Cube, Dimension, Respondent, aggregate};
use app::domain::analysis::profile::ProfileOptions;
use app::domain::analysis::published::PublishedWave;
use app::domain::analysis::report::{ReportOptions, build_profile_table, default_cut_point_set};
use app::domain::analysis::scoring::ScoringPlan;
use app::domain::analysis::weighting::{
    PopulationCounts, StratumKey, tally_strata, weighted_profile,
};
use app::domain::survey::instrument::Instrument;
use app::domain::survey::respondent::{Grade, Sex};
use app::export::{GroupNames, write_profile_csv};
use app::storage::survey::responses::{NewResponse, ResponseSource, StoredResponse};
use app::storage::waves::{DistrictRule, NewWave, WaveId, WaveRow};
use app::storage::{self, Db, geography, survey::instruments, survey::responses, waves};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PUPILS: usize = 250_000;
const DISTRICTS: i64 = 30;
const GRADES: [u8; 4] = [6, 8, 10, 12];
const RISK_SCALES: usize = 25;
const PROTECTIVE_SCALES: usize = 15;
/// Outcome indicators, two frequency items each.
const OUTCOMES: usize = 5;
const DOMAINS: [&str; 4] = ["community", "family", "school", "peer_individual"];
const BREAKDOWN: [Dimension; 3] = [Dimension::District, Dimension::Grade, Dimension::Sex];
const WAVE_NAME: &str = "Benchmark 2026";
const SEED: u64 = 0x5155_4152_5449_4552; // "QUARTIER"

/// Share of unanswered items and of questionnaires passing validity.
const MISSING: f64 = 0.03;
const VALID: f64 = 0.95;

/// Items of scale `s`: 4 for even, 3 for odd scales (140 in all), so that
/// with the 10 outcome items the instrument has 150 items.
fn scale_items(s: usize) -> usize {
    if s.is_multiple_of(2) { 4 } else { 3 }
}

/// The synthetic instrument as TOML: 150 items on 5 pages, 40 mean-scored
/// scales with cut point 2.5 spread over the four domains, 5 outcome
/// indicators on a 0..3 frequency set, one validity rule.
fn instrument_toml() -> String {
    let mut toml = String::from(
        r#"[instrument]
id = "bench"
version = "2026.1"
title = { de = "Benchmark-Fragebogen" }
languages = ["de"]
demonstration = true

[demographics]
ask_sex = true

[[response_sets]]
id = "agree4"
options = [
  { value = 1, label = { de = "NEIN!" } },
  { value = 2, label = { de = "nein" } },
  { value = 3, label = { de = "ja" } },
  { value = 4, label = { de = "JA!" } },
]

[[response_sets]]
id = "freq4"
options = [
  { value = 0, label = { de = "nie" } },
  { value = 1, label = { de = "1-2 Mal" } },
  { value = 2, label = { de = "3-9 Mal" } },
  { value = 3, label = { de = "10 Mal oder öfter" } },
]

[[validity_rules]]
id = "incomplete"
kind = "too_few_answered"
label = { de = "Zu wenig beantwortet" }
min_share = 0.5
"#,
    );
    let scales = RISK_SCALES + PROTECTIVE_SCALES;
    let item_code = |s: usize, i: usize| format!("S{s:02}_{i}");
    for (d, domain) in DOMAINS.iter().enumerate() {
        let _ = write!(
            toml,
            "\n[[pages]]\nid = \"{domain}\"\ntitle = {{ de = \"{domain}\" }}\n"
        );
        for s in (0..scales).filter(|s| s % DOMAINS.len() == d) {
            for i in 0..scale_items(s) {
                let _ = write!(
                    toml,
                    "\n[[pages.items]]\ncode = \"{}\"\ntext = {{ de = \"Frage {s}.{i}\" }}\n\
                     response_set = \"agree4\"\nreverse = {}\n",
                    item_code(s, i),
                    i == 2,
                );
            }
        }
    }
    toml.push_str("\n[[pages]]\nid = \"outcomes\"\ntitle = { de = \"Verhalten\" }\n");
    for o in 0..OUTCOMES {
        for i in 0..2 {
            let _ = write!(
                toml,
                "\n[[pages.items]]\ncode = \"OUT{o}_{i}\"\ntext = {{ de = \"Wie oft {o}.{i}?\" }}\n\
                 response_set = \"freq4\"\n"
            );
        }
    }
    for s in 0..scales {
        let (kind, number) = if s < RISK_SCALES {
            ("risk", s)
        } else {
            ("protective", s - RISK_SCALES)
        };
        let items = (0..scale_items(s))
            .map(|i| format!("\"{}\"", item_code(s, i)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            toml,
            "\n[[scales]]\nid = \"{kind}_{number:02}\"\nkind = \"{kind}\"\ndomain = \"{}\"\n\
             label = {{ de = \"Skala {s}\" }}\nitems = [{items}]\nmin_answered = 2\n\
             cut_point = 2.5\n",
            DOMAINS[s % DOMAINS.len()],
        );
    }
    for o in 0..OUTCOMES {
        let _ = write!(
            toml,
            "\n[[outcomes]]\nid = \"outcome_{o}\"\ngroup = \"substance_use\"\n\
             label = {{ de = \"Verhalten {o}\" }}\nitems = [\"OUT{o}_0\", \"OUT{o}_1\"]\n\
             at_least = 1\n"
        );
    }
    toml
}

/// One synthetic questionnaire.
struct Pupil {
    district: i64,
    /// Classes of 25 respondents within district × grade, in order of
    /// generation, so the cube's class accounting does real work.
    class: i64,
    grade: u8,
    sex: Sex,
    answers: Vec<u8>,
    valid: bool,
}

/// `PUPILS` questionnaires from a fixed seed. Districts and grades differ in
/// how often they give the higher answers, so the comparisons have real
/// differences to find.
fn pupils(instrument: &Instrument) -> Vec<Pupil> {
    let frequency: Vec<bool> = instrument
        .items
        .iter()
        .map(|item| instrument.response_sets[item.response_set].id == "freq4")
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut seen: BTreeMap<(i64, usize), i64> = BTreeMap::new();
    (0..PUPILS)
        .map(|_| {
            let district = rng.random_range(1..=DISTRICTS);
            let grade_index = rng.random_range(0..GRADES.len());
            let count = seen.entry((district, grade_index)).or_default();
            let class = (district * 10 + grade_index as i64) * 10_000 + *count / 25;
            *count += 1;
            let sex = if rng.random_bool(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            let shift = 0.04 * (district % 5) as f64 + 0.03 * grade_index as f64;
            let answers = frequency
                .iter()
                .map(|&is_frequency| {
                    if rng.random_bool(MISSING) {
                        0
                    } else if is_frequency {
                        if rng.random_bool(0.75 - shift) {
                            1
                        } else {
                            rng.random_range(2..=4)
                        }
                    } else {
                        let byte = rng.random_range(1..=4_u8);
                        if byte < 4 && rng.random_bool(shift) {
                            byte + 1
                        } else {
                            byte
                        }
                    }
                })
                .collect();
            Pupil {
                district,
                class,
                grade: GRADES[grade_index],
                sex,
                answers,
                valid: rng.random_bool(VALID),
            }
        })
        .collect()
}

fn respondents(pupils: &[Pupil]) -> impl Iterator<Item = Respondent<'_>> {
    pupils.iter().map(|pupil| Respondent {
        class: Some(pupil.class),
        district: pupil.district,
        school: None,
        grade: pupil.grade,
        sex: Some(pupil.sex),
        answers: &pupil.answers,
        valid: pupil.valid,
    })
}

fn cube_of(instrument: &Instrument, pupils: &[Pupil]) -> Cube {
    aggregate(
        instrument,
        respondents(pupils),
        &BREAKDOWN,
        AggregateOptions::default(),
    )
}

/// Benchmarks of the pure domain pipeline on answers held in memory.
fn bench_domain(c: &mut Criterion) {
    let source = instrument_toml();
    let instrument = Instrument::from_toml_str(&source, "bench.toml").expect("valid instrument");
    let started = Instant::now();
    let pupils = pupils(&instrument);
    let generated = started.elapsed();
    let cube = cube_of(&instrument, &pupils);
    let cut_points = default_cut_point_set(&instrument);
    let options = ReportOptions::default();
    let table = build_profile_table(&instrument, &cube, &cut_points, &options).expect("additive");
    let factor_cells = table.groups.len() * table.factors.len();
    let shown = table
        .groups
        .iter()
        .flat_map(|group| &group.factors)
        .filter(|cell| cell.is_shown())
        .count();
    eprintln!(
        "setup: {} items, {} scales, {} outcomes; {} pupils ({} counted) generated in \
         {generated:.1?}; cube of {} cells, table of {} groups × {} factors ({shown} cells shown)",
        instrument.items.len(),
        instrument.scales.len(),
        instrument.outcomes.len(),
        pupils.len(),
        cube.total().respondents,
        cube.cells().len(),
        table.groups.len(),
        table.factors.len(),
    );

    let mut group = c.benchmark_group("analysis_250k");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(PUPILS as u64));
    group.bench_function("aggregate", |b| {
        b.iter(|| cube_of(black_box(&instrument), black_box(&pupils)));
    });
    group.bench_function("full_profile", |b| {
        b.iter(|| {
            let cube = cube_of(black_box(&instrument), black_box(&pupils));
            build_profile_table(&instrument, &cube, &cut_points, &options).expect("additive")
        });
    });
    // The table's work grows with its cells (groups × factors), not pupils.
    group.throughput(Throughput::Elements(factor_cells as u64));
    group.bench_function("profile_table", |b| {
        b.iter(|| {
            build_profile_table(
                black_box(&instrument),
                black_box(&cube),
                &cut_points,
                &options,
            )
            .expect("additive")
        });
    });
    // Weighting: the tallies publication stores, and the weighted table a
    // first `?gewichtet=1` request builds (then cached per wave).
    let school_types: BTreeMap<i64, String> = (1..=DISTRICTS)
        .flat_map(|district| {
            ["Gymnasium", "Gesamtschule", "Realschule"]
                .into_iter()
                .enumerate()
                .map(move |(i, t)| (district * 10 + i as i64, t.to_string()))
        })
        .collect();
    let with_schools = || {
        respondents(&pupils).map(|r| Respondent {
            school: Some(r.district * 10 + r.class.unwrap_or(0) % 3),
            ..r
        })
    };
    let plan = ScoringPlan::new(&instrument);
    group.throughput(Throughput::Elements(PUPILS as u64));
    group.bench_function("tally_strata", |b| {
        b.iter(|| tally_strata(&instrument, &plan, with_schools(), black_box(&school_types)));
    });
    let tallies = tally_strata(&instrument, &plan, with_schools(), &school_types);
    let population = PopulationCounts {
        pupils: ["Gymnasium", "Gesamtschule", "Realschule"]
            .into_iter()
            .zip([30_000, 45_000, 20_000])
            .flat_map(|(t, pupils)| {
                GRADES.iter().map(move |&grade| {
                    (
                        StratumKey {
                            school_type: t.to_string(),
                            grade,
                        },
                        pupils,
                    )
                })
            })
            .collect(),
    };
    group.throughput(Throughput::Elements(factor_cells as u64));
    group.bench_function("weighted_profile", |b| {
        b.iter(|| {
            weighted_profile(
                black_box(&table),
                black_box(&tallies),
                &population,
                &ProfileOptions::default(),
            )
        });
    });
    group.finish();
}

/// A SQLite file holding the wave; deleted when dropped.
struct StoredWave {
    _dir: tempfile::TempDir,
    db: Db,
    wave: WaveId,
    batch: Vec<NewResponse>,
}

/// Creates the database, stores the instrument, 30 districts, one wave and
/// every pupil's response (one `insert_all` transaction, as an import does).
async fn store_wave(instrument: &Instrument, source: &str, pupils: &[Pupil]) -> StoredWave {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let db = storage::connect(&url).await.expect("opens");
    storage::migrate(&db).await.expect("migrates");
    let instrument_id = instruments::store(&db, instrument, source)
        .await
        .expect("stores the instrument")
        .id();
    let municipality = geography::ensure_municipality(&db, None, "Benchstadt")
        .await
        .expect("municipality");
    let mut districts = Vec::new();
    for d in 1..=DISTRICTS {
        let id = geography::ensure_district(
            &db,
            municipality,
            &format!("B{d:02}"),
            &format!("Bezirk {d}"),
        )
        .await
        .expect("district");
        districts.push(id);
    }
    let grades: Vec<Grade> = GRADES
        .iter()
        .map(|&g| Grade::new(g).expect("grade"))
        .collect();
    let wave = waves::create(
        &db,
        &NewWave {
            municipality,
            name: WAVE_NAME,
            instrument: instrument_id,
            opens_on: "2026-02-01",
            closes_on: "2026-03-31",
            grades: &grades,
            district_rule: DistrictRule::School,
        },
    )
    .await
    .expect("wave");
    let batch: Vec<NewResponse> = pupils
        .iter()
        .map(|pupil| NewResponse {
            wave,
            instrument: instrument_id,
            district: districts[usize::try_from(pupil.district - 1).expect("district index")],
            school: None,
            class: None,
            home_district: None,
            grade: pupil.grade,
            sex: Some(pupil.sex),
            answers: pupil.answers.clone(),
            validity_flags: if pupil.valid {
                Vec::new()
            } else {
                vec!["incomplete".to_string()]
            },
            source: ResponseSource::Import,
        })
        .collect();
    responses::insert_all(&db, &batch)
        .await
        .expect("inserts the responses");
    StoredWave {
        _dir: dir,
        db,
        wave,
        batch,
    }
}

/// What `server export-profile --wave … --by district,grade,sex` does,
/// writing the CSV into `out`.
async fn export_profile(db: &Db, out: impl std::io::Write) {
    let wave: WaveRow = waves::find(db, WAVE_NAME)
        .await
        .expect("reads")
        .expect("wave exists");
    let table = wave_profile(db, &wave, &BREAKDOWN, false, &ReportOptions::default())
        .await
        .expect("profile");
    let names = GroupNames {
        districts: geography::districts(db, wave.municipality_id)
            .await
            .expect("districts")
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: BTreeMap::new(),
    };
    write_profile_csv(out, &wave.name, &table, &names, "de").expect("writes the CSV");
}

/// Heap bytes held by a read wave (row structs, answer vectors, flags).
fn heap_bytes(rows: &Vec<StoredResponse>) -> usize {
    rows.capacity() * size_of::<StoredResponse>()
        + rows
            .iter()
            .map(|row| {
                row.answers.capacity()
                    + row.validity_flags.capacity() * size_of::<String>()
                    + row
                        .validity_flags
                        .iter()
                        .map(String::capacity)
                        .sum::<usize>()
            })
            .sum::<usize>()
}

/// Resident set size of this process in MiB, from `/proc` (Linux only).
fn resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Benchmarks that read the wave from a SQLite file.
fn bench_storage(c: &mut Criterion) {
    let source = instrument_toml();
    let instrument = Instrument::from_toml_str(&source, "bench.toml").expect("valid instrument");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let stored = {
        let pupils = pupils(&instrument);
        let started = Instant::now();
        let stored = runtime.block_on(store_wave(&instrument, &source, &pupils));
        eprintln!(
            "setup: inserted {} responses in {:.1?}",
            pupils.len(),
            started.elapsed()
        );
        stored
    };
    let (db, wave) = (&stored.db, stored.wave);

    let before = resident_mib();
    let started = Instant::now();
    let rows = runtime
        .block_on(responses::read_wave(db, wave))
        .expect("reads");
    let read_time = started.elapsed();
    let after = resident_mib();
    eprintln!(
        "setup: read {} responses in {read_time:.1?}; they hold {:.1} MiB on the heap \
         (resident set {:.0} → {:.0} MiB)",
        rows.len(),
        heap_bytes(&rows) as f64 / (1024.0 * 1024.0),
        before.unwrap_or(f64::NAN),
        after.unwrap_or(f64::NAN),
    );
    drop(rows);
    let mut csv = Vec::new();
    runtime.block_on(export_profile(db, &mut csv));
    eprintln!(
        "setup: the profile CSV has {} bytes, {} lines",
        csv.len(),
        csv.iter().filter(|&&b| b == b'\n').count()
    );

    let mut group = c.benchmark_group("storage_250k");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(PUPILS as u64));
    group.bench_function("read_wave", |b| {
        b.iter(|| {
            runtime
                .block_on(responses::read_wave(db, black_box(wave)))
                .expect("reads")
        });
    });
    group.bench_function("export_profile", |b| {
        b.iter(|| runtime.block_on(export_profile(db, std::io::sink())));
    });
    group.bench_function("insert_all", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut tx = db.begin().await.expect("begins");
                responses::insert_many(&mut tx, black_box(&stored.batch))
                    .await
                    .expect("inserts");
                tx.rollback().await.expect("rolls back");
            })
        });
    });
    group.finish();

    let wave_row: WaveRow = runtime
        .block_on(waves::find(db, WAVE_NAME))
        .expect("reads")
        .expect("wave exists");
    let started = Instant::now();
    runtime
        .block_on(publication::rebuild(db, &wave_row, &mut |_| {}))
        .expect("rebuilds");
    let (_, payload) = runtime
        .block_on(storage::analysis::results::load(db, wave))
        .expect("reads")
        .expect("stored");
    eprintln!(
        "setup: first rebuild took {:.1?}; the stored result has {:.1} MiB",
        started.elapsed(),
        payload.len() as f64 / (1024.0 * 1024.0)
    );
    let published = runtime
        .block_on(publication::published(db, &wave_row))
        .expect("published");
    let names = GroupNames {
        districts: runtime
            .block_on(geography::districts(db, wave_row.municipality_id))
            .expect("districts")
            .into_iter()
            .map(|d| (d.district_id, (d.code, d.name)))
            .collect(),
        schools: BTreeMap::new(),
    };
    let mut group = c.benchmark_group("publication_250k");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("rebuild", |b| {
        b.iter(|| {
            runtime
                .block_on(publication::rebuild(db, &wave_row, &mut |_| {}))
                .expect("rebuilds")
        });
    });
    group.bench_function("cold_load", |b| {
        b.iter(|| {
            let (_, payload) = runtime
                .block_on(storage::analysis::results::load(db, black_box(wave)))
                .expect("reads")
                .expect("stored");
            PublishedWave::decode(&payload).expect("decodes")
        });
    });
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("profile_csv", |b| {
        let table = &published.profile;
        let key = app::domain::analysis::aggregate::GroupKey::TOTAL;
        b.iter(|| {
            let one = app::domain::analysis::report::ProfileTable {
                groups: table
                    .groups
                    .iter()
                    .filter(|g| g.key == black_box(key))
                    .cloned()
                    .collect(),
                factors: table.factors.clone(),
                versions: table.versions.clone(),
                breakdown: table.breakdown.clone(),
                reference_label: table.reference_label.clone(),
                min_group_size: table.min_group_size,
                responses_read: table.responses_read,
                excluded_flagged: table.excluded_flagged,
                weighting: table.weighting.clone(),
            };
            let mut out = Vec::new();
            write_profile_csv(&mut out, WAVE_NAME, &one, &names, "de").expect("writes");
            out
        });
    });
    group.finish();
}

criterion_group!(benches, bench_domain, bench_storage);
criterion_main!(benches);
