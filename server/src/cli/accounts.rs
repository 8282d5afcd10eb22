//! `user add` and `user reset`: accounts for coordinators, trainers,
//! school contacts and admins, created by municipal IT.

use std::io::BufRead;

use anyhow::{Context, bail};
use app::auth;
use app::domain::access::Role;
use app::storage::{Db, geography, users};
use clap::{Args, Subcommand};

/// `user` sub-commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The first one is usually the admin:
    ///
    ///     server user add --email admin@example.org --name "Admin" --role admin
    ///
    /// Without --password-stdin a random password is generated and printed
    /// once. Roles and what they need:
    ///
    ///   admin           everything
    ///   regional        --region: reads every municipality of the region
    ///   coordinator     --municipality: everything about that municipality
    ///   school_contact  --municipality and --school: that school's participation
    ///   trainer         --municipality (repeatable): reads and plans for those
    #[command(verbatim_doc_comment)]
    Add(UserAddArgs),
    /// Set a new password for an account (and end all its sessions), e.g.
    /// after a forgotten password or too many failed sign-ins:
    ///
    ///     server user reset --email admin@example.org
    #[command(verbatim_doc_comment)]
    Reset(UserResetArgs),
}

/// Arguments of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// E-mail address, the sign-in name.
    #[arg(long)]
    pub email: String,
    /// Name shown in the page header.
    #[arg(long)]
    pub name: String,
    /// admin, regional, coordinator, school_contact or trainer.
    #[arg(long)]
    pub role: Role,
    /// Region name (regional office).
    #[arg(long)]
    pub region: Option<String>,
    /// Municipality name; repeat for a trainer supporting several.
    #[arg(long)]
    pub municipality: Vec<String>,
    /// School name within the municipality (school contact).
    #[arg(long)]
    pub school: Option<String>,
    /// Read the password from the first line of standard input instead of
    /// generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Arguments of `user reset`.
#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// E-mail address of the account.
    #[arg(long)]
    pub email: String,
    /// Read the new password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// A password to set: read from stdin or generated (and then printed).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        // 16 symbols of the access-code alphabet: ≈ 79 bits, easy to type.
        let code = |rng: &mut rand::rngs::ThreadRng| {
            app::domain::survey::access_code::AccessCode::generate(rng).to_string()
        };
        let mut rng = rand::rng();
        Ok((format!("{}-{}", code(&mut rng), code(&mut rng)), true))
    }
}

/// `server user add`.
pub async fn user_add(db: &Db, args: &UserAddArgs) -> anyhow::Result<()> {
    let mut municipality_ids = Vec::new();
    for name in &args.municipality {
        let row = geography::find_municipality(db, name)
            .await?
            .with_context(|| format!("no municipality named \"{name}\""))?;
        municipality_ids.push(row.municipality_id);
    }
    let region_id = match &args.region {
        Some(name) => Some(
            geography::find_region(db, name)
                .await?
                .with_context(|| format!("no region named \"{name}\""))?,
        ),
        None => None,
    };
    let one_municipality = || -> anyhow::Result<i64> {
        match municipality_ids.as_slice() {
            [one] => Ok(*one),
            _ => bail!("role {} needs exactly one --municipality", args.role),
        }
    };
    let (region_id, municipality_id, school_id, supported) = match args.role {
        Role::Admin => (None, None, None, vec![]),
        Role::Regional => (
            Some(region_id.context("role regional needs --region")?),
            None,
            None,
            vec![],
        ),
        Role::Coordinator => (None, Some(one_municipality()?), None, vec![]),
        Role::SchoolContact => {
            let municipality = one_municipality()?;
            let school = args
                .school
                .as_deref()
                .context("role school_contact needs --school")?;
            let school_id = geography::find_school(db, municipality, school)
                .await?
                .with_context(|| format!("no school named \"{school}\" in that municipality"))?;
            (None, Some(municipality), Some(school_id), vec![])
        }
        Role::Trainer => {
            if municipality_ids.is_empty() {
                bail!("role trainer needs at least one --municipality");
            }
            (None, None, None, municipality_ids.clone())
        }
    };
    let (password, generated) = new_password(args.password_stdin)?;
    let hash = auth::hash_password(&password)?;
    users::create(
        db,
        &users::NewUser {
            email: &args.email,
            display_name: &args.name,
            password_hash: &hash,
            role: args.role,
            region_id,
            municipality_id,
            school_id,
            supported_municipalities: &supported,
        },
    )
    .await?;
    println!(
        "account {} created with role {}",
        users::normalise_email(&args.email),
        args.role
    );
    if generated {
        println!("password (shown only now): {password}");
    }
    Ok(())
}

/// `server user reset`.
pub async fn user_reset(db: &Db, args: &UserResetArgs) -> anyhow::Result<()> {
    let (password, generated) = new_password(args.password_stdin)?;
    let hash = auth::hash_password(&password)?;
    users::set_password(db, &args.email, &hash).await?;
    println!(
        "new password set for {}; its sessions were ended",
        users::normalise_email(&args.email)
    );
    if generated {
        println!("password (shown only now): {password}");
    }
    Ok(())
}
