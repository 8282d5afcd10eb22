//! `load`: the HTTP load test of the results pages (issue #11) and the
//! synthetic responses CSV it runs on. Usage: `docs/load-test.md`;
//! `scripts/load.sh` runs the whole benchmark.
//!
//! * `load generate-csv` writes a responses CSV in the format that
//!   `server import-responses` reads (docs/csv-formats.md, "Responses"),
//!   with seeded, plausible answers for an instrument file.
//! * `load districts` prints the district codes and names the CSV uses, for
//!   `server district add`.
//! * `load once` times single requests (the first one after the server
//!   started is the cold one), optionally after waiting until the wave's
//!   results are published.
//! * `load run` signs in once and lets `--concurrency` clients, released
//!   together, each send `--requests-per-client` sequential GETs; it prints
//!   errors and latency percentiles per path and overall, and a JSON line.

use anyhow::{Context, Result, bail};
use app::domain::survey::instrument::{Instrument, OutcomeGroup, ScaleKind, ValidityCheck};
use bytes::Bytes;
use clap::{Args, Parser, Subcommand};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The profile page of the whole city.
const PROFILE_PAGE: &str = "/profil/{wave}/gesamt";
/// The profile page of one district (`--district`).
const DISTRICT_PAGE: &str = "/profil/{wave}/{district}";
/// The profile CSV of the whole city.
const PROFILE_CSV: &str = "/api/csv/profile?wave={wave}&district=gesamt";

/// Load test of Quartier's results pages, and the synthetic survey data it
/// runs on (issue #11; see docs/load-test.md).
#[derive(Debug, Parser)]
#[command(name = "load", about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a responses CSV for `server import-responses --create-missing`:
    /// synthetic pupils with seeded, plausible answers to an instrument.
    GenerateCsv(GenerateArgs),
    /// Print the district codes and names that `generate-csv` uses, one
    /// `CODE<TAB>NAME` line each, for `server district add`.
    Districts {
        /// Number of districts.
        #[arg(long, default_value_t = 30)]
        districts: usize,
    },
    /// Time single GET requests, one after another on one connection; the
    /// first request after the server started is the cold one.
    Once(OnceArgs),
    /// The load test: sign in once, then `--concurrency` clients released at
    /// the same instant each send `--requests-per-client` sequential GETs.
    Run(RunArgs),
}

/// Arguments of `generate-csv`.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// Number of pupils (rows).
    #[arg(long, default_value_t = 250_000)]
    pupils: usize,
    /// Number of districts (the first ten are the demo city's, see
    /// `load districts`).
    #[arg(long, default_value_t = 30)]
    districts: usize,
    /// Surveyed grades, comma-separated.
    #[arg(long, default_value = "6,8,10,12", value_delimiter = ',')]
    grades: Vec<u8>,
    /// Schools per district.
    #[arg(long, default_value_t = 2)]
    schools_per_district: usize,
    /// Pupils per class.
    #[arg(long, default_value_t = 25)]
    class_size: usize,
    /// Share of answers left empty (skipped items).
    #[arg(long, default_value_t = 0.03)]
    missing: f64,
    /// Seed of the ChaCha8 generator: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The instrument file whose item codes and response options are used.
    #[arg(long, default_value = "instruments/demo-ctc.toml")]
    instrument: PathBuf,
    /// The CSV file to write.
    #[arg(long)]
    output: PathBuf,
}

/// Where the server is and who signs in.
#[derive(Debug, Clone, Args)]
struct Target {
    /// Base URL of the server.
    #[arg(long, env = "LOAD_BASE", default_value = "http://127.0.0.1:3000")]
    base: String,
    /// Account to sign in with (a coordinator of the wave's municipality).
    #[arg(
        long,
        env = "LOAD_EMAIL",
        default_value = "koordination@ruhrstadt.example"
    )]
    email: String,
    /// Its password (default: the demo accounts' password).
    #[arg(
        long,
        env = "LOAD_PASSWORD",
        default_value = "quartier-demo",
        hide_env_values = true
    )]
    password: String,
    /// Wave id, replaces `{wave}` in the paths.
    #[arg(long)]
    wave: i64,
    /// District code, replaces `{district}` in the paths.
    #[arg(long, default_value = "NORD")]
    district: String,
}

