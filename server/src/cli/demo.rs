//! `server demo`: a fictional city with synthetic pupils whose answers come
//! from a seeded model, so that district profiles look like a real city's.
//!
//! The model is generic over the instrument: it reads scales, outcome
//! indicators and validity rules from the demo instrument and never names an
//! item code. Each pupil has a latent general risk; each district adds an
//! effect per scale (a few districts are clearly elevated on a few factors);
//! item answers are ordered-probit draws around the scale's latent value.
//! Each class adds a shared shift (SD [`CLASS_EFFECT_SD`]), so that answers
//! cluster in classes as in real schools (intra-class correlations of a few
//! percent, design effects around 1.5–2 for a district).

use anyhow::Context;
use app::domain::access::Role;
use app::domain::survey::instrument::{Instrument, ScaleKind, ValidityCheck};
use app::domain::survey::respondent::{Grade, Sex};
use app::domain::survey::validity::flagging_rules;
use app::storage::geography::{DistrictId, SchoolId};
use app::storage::survey::responses::{NewResponse, ResponseSource};
use app::storage::survey::{instruments, responses};
use app::storage::waves::{DistrictRule, NewWave, WaveId};
use app::storage::{Db, geography, waves};
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the synthetic answers; the same seed gives the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Pupils enrolled per class (about nine in ten take part).
    #[arg(long, default_value_t = 25)]
    pub class_size: u32,
}

/// The demo instrument ships inside the binary so `server demo` works from
/// any directory.
pub const DEMO_INSTRUMENT: &str = include_str!("../../../instruments/demo-ctc.toml");

const MUNICIPALITY: &str = "Ruhrstadt (Demo)";

const REGION: &str = "Sicherheitskooperation Ruhr (Demo)";

const GRADES: [u8; 3] = [6, 8, 10];

/// SD of a class's shared shift of every latent. With the pupils' own
/// variation this gives intra-class correlations of the flags of about
/// 0.02–0.06, the range school surveys report for risk factors.
const CLASS_EFFECT_SD: f64 = 0.2;

/// A fictional district with its general burden and the scales on which it
/// stands out (scale id fragments, matched against the instrument's scales).
struct DemoDistrict {
    code: &'static str,
    name: &'static str,
    /// Shift of the general risk latent (positive = more burdened).
    burden: f64,
    /// Scale id fragments with an extra shift of that scale's latent.
    elevated: &'static [(&'static str, f64)],
}

const DISTRICTS: [DemoDistrict; 10] = [
    DemoDistrict {
        code: "ALT",
        name: "Altstadt",
        burden: 0.0,
        elevated: &[("com_drug_availability", 0.6)],
    },
    DemoDistrict {
        code: "NORD",
        name: "Nordstadt",
        burden: 0.45,
        elevated: &[
            ("fam_conflict", 0.7),
            ("com_disorganisation", 0.8),
            ("fam_management", 0.5),
        ],
    },
    DemoDistrict {
        code: "HAFEN",
        name: "Hafenviertel",
        burden: 0.35,
        elevated: &[
            ("pi_antisocial_peers", 0.7),
            ("pi_rewards_antisocial", 0.6),
            ("pi_gang", 0.6),
        ],
    },
    DemoDistrict {
        code: "WEST",
        name: "Westfeld",
        burden: -0.1,
        elevated: &[],
    },
    DemoDistrict {
        code: "LIND",
        name: "Lindenhof",
        burden: -0.45,
        elevated: &[],
    },
    DemoDistrict {
        code: "KAIS",
        name: "Kaiserberg",
        burden: -0.3,
        elevated: &[("pi_low_perceived_risk", 0.5)],
    },
    DemoDistrict {
        code: "OST",
        name: "Ostpark",
        burden: 0.15,
        elevated: &[("sch_low_commitment", 0.7), ("sch_academic_failure", 0.6)],
    },
    DemoDistrict {
        code: "SUED",
        name: "Südheide",
        burden: -0.2,
        elevated: &[],
    },
    DemoDistrict {
        code: "BRUE",
        name: "Brückenviertel",
        burden: 0.25,
        elevated: &[("com_low_attachment", 0.6), ("com_transitions", 0.7)],
    },
    DemoDistrict {
        code: "KANAL",
        name: "Am Kanal",
        burden: 0.05,
        elevated: &[("pi_attitudes_drugs", 0.5), ("pi_friends_drug_use", 0.6)],
    },
];

