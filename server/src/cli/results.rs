//! `results rebuild` and `wave close`, and the progress lines every
//! command that rebuilds a wave's published result prints.

use std::io::Write;

use app::analysis::publication;
use app::analysis::publication::{RebuildProgress, Rebuilt};
use app::storage::{Db, waves};
use clap::Subcommand;

/// `results` sub-commands.
#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Recompute the published results of closed waves from their
    /// questionnaires.
    ///
    /// The server does this by itself: when a wave closes (at start-up and
    /// every minute it publishes waves whose last day has passed), after an
    /// import into a closed wave, and when an update of Quartier changes the
    /// analysis. This command is for operators who want it now. Without
    /// --wave, every closed wave whose result is missing or out of date is
    /// rebuilt; with --wave, that wave is rebuilt in any case. A failed
    /// rebuild leaves the previous result in place.
    ///
    /// Example:
    ///
    ///     server results rebuild --wave "Frühjahr 2026"
    #[command(verbatim_doc_comment)]
    Rebuild {
        /// The wave: its id or its exact name.
        #[arg(long)]
        wave: Option<String>,
    },
}

/// Prints the progress of a rebuild to standard error, one line per step
/// (a carriage return updates the reading line in a terminal).
pub fn progress_printer(label: String) -> impl FnMut(RebuildProgress) + Send {
    move |step| {
        let mut err = std::io::stderr().lock();
        let _ = match step {
            RebuildProgress::Reading { read, total } => {
                write!(err, "\r{label}: reading questionnaires {read}/{total}")
            }
            RebuildProgress::Computing => {
                writeln!(err).and_then(|()| writeln!(err, "{label}: computing the profiles"))
            }
            RebuildProgress::Storing => writeln!(err, "{label}: storing the result"),
        };
    }
}

fn report(rebuilt: &Rebuilt, name: &str) {
    println!(
        "published results of wave {} ({name}) rebuilt from {} questionnaires",
        rebuilt.wave_id, rebuilt.responses
    );
}

/// Rebuilds `wave` with progress lines if it is closed; says so if it is
/// open (its results are built when it closes).
pub async fn rebuild_after_change(db: &Db, wave: &waves::WaveRow) -> anyhow::Result<()> {
    let mut progress = progress_printer(format!("wave {}", wave.name));
    match publication::rebuild_if_closed(db, wave, &mut progress).await? {
        Some(rebuilt) => report(&rebuilt, &wave.name),
        None => println!(
            "wave {} is open: its results are published once it has closed",
            wave.name
        ),
    }
    Ok(())
}

/// `results rebuild`.
pub async fn rebuild(db: &Db, wave: Option<&str>) -> anyhow::Result<()> {
    if let Some(wave) = wave {
        let row = waves::find(db, wave)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{wave}\""))?;
        let mut progress = progress_printer(format!("wave {}", row.name));
        let rebuilt = publication::rebuild(db, &row, &mut progress).await?;
        report(&rebuilt, &row.name);
        return Ok(());
    }
    let outcomes = publication::refresh(db).await?;
    if outcomes.is_empty() {
        println!("every closed wave's published result is up to date; nothing changed");
    }
    let mut failed = 0;
    for outcome in outcomes {
        match outcome {
            Ok(rebuilt) => report(&rebuilt, &rebuilt.wave_id.to_string()),
            Err(error) => {
                failed += 1;
                eprintln!("error: {error}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} wave(s) could not be rebuilt; their previous results stay in place"
        );
    }
    Ok(())
}

/// `wave close`: ends a wave before its last day and publishes its results.
pub async fn close(db: &Db, wave: &str) -> anyhow::Result<()> {
    let row = waves::find(db, wave)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no wave with id or name \"{wave}\""))?;
    if row.is_closed() {
        println!("wave {} is closed already; nothing changed", row.name);
    } else {
        waves::close(db, row.wave_id).await?;
        println!(
            "wave {} closed: pupils can no longer answer; publishing its results",
            row.name
        );
    }
    rebuild_after_change(db, &row).await
}