/// Arguments of `once`.
#[derive(Debug, Args)]
struct OnceArgs {
    #[command(flatten)]
    target: Target,
    /// Path (and query) to GET; `{wave}` and `{district}` are replaced.
    #[arg(long, default_value = PROFILE_PAGE)]
    path: String,
    /// Number of requests, sequential on one connection (the first is the
    /// cold one, the others are warm).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// First wait up to this many seconds until the server answers /healthz
    /// and the path no longer answers 409 (wave open) or 503 (results being
    /// prepared). 0 = do not wait: such an answer is an error.
    #[arg(long, default_value_t = 0)]
    wait: u64,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    target: Target,
    /// Concurrent clients (tokio tasks sharing one keep-alive pool).
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
    /// Sequential requests of each client.
    #[arg(long, default_value_t = 20)]
    requests_per_client: usize,
    /// Paths to GET, taken in turn (client c's request i gets path
    /// (c + i) mod count); `{wave}` and `{district}` are replaced. Default:
    /// the city's profile page, its profile CSV, and the profile page of
    /// `--district`.
    #[arg(long, num_args = 1..)]
    paths: Vec<String>,
    /// Untimed requests of each client before the start (opens the
    /// connections); 0 = connection set-up is part of the first requests.
    #[arg(long, default_value_t = 0)]
    warmup: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenerateCsv(args) => generate_csv(&args).map(|()| ExitCode::SUCCESS),
        Command::Districts { districts } => {
            for (code, name) in district_names(districts) {
                println!("{code}\t{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Once(args) => runtime().and_then(|rt| rt.block_on(once(&args))),
        Command::Run(args) => runtime().and_then(|rt| rt.block_on(run(&args))),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

// ---- synthetic responses -----------------------------------------------------

/// The demo city's districts (server/src/cli/demo.rs), so that the demo's
/// schools and accounts fit; further districts are numbered.
const DEMO_DISTRICTS: [(&str, &str); 10] = [
    ("ALT", "Altstadt"),
    ("NORD", "Nordstadt"),
    ("HAFEN", "Hafenviertel"),
    ("WEST", "Westfeld"),
    ("LIND", "Lindenhof"),
    ("KAIS", "Kaiserberg"),
    ("OST", "Ostpark"),
    ("SUED", "Südheide"),
    ("BRUE", "Brückenviertel"),
    ("KANAL", "Am Kanal"),
];

/// Codes and names of `count` districts: the demo city's ten, then `ST11`
/// "Stadtteil 11", `ST12` …
fn district_names(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|index| match DEMO_DISTRICTS.get(index) {
            Some((code, name)) => ((*code).to_string(), (*name).to_string()),
            None => (
                format!("ST{:02}", index + 1),
                format!("Stadtteil {:02}", index + 1),
            ),
        })
        .collect()
}

/// School names of a district: like the demo's ("Gesamtschule Nordstadt",
/// "Gymnasium Nordstadt"), then further types.
fn school_names(district: &str, count: usize) -> Vec<String> {
    const KINDS: [&str; 4] = ["Gesamtschule", "Gymnasium", "Realschule", "Hauptschule"];
    (0..count)
        .map(|index| match KINDS.get(index) {
            Some(kind) => format!("{kind} {district}"),
            None => format!("Schule {} {district}", index + 1),
        })
        .collect()
}

/// What an item's answer is generated from.
#[derive(Clone, Debug, PartialEq)]
enum Role {
    /// An item of scale `scale`; `risky_high` when a higher raw value means
    /// more risk (a risk item, or a reverse-coded protective item).
    Scale { scale: usize, risky_high: bool },
    /// An item of an outcome indicator of group `group`.
    Outcome { group: usize },
    /// The item of a dishonesty rule: these values flag the questionnaire.
    Dishonesty { flagged: Vec<i64> },
    /// The item of a fictitious-drug rule: a value of `at_least` or more
    /// flags the questionnaire.
    Fictitious { at_least: i64 },
    /// Any other item.
    Free,
}

/// An item of the instrument.
#[derive(Clone, Debug)]
struct ItemSpec {
    code: String,
    /// Option values of its response set, in order.
    values: Vec<i64>,
    /// The values as CSV cells.
    cells: Vec<String>,
    /// A count or frequency set (lowest value 0, not an agreement scale):
    /// most pupils answer the lowest option.
    skewed: bool,
    role: Role,
}

/// What the generator needs from an instrument file.
#[derive(Clone, Debug)]
struct Spec {
    /// Items in questionnaire order (the order of the CSV columns).
    items: Vec<ItemSpec>,
    /// Per scale: whether it is protective.
    protective: Vec<bool>,
    /// Number of outcome groups.
    outcome_groups: usize,
    /// `(recent, lifetime)` item pairs of inconsistency rules.
    pairs: Vec<(usize, usize)>,
}

impl Spec {
    /// Reads item codes, response options, scales, outcomes and validity
    /// rules of an instrument file (format: docs/instrument-format.md),
    /// validated by the same loader the server uses.
    fn parse(source: &str) -> Result<Spec> {
        Ok(Spec::of(&Instrument::from_toml_str(source, "instrument")?))
    }

    fn of(instrument: &Instrument) -> Spec {
        let mut items: Vec<ItemSpec> = instrument
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let set = instrument.response_set_of(index);
                let values: Vec<i64> = set.options.iter().map(|o| i64::from(o.value)).collect();
                ItemSpec {
                    code: item.code.clone(),
                    cells: values.iter().map(ToString::to_string).collect(),
                    skewed: set.min_value() == 0 && !set.id.starts_with("agree"),
                    values,
                    role: Role::Free,
                }
            })
            .collect();
        let protective: Vec<bool> = instrument
            .scales
            .iter()
            .map(|scale| scale.kind == ScaleKind::Protective)
            .collect();
        for (number, scale) in instrument.scales.iter().enumerate() {
            for &item in &scale.items {
                if items[item].role == Role::Free {
                    items[item].role = Role::Scale {
                        scale: number,
                        risky_high: protective[number] == instrument.items[item].reverse,
                    };
                }
            }
        }
        let mut groups: Vec<OutcomeGroup> = Vec::new();
        for outcome in &instrument.outcomes {
            let group = match groups.iter().position(|g| *g == outcome.group) {
                Some(position) => position,
                None => {
                    groups.push(outcome.group);
                    groups.len() - 1
                }
            };
            for &item in &outcome.items {
                if items[item].role == Role::Free {
                    items[item].role = Role::Outcome { group };
                }
            }
        }
        let mut pairs = Vec::new();
        for rule in &instrument.validity_rules {
            match &rule.check {
                ValidityCheck::Dishonesty { item, values } => {
                    items[*item].role = Role::Dishonesty {
                        flagged: values.iter().map(|&v| i64::from(v)).collect(),
                    };
                }
                ValidityCheck::FictitiousDrug { item, at_least } => {
                    items[*item].role = Role::Fictitious {
                        at_least: i64::from(*at_least),
                    };
                }
                ValidityCheck::InconsistentUse { pairs: rule_pairs } => {
                    pairs.extend_from_slice(rule_pairs);
                }
                _ => {}
            }
        }
        Spec {
            items,
            protective,
            outcome_groups: groups.len(),
            pairs,
        }
    }

    /// The CSV header: the fixed columns of the import, then every item code
    /// in questionnaire order (as `server export-responses` writes it).
    fn header(&self) -> Vec<&str> {
        ["district", "school", "class", "grade", "sex"]
            .into_iter()
            .chain(self.items.iter().map(|item| item.code.as_str()))
            .collect()
    }
}

/// Standard normal draws (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The option index of an answer with latent value `v` (higher = higher
/// raw value): an ordered logit over all options, or for a count set the
/// lowest option unless `v` is clearly high.
fn option_index(v: f64, options: usize, skewed: bool) -> usize {
    let last = options.saturating_sub(1);
    if skewed {
        if v < 0.9 {
            0
        } else {
            (1 + ((v - 0.9) / 0.55) as usize).min(last)
        }
    } else {
        let p = 1.0 / (1.0 + (-1.7 * v).exp());
        ((p * options as f64) as usize).min(last)
    }
}

/// The answer model. Each pupil has a general risk; districts and higher
/// grades shift it upward, a few districts are elevated on single scales,
/// and each scale and outcome group adds its own part. Answers are ordered
/// draws around those latent values.
struct Model {
    /// General shift per district (every fifth district, from the second,
    /// is clearly burdened).
    district_burden: Vec<f64>,
    /// Extra shift per district and scale.
    district_scale: Vec<Vec<f64>>,
    /// Position of each grade among the surveyed ones (0 = youngest).
    grade_step: Vec<f64>,
}

impl Model {
    fn new(rng: &mut ChaCha8Rng, spec: &Spec, districts: usize, grades: usize) -> Model {
        let district_burden = (0..districts)
            .map(|d| 0.2 * normal(rng) + if d % 5 == 1 { 0.45 } else { 0.0 })
            .collect();
        let district_scale = (0..districts)
            .map(|_| {
                (0..spec.protective.len())
                    .map(|_| if rng.random::<f64>() < 0.12 { 0.6 } else { 0.0 })
                    .collect()
            })
            .collect();
        Model {
            district_burden,
            district_scale,
            grade_step: (0..grades).map(|g| g as f64).collect(),
        }
    }

