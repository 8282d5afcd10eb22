//! `server`: Quartier's single binary. Serves the web app and carries the
//! command line tools that municipal IT uses for set-up and data exchange.

mod accounts;
mod cli;
mod codesheet;
mod demo;
mod downloads;
mod norms;
mod planning;
mod responses_csv;
mod results;
mod setup;
mod setup_web;
mod survey;
mod web;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

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
        Command::Demo(args) => demo::load(&db, &args).await,
        Command::ImportInstrument { file } => cli::import_instrument(&db, &file).await,
        Command::User(accounts::UserCommand::Add(args)) => accounts::user_add(&db, &args).await,
        Command::User(accounts::UserCommand::Reset(args)) => accounts::user_reset(&db, &args).await,
        Command::Municipality(cli::MunicipalityCommand::Add(args)) => {
            setup::municipality_add(&db, &args).await
        }
        Command::District(cli::DistrictCommand::Add(args)) => setup::district_add(&db, &args).await,
        Command::School(cli::SchoolCommand::Add(args)) => setup::school_add(&db, &args).await,
        Command::Wave(cli::WaveCommand::Create(args)) => setup::wave_create(&db, &args).await,
        Command::Wave(cli::WaveCommand::Close { wave }) => results::close(&db, &wave).await,
        Command::Results(results::ResultsCommand::Rebuild { wave }) => {
            results::rebuild(&db, wave.as_deref()).await
        }
        Command::Class(cli::ClassCommand::Add(args)) => setup::class_add(&db, &args).await,
        Command::Codes(cli::CodesCommand::Generate(args)) => {
            setup::codes_generate(&db, &args).await
        }
        Command::Participation(args) => setup::participation(&db, &args).await,
        Command::ExportProfile(args) => cli::export_profile(&db, &args).await,
        Command::ExportTrend {
            municipality,
            by,
            min_group_size,
            language,
        } => cli::export_trend(&db, &municipality, &by, min_group_size, &language).await,
        Command::ExportQuality { wave } => cli::export_quality(&db, &wave).await,
        Command::Norms(norms::NormsCommand::Import(args)) => norms::import(&db, &args).await,
        Command::Norms(norms::NormsCommand::List) => norms::list(&db).await,
        Command::Norms(norms::NormsCommand::Export { key, output }) => {
            norms::export(&db, &key, output.as_ref()).await
        }
        Command::Norms(norms::NormsCommand::Delete { key }) => norms::delete(&db, &key).await,
        Command::ImportPrograms { file } => planning::import_programs(&db, &file).await,
        Command::ExportPrograms { output } => planning::export_programs(&db, output.as_ref()).await,
        Command::ImportResponses(args) => responses_csv::import(&db, &args).await,
        Command::ExportResponses(args) => responses_csv::export(&db, &args).await,
        Command::Calibrate { wave, outcome } => {
            cli::calibrate(&db, &wave, outcome.as_deref()).await
        }
    }
}

fn init_tracing(filter: &str) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    fmt().with_env_filter(filter).with_target(false).init();
}
