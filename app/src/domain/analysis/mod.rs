//! The analysis of a wave: from one pupil's answers (scoring) to the cube of
//! groups (aggregate), what a report may show (suppression, report,
//! profile), the stored result of a closed wave (published), and what builds
//! on it (trend, regional, norms, calibration). [`stats`] holds the pure
//! statistics.

pub mod aggregate;
pub mod calibration;
pub mod norms;
pub mod profile;
pub mod published;
pub mod regional;
pub mod report;
pub mod scoring;
pub mod small_area;
pub mod stats;
pub mod suppression;
pub mod trend;
pub mod weighting;