const SCHOOLS: [(&str, &str); 2] = [("Gesamtschule", "Gesamtschule"), ("Gymnasium", "Gymnasium")];

/// One wave of the demo. In the later wave family conflict fell in Nordstadt,
/// as if a family program had worked there (for the program-outcome views).
struct DemoWave {
    name: &'static str,
    opens_on: &'static str,
    closes_on: &'static str,
    /// Scale fragment, district code, shift.
    changes: &'static [(&'static str, &'static str, f64)],
}

const WAVES: [DemoWave; 2] = [
    DemoWave {
        name: "Frühjahr 2024",
        opens_on: "2024-03-04",
        closes_on: "2024-04-26",
        changes: &[],
    },
    DemoWave {
        name: "Frühjahr 2026",
        opens_on: "2026-03-02",
        closes_on: "2026-04-24",
        changes: &[
            ("fam_conflict", "NORD", -0.9),
            ("fam_management", "NORD", -0.3),
            ("pi_antisocial_peers", "HAFEN", 0.2),
        ],
    },
];

/// Loads the demo data unless the demo city exists already.
pub async fn load(db: &Db, args: &DemoArgs) -> anyhow::Result<()> {
    if geography::find_municipality(db, MUNICIPALITY)
        .await?
        .is_some()
    {
        println!("demo data already loaded ({MUNICIPALITY}); nothing changed");
        return Ok(());
    }
    let instrument = Instrument::from_toml_str(DEMO_INSTRUMENT, "instruments/demo-ctc.toml")
        .map_err(|errors| anyhow::anyhow!("the shipped demo instrument is invalid:\n{errors}"))?;
    let instrument_id = instruments::store(db, &instrument, DEMO_INSTRUMENT)
        .await?
        .id();

    let municipality = geography::ensure_municipality(db, Some(REGION), MUNICIPALITY).await?;
    let mut districts = Vec::new();
    let mut schools = Vec::new();
    for district in &DISTRICTS {
        let id = geography::ensure_district(db, municipality, district.code, district.name).await?;
        districts.push(id);
        for (short, kind) in SCHOOLS {
            let name = format!("{short} {}", district.name);
            schools.push((
                geography::ensure_school(db, id, &name, Some(kind)).await?,
                districts.len() - 1,
            ));
        }
    }

    let model = Model::new(&instrument);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let grades: Vec<Grade> = GRADES.iter().filter_map(|&g| Grade::new(g).ok()).collect();
    let mut total = 0usize;
    let mut wave_ids = Vec::new();
    for wave in &WAVES {
        let wave_id = waves::create(
            db,
            &NewWave {
                municipality,
                name: wave.name,
                instrument: instrument_id,
                opens_on: wave.opens_on,
                closes_on: wave.closes_on,
                grades: &grades,
                district_rule: DistrictRule::HomeElseSchool,
            },
        )
        .await?;
        wave_ids.push(wave_id);
        let batch = generate_wave(
            db,
            &model,
            &mut rng,
            wave,
            wave_id,
            instrument_id,
            &schools,
            &districts,
            args.class_size,
        )
        .await
        .with_context(|| format!("generating wave {}", wave.name))?;
        total += batch.len();
        responses::insert_all(db, &batch).await?;
        let flagged = batch
            .iter()
            .filter(|r| !r.validity_flags.is_empty())
            .count();
        println!(
            "wave {}: {} questionnaires ({flagged} flagged by validity rules)",
            wave.name,
            batch.len()
        );
    }
    let first_school = schools.first().map(|(id, _)| *id);
    demo_catalog(db).await?;
    demo_norms(db, &instrument.id).await?;
    demo_indicators(db, municipality).await?;
    demo_accounts(db, municipality, first_school).await?;
    demo_population(db, &wave_ids).await?;
    // Both demo waves are closed: publish them now, so that the first page
    // a visitor opens has results.
    for outcome in app::analysis::publication::refresh(db).await? {
        let rebuilt = outcome?;
        println!(
            "published the results of wave {} ({} questionnaires)",
            rebuilt.wave_id, rebuilt.responses
        );
    }
    println!(
        "demo data loaded: {MUNICIPALITY} with {} districts, {} schools, {} waves, {total} questionnaires",
        districts.len(),
        schools.len(),
        WAVES.len()
    );
    println!("demo accounts (password for all: {DEMO_PASSWORD}):");
    for (email, _, role) in DEMO_ACCOUNTS {
        println!("  {email:<32} {role}");
    }
    Ok(())
}

