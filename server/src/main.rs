//! `server`: Quartier's single binary. Serves the web app and carries the
//! command line tools that municipal IT uses for set-up and data exchange.
//!
//! `main` is the one place that knows both sides: it dispatches a parsed
//! [`cli::Command`] to its handler in `cli/`, or to `web::serve`.

mod cli;
mod config;
mod tables;
mod web;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.log);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole cause chain on one line for the operator.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let db = cli::open_database(&cli.database).await?;
    match cli.command.unwrap_or_default() {
        Command::Serve(args) => web::serve(db, args).await,
        Command::Migrate => {
            // open_database already migrated; say so for the operator.
            println!("database {} is up to date", cli.database);
            Ok(())
        }
        Command::Demo(args) => cli::demo::load(&db, &args).await,
        Command::ImportInstrument { file } => cli::import_instrument(&db, &file).await,
        Command::User(cli::accounts::UserCommand::Add(args)) => {
            cli::accounts::user_add(&db, &args).await
        }
        Command::User(cli::accounts::UserCommand::Reset(args)) => {
            cli::accounts::user_reset(&db, &args).await
        }
        Command::Municipality(cli::setup::MunicipalityCommand::Add(args)) => {
            cli::setup::municipality_add(&db, &args).await
        }
        Command::District(cli::setup::DistrictCommand::Add(args)) => {
            cli::setup::district_add(&db, &args).await
        }
        Command::School(cli::setup::SchoolCommand::Add(args)) => {
            cli::setup::school_add(&db, &args).await
        }
        Command::Wave(cli::setup::WaveCommand::Create(args)) => {
            cli::setup::wave_create(&db, &args).await
        }
        Command::Wave(cli::setup::WaveCommand::Close { wave }) => {
            cli::results::close(&db, &wave).await
        }
        Command::Results(cli::results::ResultsCommand::Rebuild { wave }) => {
            cli::results::rebuild(&db, wave.as_deref()).await
        }
        Command::Class(cli::setup::ClassCommand::Add(args)) => {
            cli::setup::class_add(&db, &args).await
        }
        Command::Codes(cli::setup::CodesCommand::Generate(args)) => {
            cli::setup::codes_generate(&db, &args).await
        }
        Command::Participation(args) => cli::setup::participation(&db, &args).await,
        Command::ExportProfile(args) => cli::exports::export_profile(&db, &args).await,
        Command::ExportTrend {
            municipality,
            by,
            min_group_size,
            language,
        } => cli::exports::export_trend(&db, &municipality, &by, min_group_size, &language).await,
        Command::ExportQuality { wave } => cli::exports::export_quality(&db, &wave).await,
        Command::Norms(cli::norms::NormsCommand::Import(args)) => {
            cli::norms::import(&db, &args).await
        }
        Command::Norms(cli::norms::NormsCommand::List) => cli::norms::list(&db).await,
        Command::Norms(cli::norms::NormsCommand::Export { key, output }) => {
            cli::norms::export(&db, &key, output.as_ref()).await
        }
        Command::Norms(cli::norms::NormsCommand::Delete { key }) => {
            cli::norms::delete(&db, &key).await
        }
        Command::Indicators(cli::indicators::IndicatorsCommand::Catalogue { file }) => {
            cli::indicators::import_catalogue(&db, &file).await
        }
        Command::Indicators(cli::indicators::IndicatorsCommand::Import(args)) => {
            cli::indicators::import(&db, &args).await
        }
        Command::Indicators(cli::indicators::IndicatorsCommand::Export {
            municipality,
            output,
        }) => cli::indicators::export(&db, &municipality, output.as_ref()).await,
        Command::ImportPrograms { file } => cli::programs::import_programs(&db, &file).await,
        Command::ExportPrograms { output } => {
            cli::programs::export_programs(&db, output.as_ref()).await
        }
        Command::ImportResponses(args) => cli::responses::import(&db, &args).await,
        Command::ExportResponses(args) => cli::responses::export(&db, &args).await,
        Command::Calibrate { wave, outcome } => {
            cli::exports::calibrate(&db, &wave, outcome.as_deref()).await
        }
        Command::CutPoints(cli::cut_points::CutPointsCommand::Save {
            wave,
            name,
            candidate,
            outcome,
        }) => cli::cut_points::save(&db, &wave, &name, candidate, outcome.as_deref()).await,
        Command::CutPoints(cli::cut_points::CutPointsCommand::List { wave }) => {
            cli::cut_points::list(&db, &wave).await
        }
        Command::CutPoints(cli::cut_points::CutPointsCommand::Use { wave, set }) => {
            cli::cut_points::use_set(&db, &wave, &set).await
        }
        Command::Population(cli::population::PopulationCommand::Import { wave, file }) => {
            cli::population::import(&db, &wave, &file).await
        }
        Command::Population(cli::population::PopulationCommand::Export { wave, output }) => {
            cli::population::export(&db, &wave, output.as_ref()).await
        }
    }
}

fn init_tracing(filter: &str) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    fmt().with_env_filter(filter).with_target(false).init();
}
