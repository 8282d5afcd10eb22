//! `server cut-points`: cut points calibrated on a reference wave stored as
//! a named, versioned set of the wave's instrument, and the set a wave's
//! results use (docs/statistics.md, "Cut-point calibration").

use anyhow::{Context, anyhow};
use app::analysis::{CalibrationCriterion, wave_calibration};
use app::domain::analysis::calibration::CutPointSet;
use app::storage::Db;
use app::storage::analysis::cut_points;
use app::storage::survey::instruments;
use clap::{Subcommand, ValueEnum};
use std::collections::BTreeMap;

/// `cut-points …`.
#[derive(Debug, Subcommand)]
pub enum CutPointsCommand {
    /// Calibrate on a reference wave (as `calibrate` does) and store the
    /// chosen candidate of every scale and grade as the next version of a
    /// named set of the wave's instrument:
    ///
    ///     server cut-points save --wave "Frühjahr 2024" --name kalibriert-2024 \
    ///         --candidate rule
    ///
    /// A stored set never changes; saving under the same name again adds
    /// version 2. Scales or grades without a candidate keep the
    /// instrument's cut points.
    #[command(verbatim_doc_comment)]
    Save {
        /// The reference wave: its id or its exact name.
        #[arg(long)]
        wave: String,
        /// The set's name (the version is added).
        #[arg(long)]
        name: String,
        /// Which candidate to store.
        #[arg(long, value_enum)]
        candidate: Candidate,
        /// Outcome indicator to calibrate against (for `youden`); default:
        /// any substance use, violence or delinquency indicator.
        #[arg(long)]
        outcome: Option<String>,
    },
    /// List the stored sets of a wave's instrument; `*` marks the one the
    /// wave uses.
    List {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
    },
    /// Make a wave's results use a stored set (`"NAME vN"`), or the
    /// instrument's own cut points (`default`). A closed wave's results are
    /// rebuilt at once; every page, CSV and trend then names the set.
    Use {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: String,
        /// `"NAME vN"` as `cut-points list` shows it, or `default`.
        #[arg(long)]
        set: String,
    },
}

/// The candidate `cut-points save` stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Candidate {
    /// The CTC rule (median ± 0.15·MAD) on the reference wave.
    Rule,
    /// The in-sample Youden-optimal score: optimistic, validate it on
    /// another wave before relying on it.
    Youden,
}

/// `cut-points save`.
pub async fn save(
    db: &Db,
    wave_name: &str,
    name: &str,
    candidate: Candidate,
    outcome: Option<&str>,
) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(anyhow!("--name must have 1 to 80 characters"));
    }
    let wave = super::setup::wave(db, wave_name).await?;
    let criterion = outcome.map_or(CalibrationCriterion::AnyProblemBehaviour, |id| {
        CalibrationCriterion::Outcome(id.to_string())
    });
    let rows = wave_calibration(db, &wave, &criterion).await?;
    let mut values: BTreeMap<String, BTreeMap<u8, f64>> = BTreeMap::new();
    for row in &rows {
        let Some(report) = &row.report else { continue };
        let chosen = match candidate {
            Candidate::Rule => report.rule_based.as_ref(),
            Candidate::Youden => report.youden_optimal.as_ref(),
        };
        if let Some(chosen) = chosen {
            values
                .entry(row.scale.clone())
                .or_default()
                .insert(row.grade, chosen.cut);
        }
    }
    if values.is_empty() {
        return Err(anyhow!(
            "wave \"{}\" gives no {candidate:?} candidate for any scale",
            wave.name
        ));
    }
    let instrument = instruments::load(db, wave.instrument_id).await?;
    let what = match candidate {
        Candidate::Rule => "CTC rule (median ± 0.15 MAD)",
        Candidate::Youden => "Youden-optimal in sample",
    };
    let derived_from = format!(
        "{what} on wave \"{}\", {} questionnaires, against {}",
        wave.name,
        rows.iter()
            .filter_map(|r| r.report.as_ref().map(|r| r.n_scores))
            .max()
            .unwrap_or(0),
        outcome.unwrap_or("any substance use, violence or delinquency"),
    );
    // Checked against the instrument before anything is stored.
    CutPointSet {
        id: name.to_string(),
        derived_from: derived_from.clone(),
        cut_points: values.clone(),
    }
    .apply_to(&instrument)
    .context("the calibrated cut points do not fit the instrument")?;
    let stored = cut_points::save(db, wave.instrument_id, name, &derived_from, &values).await?;
    let count: usize = values.values().map(BTreeMap::len).sum();
    println!(
        "stored cut-point set \"{}\" ({count} scale × grade values): {derived_from}",
        stored.set.id
    );
    Ok(())
}

/// `cut-points list`.
pub async fn list(db: &Db, wave_name: &str) -> anyhow::Result<()> {
    let wave = super::setup::wave(db, wave_name).await?;
    let chosen = cut_points::of_wave(db, wave.wave_id).await?;
    let marker = |used: bool| if used { "*" } else { " " };
    println!(
        "{} default (the instrument's own cut points)",
        marker(chosen.is_none())
    );
    for set in cut_points::of_instrument(db, wave.instrument_id).await? {
        let used = chosen
            .as_ref()
            .is_some_and(|c| c.cut_point_set_id == set.cut_point_set_id);
        println!(
            "{} {}  stored {}: {}",
            marker(used),
            set.set.id,
            set.created_on,
            set.set.derived_from
        );
    }
    Ok(())
}

/// `cut-points use`.
pub async fn use_set(db: &Db, wave_name: &str, set: &str) -> anyhow::Result<()> {
    let wave = super::setup::wave(db, wave_name).await?;
    let chosen = if set.trim() == "default" {
        None
    } else {
        let sets = cut_points::of_instrument(db, wave.instrument_id).await?;
        let found = sets.iter().find(|s| s.set.id == set.trim()).ok_or_else(|| {
            anyhow!(
                "the instrument of wave \"{}\" has no cut-point set \"{set}\"; `server cut-points list --wave {}` shows them",
                wave.name,
                wave.wave_id
            )
        })?;
        Some(found.cut_point_set_id)
    };
    cut_points::choose_for_wave(db, wave.wave_id, chosen, None).await?;
    println!("wave {} uses the cut points \"{}\"", wave.name, set.trim());
    super::results::rebuild_after_change(db, &wave).await
}