/// The demo program catalog, written for Quartier (not registry entries).
const DEMO_CATALOG: &str = include_str!("../../../catalog/demo-programs.csv");

async fn demo_catalog(db: &Db) -> anyhow::Result<()> {
    let known = crate::tables::known_factors(db).await?;
    let catalog = crate::tables::read_catalog(DEMO_CATALOG, &known)
        .context("the shipped demo catalog is invalid")?;
    let (added, _) = app::storage::planning::programs::upsert_catalog(db, &catalog).await?;
    println!("demo program catalog: {added} programs (fictional, marked as demo)");
    Ok(())
}

/// Fictional reference values for the demo instrument, so the demo can show
/// a profile against "the state": the demo city's 2024 figures shifted by a
/// few points per factor (no real survey's numbers).
const DEMO_NORMS: &str = include_str!("../../../norms/demo-land.csv");

/// Key of the demo norm set.
pub const DEMO_NORM_KEY: &str = "demo-land";

async fn demo_norms(db: &Db, instrument_key: &str) -> anyhow::Result<()> {
    use app::domain::analysis::norms::{NormKey, parse_norms};
    let (instrument_key, known) =
        crate::tables::instrument_factors(db, Some(instrument_key)).await?;
    let (header, rows) = crate::tables::split_csv(DEMO_NORMS)?;
    let values =
        parse_norms(&header, &rows, &known).context("the shipped demo norms are invalid")?;
    let key = NormKey::parse(DEMO_NORM_KEY)?;
    app::storage::analysis::norms::store(
        db,
        &app::storage::analysis::norms::NewNormSet {
            key: &key,
            label: "Landesvergleich (Demo, fiktiv)",
            source: "Fiktive Vergleichswerte für die Demonstration – keine Daten einer echten Befragung",
            instrument_key: &instrument_key,
            values: &values,
        },
        true,
    )
    .await?;
    println!(
        "demo reference values: {DEMO_NORM_KEY} ({} values, fictional)",
        values.len()
    );
    Ok(())
}

/// The demo indicator catalogue, written for Quartier: every source says
/// the values are fictional.
const DEMO_INDICATOR_CATALOGUE: &str = include_str!("../../../indicators/demo-catalogue.csv");

/// Years of the demo indicator values.
const INDICATOR_YEARS: std::ops::RangeInclusive<u16> = 2021..=2025;

/// City-wide level of each demo indicator in the first year.
const INDICATOR_LEVELS: [(&str, f64); 6] = [
    ("residential_mobility", 95.0),
    ("waste_complaints", 6.0),
    ("youth_welfare_cases", 28.0),
    ("youth_offences", 48.0),
    ("youth_unemployment", 7.5),
    ("children_in_benefit_households", 21.0),
];

/// The district that gets worse every year in the demo (for the early
/// warning): complaints, youth offences and youth-welfare cases rise.
pub const DEMO_WORSENING_DISTRICT: &str = "HAFEN";

/// Fictional yearly values per district and for the city. A district's
/// level follows its burden; years wobble by at most ±2 % (a fixed
/// pattern, not random draws, so the demo never flags a district by
/// chance); Hafenviertel worsens on three indicators, strongest in the
/// last year.
fn demo_indicator_values() -> Vec<app::domain::indicators::IndicatorValue> {
    use app::domain::indicators::{IndicatorValue, Period};
    let worsening = ["waste_complaints", "youth_offences", "youth_welfare_cases"];
    let mut values = Vec::new();
    for (indicator_index, (key, level)) in INDICATOR_LEVELS.iter().enumerate() {
        for year in INDICATOR_YEARS {
            let step = f64::from(year - INDICATOR_YEARS.start());
            let mut sum = 0.0;
            for (district_index, district) in DISTRICTS.iter().enumerate() {
                let wobble = [0.0, 0.015, -0.01, 0.02, -0.015]
                    [(district_index + indicator_index + usize::from(year)) % 5];
                let mut value = level * (1.0 + district.burden) * (1.0 + wobble);
                if district.code == DEMO_WORSENING_DISTRICT && worsening.contains(key) {
                    // +6 % a year, then +18 % in the last year.
                    value *= 1.06_f64.powf(step);
                    if year == *INDICATOR_YEARS.end() {
                        value *= 1.18;
                    }
                }
                let value = (value * 10.0).round() / 10.0;
                sum += value;
                values.push(IndicatorValue {
                    indicator: key.to_string(),
                    district: Some(district.code.to_string()),
                    period: Period {
                        year,
                        quarter: None,
                    },
                    value,
                });
            }
            values.push(IndicatorValue {
                indicator: key.to_string(),
                district: None,
                period: Period {
                    year,
                    quarter: None,
                },
                value: (sum / DISTRICTS.len() as f64 * 10.0).round() / 10.0,
            });
        }
    }
    values
}

