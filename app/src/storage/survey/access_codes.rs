//! One-time access codes: generated per class, stored only as hashes.
//!
//! The plain codes leave [`generate_in`] once, for printing, and are never
//! written anywhere by Quartier. A pupil's typed code is found again by its
//! hash ([`lookup`]).
//!
//! # Why an unsalted SHA-256 is enough here
//!
//! Passwords need a salted, slow hash because people choose guessable ones
//! and reuse them elsewhere. Access codes differ on every count:
//!
//! - they are drawn uniformly by a CSPRNG with about 44.6 bits of entropy
//!   (`domain::survey::access_code::entropy_bits`), so there is no dictionary to try;
//! - they are one-time and only open the questionnaire of one wave for a
//!   few weeks; nothing else is protected by them and nobody reuses them;
//! - the lookup must find the row by an index on the hash, which rules out a
//!   per-code salt (every login would have to try every row);
//! - online guessing goes through the server, which limits attempts: even
//!   with 10 000 live codes in a city, a random guess hits one with
//!   probability 10^4 / 31^9 ≈ 4 · 10^-10.
//!
//! Someone who copies the database could brute-force the whole code space
//! offline (31^9 ≈ 2.6 · 10^13 hashes, feasible on a GPU). That gains little:
//! such a person already holds every draft and response the codes lead to.
//! Mixing a server-side secret (pepper) into the hash would close even that
//! gap and can be added later without a schema change.

use crate::domain::survey::access_code::AccessCode;
pub use crate::domain::survey::participation::ClassParticipation;
use crate::storage::waves::{ClassId, WaveId};
use crate::storage::{Db, StorageError, StorageResult};
use sha2::{Digest, Sha256};

/// Row id of an access code.
pub type CodeId = i64;

/// How far a code has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeState {
    /// Printed and handed out; not used yet.
    Issued,
    /// The questionnaire is in progress (a draft exists).
    Started,
    /// The questionnaire was finished; the code cannot be used again.
    Finished,
}

impl CodeState {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeState::Issued => "issued",
            CodeState::Started => "started",
            CodeState::Finished => "finished",
        }
    }

    fn parse(stored: &str) -> StorageResult<CodeState> {
        match stored {
            "issued" => Ok(CodeState::Issued),
            "started" => Ok(CodeState::Started),
            "finished" => Ok(CodeState::Finished),
            other => Err(StorageError::Conflict(format!(
                "unknown access code state \"{other}\" in the database"
            ))),
        }
    }
}

/// A stored code as found by [`lookup`]. Holds no plain code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRow {
    /// Row id (the key of the draft while the questionnaire is in progress).
    pub code_id: CodeId,
    /// The class the code was printed for.
    pub class_id: ClassId,
    /// Issued, started or finished.
    pub state: CodeState,
}

/// The stored form of a code: SHA-256 of its normalised text
/// ([`AccessCode::as_str`], e.g. `K7M4QX9TB`). See the module documentation
/// for why this hash is adequate.
pub fn code_hash(code: &AccessCode) -> [u8; 32] {
    Sha256::digest(code.as_str().as_bytes()).into()
}

/// How often a code is drawn again when its hash is taken. With 31^9 possible
/// codes even one retry is rare; running out means the generator is broken.
const MAX_ATTEMPTS_PER_CODE: usize = 16;

/// Generates `count` new codes for a class in one transaction and returns the
/// plain codes: the only time they exist. Uses a generator seeded from the
/// operating system.
#[tracing::instrument(skip(db))]
pub async fn generate_for_class(
    db: &Db,
    class: ClassId,
    count: u32,
) -> StorageResult<Vec<AccessCode>> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let mut tx = db.begin().await?;
    let codes = generate_in(&mut tx, class, count, &mut rng).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Generates `count` new codes for a class inside the caller's transaction,
/// so that the caller can print the codes before committing: if printing
/// fails, nothing is stored. A code whose hash exists already (in any wave)
/// is drawn again.
#[tracing::instrument(skip(tx, rng))]
pub async fn generate_in<R: rand::CryptoRng + ?Sized>(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    class: ClassId,
    count: u32,
    rng: &mut R,
) -> StorageResult<Vec<AccessCode>> {
    let mut codes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let mut stored = None;
        for _ in 0..MAX_ATTEMPTS_PER_CODE {
            let code = AccessCode::generate(rng);
            // `on conflict do nothing` instead of catching the unique
            // violation: PostgreSQL aborts the transaction on an error.
            let inserted = sqlx::query(
                r#"insert into access_code (class_id, code_hash, state) values ($1, $2, 'issued')
                   on conflict (code_hash) do nothing"#,
            )
            .bind(class)
            .bind(&code_hash(&code)[..])
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                stored = Some(code);
                break;
            }
            tracing::debug!("access code collision, drawing again");
        }
        codes.push(stored.ok_or_else(|| {
            StorageError::Conflict(format!(
                "no unused access code found in {MAX_ATTEMPTS_PER_CODE} attempts; the random generator is broken"
            ))
        })?);
    }
    Ok(codes)
}

