//! The analysis service (server only): reads a wave from storage and runs the
//! pure domain pipeline on it. Server functions and the CLI both call this,
//! so the page and the CSV export can never disagree.

use crate::domain::aggregate::{AggregateOptions, Cube, Dimension, Respondent, aggregate};
use crate::domain::instrument::Instrument;
use crate::domain::report::{
    ProfileTable, ReportOptions, build_profile_table, default_cut_point_set,
};
use crate::domain::suppression::SuppressionError;
use crate::storage::waves::WaveRow;
use crate::storage::{Db, StorageError, instruments, responses};

/// Errors of an analysis run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// Reading from the database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The suppression step refused the table (a bug: cubes are additive).
    #[error("suppression failed: {0}")]
    Suppression(#[from] SuppressionError),
}

/// A wave's responses aggregated, with the instrument they were scored with.
pub struct WaveCube {
    /// The instrument version of the wave.
    pub instrument: Instrument,
    /// The aggregates.
    pub cube: Cube,
}

/// Reads all responses of `wave` and aggregates them by `breakdown`
/// (flagged questionnaires excluded unless `include_flagged`).
#[tracing::instrument(skip(db))]
pub async fn wave_cube(
    db: &Db,
    wave: &WaveRow,
    breakdown: &[Dimension],
    include_flagged: bool,
) -> Result<WaveCube, AnalysisError> {
    let instrument = instruments::load(db, wave.instrument_id).await?;
    let stored = responses::read_wave(db, wave.wave_id).await?;
    let cube = aggregate(
        &instrument,
        stored.iter().map(|response| Respondent {
            district: response.district,
            school: response.school,
            grade: response.grade,
            sex: response.sex,
            answers: &response.answers,
            valid: response.validity_flags.is_empty(),
        }),
        breakdown,
        AggregateOptions { include_flagged },
    );
    Ok(WaveCube { instrument, cube })
}

/// The privacy-safe profile table of a wave.
pub async fn wave_profile(
    db: &Db,
    wave: &WaveRow,
    breakdown: &[Dimension],
    include_flagged: bool,
    options: &ReportOptions,
) -> Result<ProfileTable, AnalysisError> {
    let WaveCube { instrument, cube } = wave_cube(db, wave, breakdown, include_flagged).await?;
    Ok(build_profile_table(
        &instrument,
        &cube,
        &default_cut_point_set(&instrument),
        options,
    )?)
}