async fn demo_indicators(db: &Db, municipality: i64) -> anyhow::Result<()> {
    crate::tables::import_indicator_catalogue(db, DEMO_INDICATOR_CATALOGUE)
        .await
        .context("the shipped demo indicator catalogue is invalid")?;
    let count =
        app::storage::indicators::store_values(db, municipality, &demo_indicator_values()).await?;
    println!(
        "demo context indicators: {} values (fictional, marked as demo)",
        count.added
    );
    Ok(())
}

/// The password of every demo account. Demo data only: a real installation
/// creates its accounts with `server user add`.
pub const DEMO_PASSWORD: &str = "quartier-demo";

/// Demo accounts: one per role, all for the demo city.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 5] = [
    ("admin@quartier.example", "Admin (Demo)", Role::Admin),
    (
        "region@quartier.example",
        "Regionalstelle (Demo)",
        Role::Regional,
    ),
    (
        "koordination@ruhrstadt.example",
        "Koordination Ruhrstadt (Demo)",
        Role::Coordinator,
    ),
    (
        "schule@ruhrstadt.example",
        "Schulkontakt (Demo)",
        Role::SchoolContact,
    ),
    (
        "training@ruhrstadt.example",
        "CTC-Training (Demo)",
        Role::Trainer,
    ),
];

/// Fictional school statistics for each wave: more pupils attend a
/// Gesamtschule than the survey's even split of schools suggests, so the
/// weighted figures differ from the unweighted ones.
async fn demo_population(db: &Db, waves: &[WaveId]) -> anyhow::Result<()> {
    use app::domain::analysis::weighting::{PopulationCounts, StratumKey};
    let mut pupils = std::collections::BTreeMap::new();
    for grade in GRADES {
        for (school_type, count) in [("Gesamtschule", 2_400), ("Gymnasium", 1_500)] {
            pupils.insert(
                StratumKey {
                    school_type: school_type.to_string(),
                    grade,
                },
                count,
            );
        }
    }
    let counts = PopulationCounts { pupils };
    for &wave in waves {
        app::storage::analysis::population::replace(
            db,
            wave,
            &counts,
            "Demo: fiktive Schulstatistik / fictional school statistics",
            None,
        )
        .await?;
    }
    Ok(())
}

