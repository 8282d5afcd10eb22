//! Publication of closed waves: the stored result is built here (when a
//! wave closes, after an import, when the analysis code or a setting
//! changes) and read here by every results page and CSV.
//!
//! Reading costs one indexed row per request (the result's stamp); the
//! decoded result is kept in memory per wave and replaced when the stamp
//! changes, so several server processes on one database stay consistent
//! without talking to each other. Nothing here aggregates responses on a
//! page request.

use super::AnalysisError;
use crate::domain::analysis::aggregate::Cube;
use crate::domain::analysis::profile::ProfileOptions;
use crate::domain::analysis::published::{
    ENGINE_VERSION, PublishedWave, QualityReport, ResultKey, publish_with_cut_points,
};
use crate::domain::analysis::report::{
    NormTable, ProfileTable, ReportOptions, build_profile_table, default_cut_point_set,
};
use crate::domain::analysis::suppression::MinGroupSize;
use crate::domain::analysis::weighting::{
    PopulationCounts, StratumTallies, WeightedProfile, weighted_profile,
};
use crate::domain::survey::instrument::Instrument;
use crate::storage::waves::{WaveId, WaveRow};
use crate::storage::{
    Db, analysis::cut_points, analysis::results, survey::instruments, survey::responses, waves,
};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

/// A wave's published result, decoded and shared by all requests.
pub struct Published {
    /// The wave's instrument version.
    pub instrument: Arc<Instrument>,
    /// What the result was computed with.
    pub key: ResultKey,
    /// Valid questionnaires by district × grade × sex.
    pub cube: Arc<Cube>,
    /// The profile against the city total.
    pub profile: Arc<ProfileTable>,
    /// The quality figures.
    pub quality: Arc<QualityReport>,
    /// Answers per district × grade × sex × school type (weighting).
    pub strata: Arc<StratumTallies>,
    /// Profiles against norm sets, built from `cube` on first use.
    norm_profiles: Mutex<HashMap<u64, Arc<ProfileTable>>>,
    /// Weighted profiles, per norm table and population counts.
    weighted_profiles: Mutex<HashMap<u64, Arc<WeightedProfile>>>,
}

impl Published {
    /// The profile against `norms` (or the city total): built once per norm
    /// table from the stored cube, then shared.
    pub fn profile_against(
        &self,
        norms: Option<&NormTable>,
    ) -> Result<Arc<ProfileTable>, AnalysisError> {
        let Some(norms) = norms else {
            return Ok(self.profile.clone());
        };
        // The norm table's content is the key: a re-imported set with other
        // values gets a new profile.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{norms:?}").hash(&mut hasher);
        let fingerprint = hasher.finish();
        if let Some(found) = lock(&self.norm_profiles).get(&fingerprint) {
            return Ok(found.clone());
        }
        let options = ReportOptions {
            min_group_size: MinGroupSize::new(self.key.min_group_size)?,
            norms: Some(norms.clone()),
            ..ReportOptions::default()
        };
        let table = Arc::new(build_profile_table(
            &self.instrument,
            &self.cube,
            &self.key.cut_points,
            &options,
        )?);
        let mut cached = lock(&self.norm_profiles);
        // A handful of norm sets exist; the bound only guards memory.
        if cached.len() >= 16 {
            cached.clear();
        }
        cached.insert(fingerprint, table.clone());
        Ok(table)
    }

