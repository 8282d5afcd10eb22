//! Sign-in and sign-out form posts, the priority form post, the CSRF origin
//! check, and the `user` CLI commands.
//!
//! Forms are plain HTML posts answered with redirects (they work without
//! JavaScript). Every form of a signed-in user carries the session's CSRF
//! token; on top of that, [`check_origin`] refuses any cross-site POST.

use crate::web::AppState;
use anyhow::{Context, bail};
use app::auth::{self, AuthError, CSRF_FIELD, SignedIn};
use app::domain::access::{Action, Role};
use app::storage::{Db, geography, planning::priorities, users};
use axum::{
    Form,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use clap::{Args, Subcommand};
use std::io::BufRead;

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

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A same-site path to go to after sign-in; anything else goes to the
/// overview.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/uebersicht"
    }
}

fn with_set_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(crate) fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Interner Fehler / internal error",
    )
        .into_response()
}

/// `POST /anmelden`.
pub async fn sign_in(
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let email = field(&fields, "email");
    let password = field(&fields, "password");
    let next = safe_next(field(&fields, "next"));
    match auth::sign_in(&state.db, email, password).await {
        Ok(session) => {
            tracing::info!(user = session.user_id, "signed in");
            with_set_cookie(
                Redirect::to(next).into_response(),
                &auth::session_cookie(&session.token, state.secure_cookies.0),
            )
        }
        Err(AuthError::WrongCredentials) => Redirect::to("/anmelden?fehler=falsch").into_response(),
        Err(AuthError::Throttled { .. }) => {
            Redirect::to("/anmelden?fehler=gesperrt").into_response()
        }
        Err(error) => internal(error),
    }
}

/// The signed-in user of a form post whose CSRF token matches, or the
/// response to send instead.
pub(crate) async fn signed_in_with_csrf(
    db: &Db,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<SignedIn, Response> {
    let signed_in = match auth::principal_from_headers(db, headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Redirect::to("/anmelden").into_response()),
        Err(error) => return Err(internal(error)),
    };
    if !auth::csrf_matches(&signed_in.csrf_token, field(fields, CSRF_FIELD)) {
        return Err((
            StatusCode::FORBIDDEN,
            "Das Formular ist abgelaufen oder stammt nicht von Quartier; bitte neu laden. / The form expired or did not come from Quartier; reload it.",
        )
            .into_response());
    }
    Ok(signed_in)
}

/// `POST /abmelden`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = signed_in_with_csrf(&state.db, &headers, &fields).await {
        return response;
    }
    if let Some(token) = auth::session_token(&headers)
        && let Err(error) = auth::sign_out(&state.db, &token).await
    {
        return internal(error);
    }
    with_set_cookie(
        Redirect::to("/").into_response(),
        &auth::clear_session_cookie(state.secure_cookies.0),
    )
}

/// `POST /prioritaeten`: the board's decision for a municipality (or one of
/// its districts).
pub async fn record_priorities(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let db = &state.db;
    let signed_in = match signed_in_with_csrf(db, &headers, &fields).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Ok(municipality_id) = field(&fields, "municipality").parse::<i64>() else {
        return (StatusCode::BAD_REQUEST, "municipality missing").into_response();
    };
    let municipality = match geography::municipality(db, municipality_id).await {
        Ok(Some(m)) => m,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such municipality").into_response(),
        Err(error) => return internal(error),
    };
    if !signed_in
        .principal
        .may(Action::EditPriorities, &municipality.scope())
    {
        return (StatusCode::FORBIDDEN, "Keine Berechtigung / not allowed").into_response();
    }
    let back = |query: &str| {
        Redirect::to(&format!("/prioritaeten/{municipality_id}?{query}")).into_response()
    };
    let district_id = match field(&fields, "district") {
        "" | "all" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return back("fehler=bezirk"),
        },
    };
    if let Some(district) = district_id {
        match geography::districts(db, municipality_id).await {
            Ok(list) if list.iter().any(|d| d.district_id == district) => {}
            Ok(_) => return back("fehler=bezirk"),
            Err(error) => return internal(error),
        }
    }
    let wave_id = field(&fields, "wave").parse::<i64>().ok();
    let factors: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "factor" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    let rationale = field(&fields, "rationale").trim();
    let decided_on = field(&fields, "decided_on").trim();
    let allowed = match app::pages::priorities::allowed_factors(db, municipality_id).await {
        Ok(allowed) => allowed,
        Err(error) => return internal(error),
    };
    match app::domain::planning::priorities::validate_decision(
        &factors, &allowed, rationale, decided_on,
    ) {
        Ok(()) => {}
        Err(problem) => return back(&format!("fehler={}", problem.code())),
    }
    let decision = priorities::NewDecision {
        municipality_id,
        district_id,
        wave_id,
        factors: &factors,
        rationale,
        decided_on,
        decided_by: Some(signed_in.principal.user_id),
    };
    match priorities::record(db, &decision).await {
        Ok(_) => back("gespeichert=1"),
        Err(error) => internal(error),
    }
}

/// Refuses state-changing requests whose `Origin` names another site
/// (defence in depth next to the CSRF tokens and SameSite cookies; browsers
/// send `Origin` with every cross-site POST).
pub async fn check_origin(request: Request, next: Next) -> Response {
    let method = request.method();
    if method != http::Method::GET && method != http::Method::HEAD {
        let headers = request.headers();
        if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
        {
            let origin = origin.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            if origin == "null" || Some(origin_host) != host.to_str().ok() {
                tracing::warn!("cross-site request refused");
                return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/profil/3/4"), "/profil/3/4");
        assert_eq!(safe_next("//evil.example/"), "/uebersicht");
        assert_eq!(safe_next("https://evil.example/"), "/uebersicht");
        assert_eq!(safe_next("/\\evil.example"), "/uebersicht");
        assert_eq!(safe_next(""), "/uebersicht");
    }
}