async fn demo_accounts(db: &Db, municipality: i64, school: Option<i64>) -> anyhow::Result<()> {
    let region = geography::find_region(db, REGION).await?;
    // One hash for all five: argon2 is deliberately slow.
    let hash = app::auth::hash_password(DEMO_PASSWORD)?;
    for (email, name, role) in DEMO_ACCOUNTS {
        let supported = [municipality];
        app::storage::users::create(
            db,
            &app::storage::users::NewUser {
                email,
                display_name: name,
                password_hash: &hash,
                role,
                region_id: (role == Role::Regional).then_some(region).flatten(),
                municipality_id: matches!(role, Role::Coordinator | Role::SchoolContact)
                    .then_some(municipality),
                school_id: (role == Role::SchoolContact).then_some(school).flatten(),
                supported_municipalities: if role == Role::Trainer {
                    &supported
                } else {
                    &[]
                },
            },
        )
        .await?;
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "a private helper of one caller")]
async fn generate_wave(
    db: &Db,
    model: &Model<'_>,
    rng: &mut ChaCha8Rng,
    wave: &DemoWave,
    wave_id: WaveId,
    instrument_id: i64,
    schools: &[(SchoolId, usize)],
    districts: &[DistrictId],
    class_size: u32,
) -> anyhow::Result<Vec<NewResponse>> {
    let mut batch = Vec::new();
    for &(school, district_index) in schools {
        for grade in GRADES {
            let classes = 1 + usize::from(rng.random_bool(0.5));
            for class_number in 0..classes {
                let name = format!("{grade}{}", ['a', 'b'][class_number]);
                let class =
                    waves::create_class(db, wave_id, school, &name, Grade::new(grade)?, class_size)
                        .await?;
                // Drawn from a generator of its own (seeded by the class),
                // so the pupils' draws are the same as without clustering.
                let class_shift = CLASS_EFFECT_SD
                    * Normal::new(0.0, 1.0)
                        .unwrap_or_else(|_| unreachable!("unit normal is valid"))
                        .sample(&mut ChaCha8Rng::seed_from_u64(
                            (class as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        ));
                // About nine in ten pupils take part.
                let present = (0..class_size).filter(|_| rng.random_bool(0.9)).count();
                for _ in 0..present {
                    let pupil = model.pupil(rng, district_index, grade, wave, class_shift);
                    let home_district = pupil
                        .home_district(rng, district_index, districts.len())
                        .map(|i| districts[i]);
                    let flags = flagging_rules(
                        model.instrument,
                        &pupil.answers,
                        Some(pupil.duration_seconds),
                    );
                    batch.push(NewResponse {
                        wave: wave_id,
                        instrument: instrument_id,
                        district: home_district.unwrap_or(districts[district_index]),
                        school: Some(school),
                        class: Some(class),
                        home_district,
                        grade,
                        sex: pupil.sex,
                        answers: pupil.answers,
                        validity_flags: flags.into_iter().map(str::to_string).collect(),
                        source: ResponseSource::Online,
                    });
                }
            }
        }
    }
    Ok(batch)
}

/// What an item measures, as far as the generator needs to know.
#[derive(Clone, Copy)]
enum ItemRole {
    /// Part of a scale (index into `instrument.scales`).
    Scale(usize),
    /// A use or behaviour frequency; `recent` items are 30-day/2-week ones.
    Behaviour { recent: bool },
    /// The honesty item: pupils mostly pick the most honest option.
    Honesty,
    /// The fictitious drug: almost nobody reports use.
    Fictitious,
    /// Anything else.
    Other,
}

struct Model<'a> {
    instrument: &'a Instrument,
    roles: Vec<ItemRole>,
    /// Per scale and district: the latent shift.
    district_shift: Vec<Vec<f64>>,
    /// Inconsistent-use pairs, to keep lifetime >= recent for most pupils.
    pairs: Vec<(usize, usize)>,
}

struct Pupil {
    answers: Vec<u8>,
    sex: Option<Sex>,
    duration_seconds: u32,
}

impl Pupil {
    /// Three in four live in their school's district, one in five elsewhere,
    /// the rest do not say.
    fn home_district(
        &self,
        rng: &mut ChaCha8Rng,
        school_district: usize,
        count: usize,
    ) -> Option<usize> {
        let draw: f64 = rng.random();
        if draw < 0.75 {
            Some(school_district)
        } else if draw < 0.95 {
            Some(rng.random_range(0..count))
        } else {
            None
        }
    }
}

impl<'a> Model<'a> {
    fn new(instrument: &'a Instrument) -> Self {
        let mut roles = vec![ItemRole::Other; instrument.items.len()];
        let mut pairs = Vec::new();
        for outcome in &instrument.outcomes {
            let recent = outcome.id.contains("30")
                || outcome.id.contains("2w")
                || outcome.id.contains("12m");
            for &item in &outcome.items {
                roles[item] = ItemRole::Behaviour { recent };
            }
        }
        for rule in &instrument.validity_rules {
            match &rule.check {
                ValidityCheck::Dishonesty { item, .. } => roles[*item] = ItemRole::Honesty,
                ValidityCheck::FictitiousDrug { item, .. } => roles[*item] = ItemRole::Fictitious,
                ValidityCheck::InconsistentUse { pairs: p } => pairs.extend(p.iter().copied()),
                _ => {}
            }
        }
        for (index, scale) in instrument.scales.iter().enumerate() {
            for &item in &scale.items {
                roles[item] = ItemRole::Scale(index);
            }
        }
        let district_shift = instrument
            .scales
            .iter()
            .map(|scale| {
                DISTRICTS
                    .iter()
                    .map(|district| {
                        let sign = if scale.kind == ScaleKind::Protective {
                            -0.8
                        } else {
                            1.0
                        };
                        let specific: f64 = district
                            .elevated
                            .iter()
                            .filter(|(fragment, _)| scale.id == *fragment)
                            .map(|(_, shift)| shift)
                            .sum();
                        sign * district.burden + specific
                    })
                    .collect()
            })
            .collect();
        Model {
            instrument,
            roles,
            district_shift,
            pairs,
        }
    }