    /// The profile against `norms` (or the city total) weighted to
    /// `population`: built once per norm table and population counts.
    pub fn weighted_against(
        &self,
        norms: Option<&NormTable>,
        population: &PopulationCounts,
    ) -> Result<Arc<WeightedProfile>, AnalysisError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{norms:?}{population:?}").hash(&mut hasher);
        let fingerprint = hasher.finish();
        if let Some(found) = lock(&self.weighted_profiles).get(&fingerprint) {
            return Ok(found.clone());
        }
        let table = self.profile_against(norms)?;
        let weighted = Arc::new(weighted_profile(
            &table,
            &self.strata,
            population,
            &ProfileOptions::default(),
        ));
        let mut cached = lock(&self.weighted_profiles);
        if cached.len() >= 16 {
            cached.clear();
        }
        cached.insert(fingerprint, weighted.clone());
        Ok(weighted)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves only a cache behind: use it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Decoded results by wave, with the stamp they were decoded from. The
/// stamp is random per rebuild, so entries of another database with the
/// same wave id (tests open several) never match by accident.
static CACHE: LazyLock<Mutex<DecodedResults>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Per wave: the stamp of the stored row, the decoded result, and when it
/// was last used (a counter, for evicting the least recently used).
type DecodedResults = HashMap<WaveId, (i64, Arc<Published>, u64)>;

/// Decoded results kept in memory. A 250,000-pupil wave's result takes some
/// ten MiB decoded; a region with many cities and waves must not keep them
/// all. Evicted results are decoded again on their next request.
const CACHED_WAVES: usize = 24;

static USE_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next_use() -> u64 {
    USE_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// One decode at a time: fifty requests arriving together for a result not
/// yet in memory wait for the first one's decode instead of each decoding.
static DECODING: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

/// The published result of `wave`: [`AnalysisError::Open`] while the wave
/// is open, [`AnalysisError::Preparing`] when it is closed but its result
/// has not been built yet (or was built by an older analysis engine).
pub async fn published(db: &Db, wave: &WaveRow) -> Result<Arc<Published>, AnalysisError> {
    if !wave.is_closed() {
        return Err(AnalysisError::Open {
            wave: wave.name.clone(),
            closes_on: wave.closes_on.clone(),
        });
    }
    let preparing = || AnalysisError::Preparing {
        wave: wave.name.clone(),
    };
    let header = results::header_of(db, wave.wave_id)
        .await?
        .ok_or_else(preparing)?;
    if !header
        .result_key
        .starts_with(&format!("engine={ENGINE_VERSION};"))
    {
        return Err(preparing());
    }
    if let Some(found) = cached(wave.wave_id, header.stamp) {
        return Ok(found);
    }
    let _decoding = DECODING.lock().await;
    if let Some(found) = cached(wave.wave_id, header.stamp) {
        return Ok(found);
    }
    let (header, payload) = results::load(db, wave.wave_id)
        .await?
        .ok_or_else(preparing)?;
    let instrument = instruments::load(db, wave.instrument_id).await?;
    let decoded = tokio::task::spawn_blocking(move || PublishedWave::decode(&payload))
        .await
        .map_err(|e| AnalysisError::Decode(e.to_string()))?
        .map_err(|e| AnalysisError::Decode(e.to_string()))?;
    let PublishedWave {
        key,
        cube,
        profile,
        quality,
        strata,
    } = decoded;
    let entry = Arc::new(Published {
        instrument,
        key,
        cube: Arc::new(cube),
        profile: Arc::new(profile),
        quality: Arc::new(quality),
        strata: Arc::new(strata),
        norm_profiles: Mutex::new(HashMap::new()),
        weighted_profiles: Mutex::new(HashMap::new()),
    });
    let mut cache = lock(&CACHE);
    if cache.len() >= CACHED_WAVES
        && let Some(oldest) = cache
            .iter()
            .min_by_key(|(_, (_, _, used))| *used)
            .map(|(wave, _)| *wave)
    {
        cache.remove(&oldest);
    }
    cache.insert(wave.wave_id, (header.stamp, entry.clone(), next_use()));
    Ok(entry)
}

fn cached(wave: WaveId, stamp: i64) -> Option<Arc<Published>> {
    let mut cache = lock(&CACHE);
    let (cached_stamp, entry, used) = cache.get_mut(&wave)?;
    if *cached_stamp != stamp {
        return None;
    }
    *used = next_use();
    Some(entry.clone())
}

/// The published result of `wave` if it has one, `None` while it is open
/// or being prepared; other errors pass.
pub async fn published_if_any(
    db: &Db,
    wave: &WaveRow,
) -> Result<Option<Arc<Published>>, AnalysisError> {
    match published(db, wave).await {
        Ok(found) => Ok(Some(found)),
        Err(AnalysisError::Open { .. } | AnalysisError::Preparing { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// How far a rebuild has come, for progress lines on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebuildProgress {
    /// Questionnaires read so far, of the total.
    Reading {
        /// Read so far.
        read: u64,
        /// The wave's total.
        total: u64,
    },
    /// All read; aggregating, suppressing and comparing.
    Computing,
    /// Writing the result.
    Storing,
}

/// What a rebuild did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    /// The wave.
    pub wave_id: WaveId,
    /// Questionnaires the result was computed from.
    pub responses: u64,
    /// The result's key.
    pub result_key: String,
}

/// Computes the result of a closed wave from all its responses and stores
/// it, replacing the previous one. A failure at any step leaves the
/// previous result in place. Refuses open waves: their results are not
/// published.
pub async fn rebuild(
    db: &Db,
    wave: &WaveRow,
    progress: &mut (dyn FnMut(RebuildProgress) + Send),
) -> Result<Rebuilt, AnalysisError> {
    if !wave.is_closed() {
        return Err(AnalysisError::Open {
            wave: wave.name.clone(),
            closes_on: wave.closes_on.clone(),
        });
    }
    // Taken before reading: if responses arrive during the read, the stored
    // fingerprint is older than the data and the next refresh rebuilds.
    let fingerprint = results::fingerprint(db, wave.wave_id).await?;
    let total = u64::try_from(fingerprint.responses).unwrap_or(0);
    let (instrument, cut_point_set) = scoring_instrument(db, wave).await?;
    let school_types = crate::storage::geography::school_types(db, wave.municipality_id).await?;
    let stored = responses::read_wave_with_progress(db, wave.wave_id, &mut |read| {
        progress(RebuildProgress::Reading { read, total })
    })
    .await?;
    progress(RebuildProgress::Computing);
    let count = stored.len() as u64;
    let (key, payload) = tokio::task::spawn_blocking(move || {
        publish_with_cut_points(
            &instrument,
            &cut_point_set,
            &stored,
            &school_types,
            MinGroupSize::default(),
        )
        .map(|published| (published.key.as_text(), published.encode()))
    })
    .await
    .map_err(|e| AnalysisError::Decode(e.to_string()))??;
    progress(RebuildProgress::Storing);
    results::store(db, wave.wave_id, &key, fingerprint, &payload).await?;
    tracing::info!(
        wave = wave.wave_id,
        responses = count,
        "wave result rebuilt"
    );
    Ok(Rebuilt {
        wave_id: wave.wave_id,
        responses: count,
        result_key: key,
    })
}

/// The instrument a wave's results are scored with and the id of its cut
/// points: the wave's instrument version with the cut-point set chosen for
/// the wave applied (`storage::analysis::cut_points`), or the instrument's
/// own cut points.
pub async fn scoring_instrument(
    db: &Db,
    wave: &WaveRow,
) -> Result<(Arc<Instrument>, String), AnalysisError> {
    let instrument = instruments::load(db, wave.instrument_id).await?;
    match cut_points::of_wave(db, wave.wave_id).await? {
        None => {
            let id = default_cut_point_set(&instrument);
            Ok((instrument, id))
        }
        Some(stored) => {
            let applied = stored
                .set
                .apply_to(&instrument)
                .map_err(|e| AnalysisError::CutPoints(e.to_string()))?;
            Ok((Arc::new(applied), stored.set.id))
        }
    }
}

/// Whether a closed wave's stored result is missing or out of date: built
/// from other responses, or with another engine, instrument, cut-point set
/// or minimum group size than today's code would use.
pub async fn needs_rebuild(db: &Db, wave: &WaveRow) -> Result<bool, AnalysisError> {
    let Some(header) = results::header_of(db, wave.wave_id).await? else {
        return Ok(true);
    };
    let (instrument, cut_point_set) = scoring_instrument(db, wave).await?;
    let key =
        ResultKey::with_cut_points(&instrument, &cut_point_set, MinGroupSize::default()).as_text();
    Ok(header.result_key != key
        || header.fingerprint != results::fingerprint(db, wave.wave_id).await?)
}

/// Rebuilds every closed wave whose result is missing or out of date (the
/// server runs this at start-up and every minute, which is how a wave whose
/// last day has passed gets published). One failing wave does not stop the
/// others; its error is logged and returned.
pub async fn refresh(db: &Db) -> Result<Vec<Result<Rebuilt, AnalysisError>>, AnalysisError> {
    let mut done = Vec::new();
    for wave in waves::closed(db).await? {
        match needs_rebuild(db, &wave).await {
            Ok(false) => {}
            Ok(true) => {
                let outcome = rebuild(db, &wave, &mut |_| {}).await;
                if let Err(error) = &outcome {
                    tracing::error!(wave = wave.wave_id, %error, "rebuilding a wave result failed");
                }
                done.push(outcome);
            }
            Err(error) => {
                tracing::error!(wave = wave.wave_id, %error, "checking a wave result failed");
                done.push(Err(error));
            }
        }
    }
    Ok(done)
}

/// Rebuilds the result of `wave` if it is closed (after an import or a
/// close); an open wave is left alone, its result is built when it closes.
pub async fn rebuild_if_closed(
    db: &Db,
    wave: &WaveRow,
    progress: &mut (dyn FnMut(RebuildProgress) + Send),
) -> Result<Option<Rebuilt>, AnalysisError> {
    // Re-read: the caller's row may predate a close.
    let Some(current) = waves::find(db, &wave.wave_id.to_string()).await? else {
        return Ok(None);
    };
    if !current.is_closed() {
        return Ok(None);
    }
    rebuild(db, &current, progress).await.map(Some)
}