/// Finds a typed code by its hash.
#[tracing::instrument(skip_all)]
pub async fn lookup(db: &Db, code: &AccessCode) -> StorageResult<Option<CodeRow>> {
    let row: Option<(i64, i64, String)> =
        sqlx::query_as("select code_id, class_id, state from access_code where code_hash = $1")
            .bind(&code_hash(code)[..])
            .fetch_optional(db)
            .await?;
    row.map(|(code_id, class_id, state)| {
        Ok(CodeRow {
            code_id,
            class_id,
            state: CodeState::parse(&state)?,
        })
    })
    .transpose()
}

/// Number of codes issued for a class so far (in any state).
pub async fn count_for_class(db: &Db, class: ClassId) -> StorageResult<u64> {
    let count: i64 = sqlx::query_scalar("select count(*) from access_code where class_id = $1")
        .bind(class)
        .fetch_one(db)
        .await?;
    Ok(count as u64)
}

type ParticipationRow = (String, String, i64, i64, i64, i64, i64, i64, i64);

/// Participation per class of a wave (counts only), ordered by school, grade
/// and class, for one school (`Some`: a school contact's page must not even
/// read the other schools' counts) or all (`None`).
/// `crate::analysis::participation_report` turns them into the protected
/// report.
#[tracing::instrument(skip(db))]
pub async fn participation_of(
    db: &Db,
    wave: WaveId,
    school: Option<i64>,
) -> StorageResult<Vec<ClassParticipation>> {
    let rows: Vec<ParticipationRow> = sqlx::query_as(
        r#"select s.name, c.name, c.grade, c.enrolled,
              (select count(*) from access_code a where a.class_id = c.class_id),
              (select count(*) from access_code a
                where a.class_id = c.class_id and a.state = 'started'),
              (select count(*) from access_code a
                where a.class_id = c.class_id and a.state = 'finished'),
              (select count(*) from response r where r.class_id = c.class_id),
              (select count(*) from response r
                where r.class_id = c.class_id and r.validity_flags <> '')
           from school_class c
           join school s on s.school_id = c.school_id
           where c.wave_id = $1 and ($2 is null or c.school_id = $2)
           order by s.name, c.grade, c.name"#,
    )
    .bind(wave)
    .bind(school)
    .fetch_all(db)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(
            |(school, class, grade, enrolled, issued, started, finished, responses, excluded)| {
                ClassParticipation {
                    school,
                    class,
                    grade: u8::try_from(grade).unwrap_or(0),
                    enrolled: count(enrolled),
                    issued: count(issued),
                    started: count(started),
                    finished: count(finished),
                    responses: count(responses),
                    excluded: count(excluded),
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::respondent::Grade;
    use crate::storage::survey::responses::{self, NewResponse, ResponseSource};
    use crate::storage::{self, geography, waves};

    struct Fixture {
        db: Db,
        path: std::path::PathBuf,
        wave: WaveId,
        school: i64,
        district: i64,
        instrument: i64,
        class: ClassId,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.db");
        let db = storage::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        storage::migrate(&db).await.unwrap();
        let municipality = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        let district = geography::ensure_district(&db, municipality, "NORD", "Nordstadt")
            .await
            .unwrap();
        let school = geography::ensure_school(&db, district, "Gesamtschule Nordstadt", None)
            .await
            .unwrap();
        let instrument: i64 = sqlx::query_scalar(
            r#"insert into instrument (instrument_key, version, title, demonstration,
                 item_count, source_toml, imported_on)
               values ('t', '1', 'T', 1, 3, '', '2026-01-01') returning instrument_id"#,
        )
        .fetch_one(&db)
        .await
        .unwrap();
        let grades = [Grade::new(8).unwrap()];
        let wave = waves::create(
            &db,
            &waves::NewWave {
                municipality,
                name: "Frühjahr 2026",
                instrument,
                opens_on: "2026-03-02",
                closes_on: "2026-04-24",
                grades: &grades,
                district_rule: waves::DistrictRule::HomeElseSchool,
            },
        )
        .await
        .unwrap();
        let class = waves::create_class(&db, wave, school, "8a", grades[0], 25)
            .await
            .unwrap();
        Fixture {
            db,
            path,
            wave,
            school,
            district,
            instrument,
            class,
            _dir: dir,
        }
    }

    #[tokio::test]
    async fn the_database_never_contains_a_plain_code() {
        let f = fixture().await;
        let codes = generate_for_class(&f.db, f.class, 28).await.unwrap();
        assert_eq!(codes.len(), 28);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 28);

        for code in &codes {
            for plain in [code.as_str().to_string(), code.to_string()] {
                let matches: i64 =
                    sqlx::query_scalar("select count(*) from access_code where code_hash = $1")
                        .bind(plain.as_bytes())
                        .fetch_one(&f.db)
                        .await
                        .unwrap();
                assert_eq!(matches, 0);
            }
        }
        let hashes: Vec<Vec<u8>> = sqlx::query_scalar("select code_hash from access_code")
            .fetch_all(&f.db)
            .await
            .unwrap();
        assert!(hashes.iter().all(|h| h.len() == 32));

        // Nothing in the files on disk (database and write-ahead log) holds a
        // code, in either form.
        f.db.close().await;
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut name = f.path.clone().into_os_string();
            name.push(suffix);
            if let Ok(content) = std::fs::read(&name) {
                bytes.extend(content);
            }
        }
        assert!(bytes.len() > 4096);
        for code in &codes {
            for plain in [code.as_str().to_string(), code.to_string()] {
                assert!(
                    !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
                    "a plain code is in the database file"
                );
            }
        }
    }

    #[tokio::test]
    async fn lookup_finds_typed_codes_by_hash_only() {
        let f = fixture().await;
        let codes = generate_for_class(&f.db, f.class, 3).await.unwrap();
        let typed = AccessCode::parse(&codes[1].to_string().to_lowercase()).unwrap();
        let row = lookup(&f.db, &typed).await.unwrap().expect("found");
        assert_eq!(row.class_id, f.class);
        assert_eq!(row.state, CodeState::Issued);

        let unknown = AccessCode::parse("222-222-222").unwrap();
        assert_eq!(lookup(&f.db, &unknown).await.unwrap(), None);
        assert_eq!(count_for_class(&f.db, f.class).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_taken_hash_is_drawn_again() {
        use rand::SeedableRng;
        let f = fixture().await;
        // The same seed draws the same sequence: the second batch runs into
        // every code of the first and must skip past them.
        let mut tx = f.db.begin().await.unwrap();
        let first = generate_in(
            &mut tx,
            f.class,
            5,
            &mut rand::rngs::StdRng::seed_from_u64(1),
        )
        .await
        .unwrap();
        let second = generate_in(
            &mut tx,
            f.class,
            5,
            &mut rand::rngs::StdRng::seed_from_u64(1),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(second.iter().all(|c| !first.contains(c)));
        assert_eq!(count_for_class(&f.db, f.class).await.unwrap(), 10);
    }

    #[tokio::test]
    async fn an_uncommitted_batch_stores_nothing() {
        let f = fixture().await;
        use rand::SeedableRng;
        let mut tx = f.db.begin().await.unwrap();
        let codes = generate_in(&mut tx, f.class, 4, &mut rand::rngs::StdRng::from_os_rng())
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(codes.len(), 4);
        assert_eq!(count_for_class(&f.db, f.class).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn participation_counts_codes_by_state_and_flagged_responses() {
        let f = fixture().await;
        let other = waves::create_class(&f.db, f.wave, f.school, "8b", Grade::new(8).unwrap(), 20)
            .await
            .unwrap();
        generate_for_class(&f.db, f.class, 28).await.unwrap();
        generate_for_class(&f.db, other, 2).await.unwrap();
        // Two codes of 8a in progress, three finished.
        sqlx::query(
            r#"update access_code set state = 'started' where code_id in
               (select code_id from access_code where class_id = $1 order by code_id limit 2)"#,
        )
        .bind(f.class)
        .execute(&f.db)
        .await
        .unwrap();
        sqlx::query(
            r#"update access_code set state = 'finished' where code_id in
               (select code_id from access_code where class_id = $1 and state = 'issued'
                order by code_id limit 3)"#,
        )
        .bind(f.class)
        .execute(&f.db)
        .await
        .unwrap();
        let response = |flags: &[&str]| NewResponse {
            wave: f.wave,
            instrument: f.instrument,
            district: f.district,
            school: Some(f.school),
            class: Some(f.class),
            home_district: None,
            grade: 8,
            sex: None,
            answers: vec![1, 2, 3],
            validity_flags: flags.iter().map(|s| s.to_string()).collect(),
            source: ResponseSource::Online,
        };
        responses::insert_all(
            &f.db,
            &[response(&[]), response(&["too_fast"]), response(&[])],
        )
        .await
        .unwrap();

        let rows = participation_of(&f.db, f.wave, None).await.unwrap();
        assert_eq!(
            rows,
            vec![
                ClassParticipation {
                    school: "Gesamtschule Nordstadt".into(),
                    class: "8a".into(),
                    grade: 8,
                    enrolled: 25,
                    issued: 28,
                    started: 2,
                    finished: 3,
                    responses: 3,
                    excluded: 1,
                },
                ClassParticipation {
                    school: "Gesamtschule Nordstadt".into(),
                    class: "8b".into(),
                    grade: 8,
                    enrolled: 20,
                    issued: 2,
                    started: 0,
                    finished: 0,
                    responses: 0,
                    excluded: 0,
                },
            ]
        );
        assert!(
            participation_of(&f.db, f.wave + 1, None)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
