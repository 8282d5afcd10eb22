//! Sign-in, sessions and the server-side access check (server only).
//!
//! Passwords are hashed with argon2id (the `argon2` crate's defaults:
//! 19 MiB, 2 passes — OWASP's recommendation). A session is a random
//! 256-bit token in an HttpOnly cookie; the database keeps only its SHA-256,
//! its user, its expiry and the CSRF token that every form of the session
//! posts back. Every server function and CSV route calls [`require`] (or
//! [`principal_from_headers`] plus [`Principal::may`]) before it reads
//! anything, so the browser's idea of what a user may see never matters.

use crate::domain::access::{Action, Principal, Scope};
use crate::error::AppError;
use crate::storage::{Db, StorageError, users};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "quartier_session";
/// Name of the form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// How long a session lasts: a working day, then sign in again.
pub const SESSION_SECONDS: i64 = 10 * 60 * 60;
/// Failed sign-ins per e-mail address within [`THROTTLE_WINDOW_SECONDS`]
/// before further attempts are refused.
pub const MAX_FAILURES: u64 = 5;
/// The throttle's window.
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Errors of sign-in and account handling.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown e-mail address, wrong password or deactivated account — one
    /// message for all, so the form does not reveal which accounts exist.
    #[error("e-mail address or password is wrong")]
    WrongCredentials,
    /// Too many failed attempts recently.
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Throttled {
        /// Minutes until the window has passed.
        minutes: i64,
    },
    /// A new password is too weak.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// Hashing failed (should not happen with valid parameters).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Current time in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Hashes a new password (argon2id, random salt) after checking its length.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::WeakPassword);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored
/// hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody knows, checked for unknown accounts so that a
/// wrong e-mail address takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut random = [0u8; 24];
        rand::rng().fill_bytes(&mut random);
        hash_password(&hex(&random)).unwrap_or_default()
    })
}

/// A fresh random token, hex-encoded.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A session just created by [`sign_in`]; the token goes into the cookie
/// and is never stored.
#[derive(Debug)]
pub struct NewSession {
    /// The cookie value.
    pub token: String,
    /// The signed-in user.
    pub user_id: i64,
}

/// Checks the credentials (throttled per e-mail address) and opens a
/// session.
pub async fn sign_in(db: &Db, email: &str, password: &str) -> Result<NewSession, AuthError> {
    let now = now();
    let window_start = now - THROTTLE_WINDOW_SECONDS;
    if users::login_failures_since(db, email, window_start).await? >= MAX_FAILURES {
        return Err(AuthError::Throttled {
            minutes: THROTTLE_WINDOW_SECONDS / 60,
        });
    }
    let credentials = users::credentials(db, email).await?;
    let password = password.to_string();
    let stored = credentials
        .as_ref()
        .map_or_else(|| decoy_hash().to_string(), |c| c.password_hash.clone());
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false);
    let user = match credentials {
        Some(c) if matches && c.active => c,
        _ => {
            users::record_login_failure(db, email, now, window_start).await?;
            return Err(AuthError::WrongCredentials);
        }
    };
    users::clear_login_failures(db, email).await?;
    let token = random_token();
    users::create_session(
        db,
        &token_hash(&token),
        user.user_id,
        &random_token(),
        now + SESSION_SECONDS,
    )
    .await?;
    Ok(NewSession {
        token,
        user_id: user.user_id,
    })
}

/// Ends the session of this token.
pub async fn sign_out(db: &Db, token: &str) -> Result<(), AuthError> {
    users::delete_session(db, &token_hash(token), now()).await?;
    Ok(())
}

/// The `Set-Cookie` value of a new session. `secure` adds the `Secure`
/// flag (required behind HTTPS; off only for plain-HTTP local use).
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that deletes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token from the request's cookies.
pub fn session_token(headers: &http::HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE).map(str::to_string)
}

/// The non-empty value of the cookie `name` in the request's headers.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// The signed-in user of a request, with the session's CSRF token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// Who.
    pub principal: Principal,
    /// The token forms must post back.
    pub csrf_token: String,
}

/// The signed-in user of the request with these headers, if any.
pub async fn principal_from_headers(
    db: &Db,
    headers: &http::HeaderMap,
) -> Result<Option<SignedIn>, StorageError> {
    let Some(token) = session_token(headers) else {
        return Ok(None);
    };
    let Some(session) = users::session(db, &token_hash(&token), now()).await? else {
        return Ok(None);
    };
    Ok(users::principal(db, session.user_id)
        .await?
        .map(|principal| SignedIn {
            principal,
            csrf_token: session.csrf_token,
        }))
}

/// Compares a posted CSRF token with the session's in constant time.
pub fn csrf_matches(expected: &str, posted: &str) -> bool {
    expected.len() == posted.len()
        && expected
            .bytes()
            .zip(posted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The signed-in user of the current server-function or page request.
pub async fn current() -> Result<Option<SignedIn>, AppError> {
    let db = crate::storage::db()?;
    let headers: http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(principal_from_headers(&db, &headers).await?)
}

/// Sets the HTTP status of the current response (page or server function).
fn set_status(status: http::StatusCode) {
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

/// The signed-in user if they may do `action` in `scope`; otherwise
/// `Unauthenticated` (401) or `Forbidden` (403), with the response status
/// set accordingly.
pub async fn require(action: Action, scope: &Scope) -> Result<Principal, AppError> {
    let Some(signed_in) = current().await? else {
        set_status(http::StatusCode::UNAUTHORIZED);
        return Err(AppError::Unauthenticated);
    };
    if signed_in.principal.may(action, scope) {
        Ok(signed_in.principal)
    } else {
        tracing::warn!(
            user = signed_in.principal.user_id,
            ?action,
            municipality = scope.municipality_id,
            "access refused"
        );
        set_status(http::StatusCode::FORBIDDEN);
        Err(AppError::Forbidden)
    }
}

/// The signed-in user, or `Unauthenticated` with status 401.
pub async fn require_signed_in() -> Result<SignedIn, AppError> {
    match current().await? {
        Some(signed_in) => Ok(signed_in),
        None => {
            set_status(http::StatusCode::UNAUTHORIZED);
            Err(AppError::Unauthenticated)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        // Same password, new salt.
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            hash_password("elf zeichen"),
            Err(AuthError::WeakPassword)
        ));
    }

    #[test]
    fn the_session_cookie_is_http_only_and_same_site() {
        let cookie = session_cookie("abc", true);
        assert!(cookie.starts_with("quartier_session=abc;"));
        for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie} lacks {flag}");
        }
        assert!(!session_cookie("abc", false).contains("Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_read_from_among_other_cookies() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "i18n_pref_locale=de; quartier_session=f00d; x=1"
                .parse()
                .unwrap(),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("f00d"));
        assert_eq!(session_token(&http::HeaderMap::new()), None);
    }

    #[test]
    fn csrf_tokens_compare_exactly() {
        assert!(csrf_matches("abcd", "abcd"));
        assert!(!csrf_matches("abcd", "abce"));
        assert!(!csrf_matches("abcd", "abc"));
        assert!(!csrf_matches("abcd", ""));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 32);
    }
}