    /// The option index of every item for one pupil (`None` = skipped).
    fn answers(
        &self,
        rng: &mut ChaCha8Rng,
        spec: &Spec,
        district: usize,
        grade: usize,
        missing: f64,
    ) -> Vec<Option<usize>> {
        let general = normal(rng) + self.district_burden[district];
        let step = self.grade_step[grade];
        let scales: Vec<f64> = spec
            .protective
            .iter()
            .enumerate()
            .map(|(s, &protective)| {
                // In risk units: protective scales are mostly high, i.e.
                // low risk.
                let base = if protective { -0.5 } else { -0.6 };
                0.55 * (general + 0.15 * step)
                    + self.district_scale[district][s]
                    + 0.75 * normal(rng)
                    + base
            })
            .collect();
        let outcomes: Vec<f64> = (0..spec.outcome_groups)
            .map(|_| 0.6 * general + 0.35 * step + 0.7 * normal(rng) - 1.1)
            .collect();
        let mut answers: Vec<Option<usize>> = spec
            .items
            .iter()
            .map(|item| {
                let options = item.values.len();
                let index = match &item.role {
                    Role::Scale { scale, risky_high } => {
                        let sign = if *risky_high { 1.0 } else { -1.0 };
                        option_index(
                            sign * scales[*scale] + 0.6 * normal(rng),
                            options,
                            item.skewed,
                        )
                    }
                    Role::Outcome { group } => {
                        option_index(outcomes[*group] + 0.6 * normal(rng), options, item.skewed)
                    }
                    Role::Dishonesty { flagged } => {
                        let honest: Vec<usize> = (0..options)
                            .filter(|&o| !flagged.contains(&item.values[o]))
                            .collect();
                        let dishonest: Vec<usize> = (0..options)
                            .filter(|&o| flagged.contains(&item.values[o]))
                            .collect();
                        let draw = rng.random::<f64>();
                        if (draw < 0.005 || honest.is_empty()) && !dishonest.is_empty() {
                            dishonest[rng.random_range(0..dishonest.len())]
                        } else if draw < 0.85 || honest.len() == 1 {
                            honest[honest.len() - 1]
                        } else {
                            honest[rng.random_range(0..honest.len())]
                        }
                    }
                    Role::Fictitious { at_least } => {
                        let lowest = (0..options)
                            .min_by_key(|&o| item.values[o])
                            .unwrap_or_default();
                        if rng.random::<f64>() < 0.003 {
                            (0..options)
                                .find(|&o| item.values[o] >= *at_least)
                                .unwrap_or(lowest)
                        } else {
                            lowest
                        }
                    }
                    Role::Free => option_index(normal(rng), options, item.skewed),
                };
                Some(index)
            })
            .collect();
        // Use reported for the last 30 days but "never" in life: most
        // pupils answer consistently (1 % do not, and are flagged).
        for &(recent, lifetime) in &spec.pairs {
            let value = |item: usize, answers: &[Option<usize>]| {
                answers[item].map(|o| spec.items[item].values[o])
            };
            if matches!(
                (value(recent, &answers), value(lifetime, &answers)),
                (Some(r), Some(0)) if r > 0
            ) && rng.random::<f64>() >= 0.01
            {
                let life = &spec.items[lifetime];
                let first_use = (0..life.values.len())
                    .find(|&o| life.values[o] > 0)
                    .unwrap_or_default();
                let recent_index = answers[recent].unwrap_or_default();
                answers[lifetime] = Some(recent_index.clamp(first_use, life.values.len() - 1));
            }
        }
        // 1 % stop early (and are flagged as answering too few questions);
        // everybody skips single items now and then.
        let stop = if rng.random::<f64>() < 0.01 {
            (spec.items.len() as f64 * (0.2 + 0.25 * rng.random::<f64>())) as usize
        } else {
            spec.items.len()
        };
        for (position, answer) in answers.iter_mut().enumerate() {
            if position >= stop || rng.random::<f64>() < missing {
                *answer = None;
            }
        }
        answers
    }
}

/// A CSV cell, quoted if it holds a comma, quote or line break (RFC 4180).
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn generate_csv(args: &GenerateArgs) -> Result<()> {
    let started = Instant::now();
    if args.districts == 0 || args.schools_per_district == 0 || args.class_size == 0 {
        bail!("--districts, --schools-per-district and --class-size must be at least 1");
    }
    if args.grades.is_empty() || args.grades.iter().any(|g| !(1..=13).contains(g)) {
        bail!("--grades must be grades from 1 to 13");
    }
    if !(0.0..1.0).contains(&args.missing) {
        bail!("--missing must be a share from 0 to below 1");
    }
    let source = std::fs::read_to_string(&args.instrument)
        .with_context(|| format!("cannot read {}", args.instrument.display()))?;
    let spec = Spec::parse(&source)
        .with_context(|| format!("instrument {}", args.instrument.display()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let model = Model::new(&mut rng, &spec, args.districts, args.grades.len());
    let districts = district_names(args.districts);
    let schools: Vec<Vec<String>> = districts
        .iter()
        .map(|(_, name)| {
            school_names(name, args.schools_per_district)
                .iter()
                .map(|s| csv_cell(s))
                .collect()
        })
        .collect();

    let file = std::fs::File::create(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "{}", spec.header().join(","))?;
    // Pupils so far per district × school × grade: fills the classes.
    let mut seats: HashMap<(usize, usize, usize), usize> = HashMap::new();
    let mut flagged_like = 0usize;
    for pupil in 0..args.pupils {
        let district = rng.random_range(0..args.districts);
        let school = rng.random_range(0..args.schools_per_district);
        let grade = rng.random_range(0..args.grades.len());
        let seat = seats.entry((district, school, grade)).or_default();
        let class = *seat / args.class_size + 1;
        *seat += 1;
        let sex = match rng.random::<f64>() {
            x if x < 0.48 => "female",
            x if x < 0.96 => "male",
            x if x < 0.98 => "diverse",
            _ => "",
        };
        let answers = model.answers(&mut rng, &spec, district, grade, args.missing);
        if answers.iter().filter(|a| a.is_none()).count() * 2 > answers.len() {
            flagged_like += 1;
        }
        let grade = args.grades[grade];
        write!(
            out,
            "{},{},{grade}-{class:02},{grade},{sex}",
            csv_cell(&districts[district].0),
            schools[district][school],
        )?;
        for (item, answer) in spec.items.iter().zip(&answers) {
            out.write_all(b",")?;
            if let Some(option) = answer {
                out.write_all(item.cells[*option].as_bytes())?;
            }
        }
        out.write_all(b"\n")?;
        if (pupil + 1) % 50_000 == 0 {
            eprintln!("generated {} of {} pupils …", pupil + 1, args.pupils);
        }
    }
    out.flush()?;
    let classes = seats
        .values()
        .map(|&pupils| pupils.div_ceil(args.class_size))
        .sum::<usize>();
    println!(
        "wrote {} pupils ({} items each, {} districts, {} schools, {} classes; {} stopped early) to {} in {:.1} s",
        args.pupils,
        spec.items.len(),
        args.districts,
        args.districts * args.schools_per_district,
        classes,
        flagged_like,
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---- HTTP ----------------------------------------------------------------------

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// A keep-alive client that keeps up to `pool` idle connections.
fn http_client(pool: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(pool.max(1))
        .pool_idle_timeout(Duration::from_secs(90))
        .build(connector)
}

/// Signs in through the sign-in form and returns the session cookie.
async fn sign_in(target: &Target) -> Result<String> {
    e2e::sign_in(base(target), &target.email, &target.password)
        .await
        .with_context(|| {
            format!(
                "signing in as {} (wrong e-mail or password, or throttled?)",
                target.email
            )
        })
}

fn base(target: &Target) -> &str {
    target.base.trim_end_matches('/')
}

/// `path` with `{wave}` and `{district}` replaced.
fn expand(path: &str, target: &Target) -> String {
    path.replace("{wave}", &target.wave.to_string())
        .replace("{district}", &target.district)
}

/// One timed request.
#[derive(Clone, Debug)]
struct Sample {
    /// Index of the path.
    path: usize,
    /// Status code; 0 = no response (connection error).
    status: u16,
    /// From sending the request to the last byte of the body.
    latency: Duration,
    /// Body size.
    bytes: usize,
    /// For failures: the start of the body, or the connection error.
    detail: Option<String>,
}

/// GETs `url` with the session cookie, reading the whole body, and times it.
async fn fetch(client: &HttpClient, url: &http::Uri, cookie: &str, path: usize) -> Sample {
    let request = http::Request::get(url.clone())
        .header(http::header::COOKIE, cookie)
        .header(http::header::USER_AGENT, "quartier-load")
        .body(Empty::new());
    let started = Instant::now();
    let outcome = async {
        let response = client.request(request?).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok::<_, anyhow::Error>((status, body))
    }
    .await;
    let latency = started.elapsed();
    match outcome {
        Ok((status, body)) => Sample {
            path,
            status,
            latency,
            bytes: body.len(),
            detail: (status != 200).then(|| body_start(&String::from_utf8_lossy(&body))),
        },
        Err(error) => Sample {
            path,
            status: 0,
            latency,
            bytes: 0,
            detail: Some(format!("{error:#}")),
        },
    }
}

/// The start of a response body for an error message: the text of an HTML
/// page's `<main>` (tags removed), or the plain text.
fn body_start(body: &str) -> String {
    let text = match body.find("<main") {
        Some(start) => {
            let mut text = String::new();
            let mut in_tag = false;
            for c in body[start..].chars() {
                match c {
                    '<' => {
                        in_tag = true;
                        text.push(' ');
                    }
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        }
        None => body.to_string(),
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut start = words.join(" ");
    if let Some((cut, _)) = start.char_indices().nth(200) {
        start.truncate(cut);
        start.push('…');
    }
    start
}

fn uri(target: &Target, path: &str) -> Result<http::Uri> {
    let url = format!("{}{}", base(target), expand(path, target));
    url.parse().with_context(|| format!("bad URL {url}"))
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Waits until the server answers /healthz, then until `url` answers
/// something other than 409 or 503; returns the seconds waited.
async fn wait_until_published(
    client: &HttpClient,
    target: &Target,
    url: &http::Uri,
    cookie: &mut Option<String>,
    seconds: u64,
) -> Result<f64> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let health = uri(target, "/healthz")?;
    loop {
        let sample = fetch(client, &health, "", 0).await;
        if sample.status == 200 {
            break;
        }
        if Instant::now() > deadline {
            bail!("the server did not answer /healthz within {seconds} s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let session = match cookie {
        Some(session) => session.clone(),
        None => cookie.insert(sign_in(target).await?).clone(),
    };
    let mut last = 0;
    let mut polls = 0usize;
    loop {
        let sample = fetch(client, url, &session, 0).await;
        polls += 1;
        match sample.status {
            200 => {
                let waited = started.elapsed().as_secs_f64();
                if polls > 1 {
                    eprintln!("published after {waited:.1} s ({} polls)", polls - 1);
                }
                return Ok(waited);
            }
            409 | 503 | 0 => {
                if sample.status != last {
                    eprintln!(
                        "waiting: {url} answers {} ({})",
                        sample.status,
                        sample.detail.as_deref().unwrap_or("")
                    );
                    last = sample.status;
                }
            }
            other => bail!(
                "{url} answered {other}: {}",
                sample.detail.as_deref().unwrap_or("")
            ),
        }
        if Instant::now() > deadline {
            bail!("{url} still answers {last} after {seconds} s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn once(args: &OnceArgs) -> Result<ExitCode> {
    let target = &args.target;
    let url = uri(target, &args.path)?;
    let client = http_client(1);
    let mut cookie = None;
    let mut waited = None;
    let mut samples = Vec::new();
    if args.wait > 0 {
        waited = Some(wait_until_published(&client, target, &url, &mut cookie, args.wait).await?);
    }
    let cookie = match cookie {
        Some(cookie) => cookie,
        None => sign_in(target).await?,
    };
    for attempt in 0..args.repeat.max(1) {
        let sample = fetch(&client, &url, &cookie, 0).await;
        println!(
            "GET {} → {} in {:.1} ms ({} bytes){}",
            expand(&args.path, target),
            sample.status,
            millis(sample.latency),
            sample.bytes,
            if attempt == 0 { " [first]" } else { "" }
        );
        if let Some(detail) = &sample.detail {
            println!("  {detail}");
        }
        samples.push(sample);
    }
    let line = serde_json::json!({
        "kind": "load-once",
        "base": base(target),
        "wave": target.wave,
        "path": expand(&args.path, target),
        "wait_s": waited,
        "status": samples.iter().map(|s| s.status).collect::<Vec<_>>(),
        "latency_ms": samples.iter().map(|s| round(millis(s.latency))).collect::<Vec<_>>(),
        "bytes": samples.first().map_or(0, |s| s.bytes),
    });
    println!("{line}");
    Ok(if samples.iter().all(|s| s.status == 200) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn run(args: &RunArgs) -> Result<ExitCode> {
    let target = &args.target;
    if args.concurrency == 0 || args.requests_per_client == 0 {
        bail!("--concurrency and --requests-per-client must be at least 1");
    }
    let paths: Vec<String> = if args.paths.is_empty() {
        vec![
            PROFILE_PAGE.to_string(),
            PROFILE_CSV.to_string(),
            DISTRICT_PAGE.to_string(),
        ]
    } else {
        args.paths.clone()
    };
    let urls = Arc::new(
        paths
            .iter()
            .map(|path| uri(target, path))
            .collect::<Result<Vec<_>>>()?,
    );
    let cookie: Arc<str> = sign_in(target).await?.into();
    let client = http_client(args.concurrency);
    let barrier = Arc::new(tokio::sync::Barrier::new(args.concurrency + 1));
    let mut tasks = Vec::with_capacity(args.concurrency);
    for task in 0..args.concurrency {
        let (client, urls, cookie, barrier) = (
            client.clone(),
            urls.clone(),
            cookie.clone(),
            barrier.clone(),
        );
        let (requests, warmup) = (args.requests_per_client, args.warmup);
        tasks.push(tokio::spawn(async move {
            for i in 0..warmup {
                let path = (task + i) % urls.len();
                fetch(&client, &urls[path], &cookie, path).await;
            }
            barrier.wait().await;
            let mut samples = Vec::with_capacity(requests);
            for i in 0..requests {
                let path = (task + i) % urls.len();
                samples.push(fetch(&client, &urls[path], &cookie, path).await);
            }
            samples
        }));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut samples = Vec::with_capacity(args.concurrency * args.requests_per_client);
    for task in tasks {
        samples.extend(task.await.context("a client task failed")?);
    }
    let wall = started.elapsed();

    let failures: Vec<&Sample> = samples.iter().filter(|s| s.status != 200).collect();
    for sample in failures.iter().take(5) {
        println!(
            "error: GET {} → {} after {:.1} ms: {}",
            expand(&paths[sample.path], target),
            sample.status,
            millis(sample.latency),
            sample.detail.as_deref().unwrap_or("")
        );
    }
    if failures.len() > 5 {
        println!("… and {} more errors", failures.len() - 5);
    }

    let mut rows: Vec<(String, Summary)> = paths
        .iter()
        .enumerate()
        .map(|(index, path)| {
            let of_path: Vec<&Sample> = samples.iter().filter(|s| s.path == index).collect();
            (expand(path, target), Summary::of(&of_path, wall))
        })
        .collect();
    let all: Vec<&Sample> = samples.iter().collect();
    let overall = Summary::of(&all, wall);
    rows.push(("all".to_string(), overall.clone()));

    println!(
        "{} clients × {} requests against {}, wave {}, in {:.2} s (latency: successful requests, full body read; nearest rank)",
        args.concurrency,
        args.requests_per_client,
        base(target),
        target.wave,
        wall.as_secs_f64()
    );
    let width = rows.iter().map(|(p, _)| p.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<width$} {:>8} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "path", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "bytes"
    );
    let ms = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.1}", millis(d)));
    for (path, s) in &rows {
        println!(
            "{path:<width$} {:>8} {:>6} {:>8.1} {:>9} {:>9} {:>9} {:>9} {:>10}",
            s.requests,
            s.errors,
            s.throughput,
            ms(s.p50),
            ms(s.p90),
            ms(s.p99),
            ms(s.max),
            s.mean_bytes
        );
    }
    let line = serde_json::json!({
        "kind": "load-run",
        "base": base(target),
        "wave": target.wave,
        "concurrency": args.concurrency,
        "requests_per_client": args.requests_per_client,
        "warmup": args.warmup,
        "wall_s": round(wall.as_secs_f64()),
        "results": rows.iter().map(|(path, s)| s.json(path)).collect::<Vec<_>>(),
    });
    println!("{line}");
    Ok(if overall.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Counts and latency percentiles of some samples.
#[derive(Clone, Debug, PartialEq)]
struct Summary {
    requests: usize,
    errors: usize,
    /// Requests per second of the whole run's wall time.
    throughput: f64,
    p50: Option<Duration>,
    p90: Option<Duration>,
    p99: Option<Duration>,
    max: Option<Duration>,
    /// Mean body size of the successful requests.
    mean_bytes: usize,
}

impl Summary {
    fn of(samples: &[&Sample], wall: Duration) -> Summary {
        let mut ok: Vec<Duration> = samples
            .iter()
            .filter(|s| s.status == 200)
            .map(|s| s.latency)
            .collect();
        ok.sort_unstable();
        let bytes: usize = samples
            .iter()
            .filter(|s| s.status == 200)
            .map(|s| s.bytes)
            .sum();
        Summary {
            requests: samples.len(),
            errors: samples.len() - ok.len(),
            throughput: samples.len() as f64 / wall.as_secs_f64().max(1e-9),
            p50: percentile(&ok, 50.0),
            p90: percentile(&ok, 90.0),
            p99: percentile(&ok, 99.0),
            max: ok.last().copied(),
            mean_bytes: bytes.checked_div(ok.len()).unwrap_or(0),
        }
    }

    fn json(&self, path: &str) -> serde_json::Value {
        let ms = |d: Option<Duration>| d.map(|d| round(millis(d)));
        serde_json::json!({
            "path": path,
            "requests": self.requests,
            "errors": self.errors,
            "throughput_rps": round(self.throughput),
            "p50_ms": ms(self.p50),
            "p90_ms": ms(self.p90),
            "p99_ms": ms(self.p99),
            "max_ms": ms(self.max),
            "mean_bytes": self.mean_bytes,
        })
    }
}

/// Nearest-rank percentile of sorted samples: the smallest sample with at
/// least `p` % of the samples at or below it.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The demo instrument.
    fn demo_instrument() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../instruments/demo-ctc.toml")
    }

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 90.0), Some(Duration::from_millis(90)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(99)));
        let few = ms(&[10, 20, 30]);
        assert_eq!(percentile(&few, 50.0), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&few, 99.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&few, 0.0), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summaries_count_errors_and_time_only_successes() {
        let sample = |status, latency| Sample {
            path: 0,
            status,
            latency: Duration::from_millis(latency),
            bytes: 10,
            detail: None,
        };
        let samples = [sample(200, 5), sample(503, 1), sample(200, 7), sample(0, 2)];
        let refs: Vec<&Sample> = samples.iter().collect();
        let s = Summary::of(&refs, Duration::from_secs(2));
        assert_eq!((s.requests, s.errors), (4, 2));
        assert_eq!(s.throughput, 2.0);
        assert_eq!(s.p50, Some(Duration::from_millis(5)));
        assert_eq!(s.max, Some(Duration::from_millis(7)));
        assert_eq!(s.mean_bytes, 10);
    }

    #[test]
    fn form_values_and_csv_cells_are_escaped() {
        assert_eq!(
            e2e::form_encode("koordination@ruhrstadt.example"),
            "koordination%40ruhrstadt.example"
        );
        assert_eq!(e2e::form_encode("a b&c=ü"), "a+b%26c%3D%C3%BC");
        assert_eq!(csv_cell("Gymnasium Nordstadt"), "Gymnasium Nordstadt");
        assert_eq!(csv_cell("Schule \"A\", Nord"), "\"Schule \"\"A\"\", Nord\"");
    }

    #[test]
    fn error_bodies_are_shortened_to_their_text() {
        assert_eq!(
            body_start(
                "<html><head><title>x</title></head><body><main id=\"main\"><h1>Noch nicht</h1>\n<p>Die Welle läuft.</p></main></body></html>"
            ),
            "Noch nicht Die Welle läuft."
        );
        assert_eq!(
            body_start("results are\n being prepared"),
            "results are being prepared"
        );
        assert_eq!(body_start(&"ü".repeat(300)).chars().count(), 201);
    }

    #[test]
    fn districts_start_with_the_demo_city() {
        let names = district_names(12);
        assert_eq!(names[1], ("NORD".to_string(), "Nordstadt".to_string()));
        assert_eq!(names[10], ("ST11".to_string(), "Stadtteil 11".to_string()));
        assert_eq!(
            school_names("Nordstadt", 3),
            [
                "Gesamtschule Nordstadt",
                "Gymnasium Nordstadt",
                "Realschule Nordstadt"
            ]
        );
    }

    #[test]
    fn the_demo_instrument_is_read_with_its_roles() {
        let source = std::fs::read_to_string(demo_instrument()).unwrap();
        let spec = Spec::parse(&source).unwrap();
        assert_eq!(spec.items.len(), 167);
        assert_eq!(
            spec.header()[..6],
            ["district", "school", "class", "grade", "sex", "COM_MOVE_1"]
        );
        let role = |code: &str| &spec.items.iter().find(|i| i.code == code).unwrap().role;
        assert_eq!(role("HONESTY"), &Role::Dishonesty { flagged: vec![1] });
        assert_eq!(role("SUB_DERBISOL_LIFE"), &Role::Fictitious { at_least: 1 });
        // FAM_MGMT_1 is a reverse-coded item of a risk scale: a high raw
        // value (parents know) means low risk.
        assert!(matches!(
            role("FAM_MGMT_1"),
            Role::Scale {
                risky_high: false,
                ..
            }
        ));
        assert!(matches!(
            role("COM_DISORG_1"),
            Role::Scale {
                risky_high: true,
                ..
            }
        ));
        assert!(!spec.pairs.is_empty());
    }

    #[test]
    fn answers_are_options_of_their_items_and_mostly_consistent() {
        let source = std::fs::read_to_string(demo_instrument()).unwrap();
        let spec = Spec::parse(&source).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let model = Model::new(&mut rng, &spec, 30, 4);
        let mut inconsistent = 0;
        let mut missing = 0;
        let pupils = 2_000;
        for pupil in 0..pupils {
            let answers = model.answers(&mut rng, &spec, pupil % 30, pupil % 4, 0.03);
            assert_eq!(answers.len(), spec.items.len());
            for (item, answer) in spec.items.iter().zip(&answers) {
                if let Some(option) = answer {
                    assert!(*option < item.values.len());
                }
            }
            missing += answers.iter().filter(|a| a.is_none()).count();
            let value = |i: usize| answers[i].map(|o| spec.items[i].values[o]);
            if spec
                .pairs
                .iter()
                .any(|&(r, l)| matches!((value(r), value(l)), (Some(r), Some(0)) if r > 0))
            {
                inconsistent += 1;
            }
        }
        let share = missing as f64 / (pupils * spec.items.len()) as f64;
        assert!((0.03..0.06).contains(&share), "missing share {share}");
        assert!(inconsistent < pupils / 20, "{inconsistent} inconsistent");
    }
}