    fn pupil(
        &self,
        rng: &mut ChaCha8Rng,
        district: usize,
        grade: u8,
        wave: &DemoWave,
        class_shift: f64,
    ) -> Pupil {
        let normal = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!("unit normal is valid"));
        let general = normal.sample(rng);
        let age_step = f64::from(grade.saturating_sub(6)) / 2.0;
        let instrument = self.instrument;
        // Latent value per scale: shared general risk, district effect, own noise.
        let scale_latent: Vec<f64> = instrument
            .scales
            .iter()
            .enumerate()
            .map(|(index, scale)| {
                let change: f64 = wave
                    .changes
                    .iter()
                    .filter(|(fragment, code, _)| {
                        scale.id == *fragment && DISTRICTS[district].code == *code
                    })
                    .map(|(_, _, shift)| shift)
                    .sum();
                let loading: f64 = match scale.kind {
                    ScaleKind::Protective => -0.5,
                    _ => 0.6,
                };
                // The class shift burdens like the general risk does.
                let class = loading.signum() * class_shift;
                loading * general
                    + class
                    + self.district_shift[index][district]
                    + change
                    + 0.1 * age_step
                    - 0.35
                    + 0.75 * normal.sample(rng)
            })
            .collect();
        let use_propensity = 0.7 * general
            + class_shift
            + 0.45 * age_step
            + 0.3 * DISTRICTS[district].burden
            + 0.6 * normal.sample(rng);

        let mut answers = vec![0u8; instrument.items.len()];
        for (item, role) in self.roles.iter().enumerate() {
            let options = instrument.response_set_of(item).option_count();
            let reverse = instrument.items[item].reverse;
            let index = match *role {
                ItemRole::Scale(scale) => {
                    let index = ordered_probit(
                        scale_latent[scale] + 0.6 * normal.sample(rng),
                        options,
                        -1.0,
                        1.0,
                    );
                    if reverse { options - 1 - index } else { index }
                }
                ItemRole::Behaviour { recent } => {
                    let y =
                        use_propensity + if recent { -0.4 } else { 0.3 } + 0.5 * normal.sample(rng);
                    ordered_probit(y, options, 1.0, 3.2)
                }
                ItemRole::Honesty => {
                    if rng.random_bool(0.015) {
                        0
                    } else {
                        options - 1 - usize::from(rng.random_bool(0.2))
                    }
                }
                ItemRole::Fictitious => usize::from(rng.random_bool(0.008)),
                ItemRole::Other => rng.random_range(0..options),
            };
            answers[item] = u8::try_from(index + 1).unwrap_or(0);
        }
        // Lifetime use at least as high as recent use, except for the rare
        // inconsistent questionnaire the validity rules should catch.
        // An age of first use (a scale item paired with a lifetime item) is
        // cleared instead, so that only pupils who used report an onset.
        for &(recent, lifetime) in &self.pairs {
            if answers[recent] > 1 && answers[lifetime] == 1 && !rng.random_bool(0.01) {
                match self.roles[recent] {
                    ItemRole::Scale(_) => answers[recent] = 1,
                    _ => answers[lifetime] = 2,
                }
            }
        }
        // Item non-response: a few skipped items everywhere, and a few pupils
        // who stop early (the too-few-answered rule catches them).
        let stop_at = if rng.random_bool(0.02) {
            rng.random_range(answers.len() / 5..answers.len() / 2)
        } else {
            answers.len()
        };
        for (item, answer) in answers.iter_mut().enumerate() {
            if item >= stop_at || rng.random_bool(0.03) {
                *answer = 0;
            }
        }
        let sex = match rng.random_range(0..100) {
            0..48 => Some(Sex::Female),
            48..96 => Some(Sex::Male),
            96..98 => Some(Sex::Diverse),
            _ => None,
        };
        let duration_seconds = if rng.random_bool(0.01) {
            rng.random_range(90..280)
        } else {
            rng.random_range(900..2700)
        };
        Pupil {
            answers,
            sex,
            duration_seconds,
        }
    }
}

/// The 0-based option index for latent value `y` with thresholds evenly
/// spread over `[low, high]`.
fn ordered_probit(y: f64, options: usize, low: f64, high: f64) -> usize {
    if options < 2 {
        return 0;
    }
    let steps = options - 1;
    (0..steps)
        .filter(|&j| {
            let threshold = if steps == 1 {
                (low + high) / 2.0
            } else {
                low + (high - low) * j as f64 / (steps - 1) as f64
            };
            y > threshold
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_probit_spans_all_options() {
        assert_eq!(ordered_probit(-5.0, 4, -1.0, 1.0), 0);
        assert_eq!(ordered_probit(0.5, 4, -1.0, 1.0), 2);
        assert_eq!(ordered_probit(5.0, 4, -1.0, 1.0), 3);
        assert_eq!(ordered_probit(5.0, 2, -1.0, 1.0), 1);
    }

    #[tokio::test]
    async fn the_early_warning_list_puts_the_planted_district_first() {
        let dir = tempfile::tempdir().unwrap();
        let db = app::storage::connect(&format!(
            "sqlite://{}",
            dir.path().join("demo.db").display()
        ))
        .await
        .unwrap();
        app::storage::migrate(&db).await.unwrap();
        load(
            &db,
            &DemoArgs {
                seed: 2026,
                class_size: 25,
            },
        )
        .await
        .unwrap();
        let city = geography::find_municipality(&db, MUNICIPALITY)
            .await
            .unwrap()
            .unwrap();
        let list = app::analysis::early_warning::municipality_warnings(&db, city.municipality_id)
            .await
            .unwrap();
        use app::domain::early_warning::Subject;
        assert_eq!(list.districts_checked, DISTRICTS.len());
        assert_eq!(list.waves.len(), WAVES.len());
        let first = &list.warnings[0];
        assert_eq!(first.code, DEMO_WORSENING_DISTRICT);
        // The three planted indicators, each by the change rule (+18 %) and
        // the trend rule (+25 % over 2023–2025).
        let mut planted: Vec<&str> = first
            .signals
            .iter()
            .filter_map(|signal| match &signal.subject {
                Subject::Indicator { key, .. } => Some(key.as_str()),
                Subject::Factor { .. } => None,
            })
            .collect();
        planted.sort_unstable();
        assert_eq!(
            planted,
            [
                "waste_complaints",
                "waste_complaints",
                "youth_offences",
                "youth_offences",
                "youth_welfare_cases",
                "youth_welfare_cases"
            ]
        );
        // No other district has an indicator signal (they wobble by ±2 %),
        // and the most stable district has no signal at all.
        for other in &list.warnings[1..] {
            assert!(
                other
                    .signals
                    .iter()
                    .all(|s| matches!(s.subject, Subject::Factor { .. })),
                "{other:?}"
            );
        }
        assert!(list.warnings.iter().all(|w| w.code != "LIND"));
    }

    #[test]
    fn only_the_planted_district_worsens_in_the_demo_indicators() {
        use app::domain::indicators::{Direction, parse_catalogue};
        let (header, rows) = crate::tables::split_csv(DEMO_INDICATOR_CATALOGUE).unwrap();
        let catalogue = parse_catalogue(&header, &rows).unwrap();
        assert_eq!(catalogue.len(), INDICATOR_LEVELS.len());
        assert!(catalogue.iter().all(|i| i.source.contains("Fiktive")));
        let values = demo_indicator_values();
        let value = |key: &str, district: Option<&str>, year: u16| {
            values
                .iter()
                .find(|v| {
                    v.indicator == key && v.district.as_deref() == district && v.period.year == year
                })
                .map(|v| v.value)
                .unwrap()
        };
        for (key, _) in INDICATOR_LEVELS {
            for district in DISTRICTS.iter().map(|d| Some(d.code)).chain([None]) {
                let change = Direction::HigherIsWorse
                    .worsening_percent(value(key, district, 2024), value(key, district, 2025))
                    .unwrap();
                let planted = district == Some(DEMO_WORSENING_DISTRICT)
                    && ["waste_complaints", "youth_offences", "youth_welfare_cases"].contains(&key);
                if planted {
                    assert!(change > 20.0, "{key} {district:?}: {change}");
                } else if district.is_some() {
                    assert!(change.abs() < 5.0, "{key} {district:?}: {change}");
                }
            }
        }
    }

    #[test]
    fn the_shipped_demo_instrument_is_valid() {
        let instrument = Instrument::from_toml_str(DEMO_INSTRUMENT, "demo-ctc.toml");
        assert!(
            instrument.is_ok(),
            "{}",
            instrument.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
}
