//! Accounts of adult users, their sign-in sessions and the sign-in
//! throttle. Password hashing and token generation live in
//! [`crate::auth`]; this module stores what that produces.

use super::{Db, StorageError, StorageResult};
use crate::domain::access::{Principal, Role};

/// A new account, as the CLI or an admin creates it.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// Sign-in name; stored lower-case.
    pub email: &'a str,
    /// Shown in the header.
    pub display_name: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// The role.
    pub role: Role,
    /// Region of a regional office.
    pub region_id: Option<i64>,
    /// Municipality of a coordinator or school contact.
    pub municipality_id: Option<i64>,
    /// School of a school contact.
    pub school_id: Option<i64>,
    /// Municipalities a trainer supports.
    pub supported_municipalities: &'a [i64],
}

/// What sign-in needs to know about an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Row id.
    pub user_id: i64,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Deactivated accounts cannot sign in.
    pub active: bool,
}

/// E-mail addresses compare case-insensitively and without surrounding
/// blanks.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates an account; refuses a taken e-mail address.
#[tracing::instrument(skip(db, user), fields(role = %user.role))]
pub async fn create(db: &Db, user: &NewUser<'_>) -> StorageResult<i64> {
    let email = normalise_email(user.email);
    let mut tx = db.begin().await?;
    let taken: Option<i64> = sqlx::query_scalar("select user_id from app_user where email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StorageError::Conflict(format!(
            "an account for {email} exists already (use `server user reset` to set a new password)"
        )));
    }
    let user_id: i64 = sqlx::query_scalar(
        r#"insert into app_user (email, display_name, password_hash, role, region_id,
                                 municipality_id, school_id)
           values ($1, $2, $3, $4, $5, $6, $7) returning user_id"#,
    )
    .bind(&email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.region_id)
    .bind(user.municipality_id)
    .bind(user.school_id)
    .fetch_one(&mut *tx)
    .await?;
    for municipality in user.supported_municipalities {
        sqlx::query("insert into user_municipality (user_id, municipality_id) values ($1, $2)")
            .bind(user_id)
            .bind(municipality)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

/// Sets a new password hash and ends every session of the account.
pub async fn set_password(db: &Db, email: &str, password_hash: &str) -> StorageResult<()> {
    let email = normalise_email(email);
    let mut tx = db.begin().await?;
    let user_id: i64 = sqlx::query_scalar("select user_id from app_user where email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StorageError::NotFound(format!("account {email}")))?;
    sqlx::query("update app_user set password_hash = $1, active = 1 where user_id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from user_session where user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from login_failure where email = $1")
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The credentials of the account with this e-mail address, if any.
pub async fn credentials(db: &Db, email: &str) -> StorageResult<Option<Credentials>> {
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("select user_id, password_hash, active from app_user where email = $1")
            .bind(normalise_email(email))
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(user_id, password_hash, active)| Credentials {
        user_id,
        password_hash,
        active: active == 1,
    }))
}

type PrincipalRow = (i64, String, String, Option<i64>, Option<i64>, Option<i64>);

/// The principal of an active account.
pub async fn principal(db: &Db, user_id: i64) -> StorageResult<Option<Principal>> {
    let row: Option<PrincipalRow> = sqlx::query_as(
        r#"select user_id, display_name, role, region_id, municipality_id, school_id
           from app_user where user_id = $1 and active = 1"#,
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some((user_id, display_name, role, region_id, municipality_id, school_id)) = row else {
        return Ok(None);
    };
    let role = role
        .parse::<Role>()
        .map_err(|e| StorageError::Conflict(format!("account {user_id}: {e}")))?;
    let supported_municipalities = sqlx::query_scalar(
        "select municipality_id from user_municipality where user_id = $1 order by municipality_id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(Some(Principal {
        user_id,
        display_name,
        role,
        region_id,
        municipality_id,
        school_id,
        supported_municipalities,
    }))
}

/// Stores a new session (token already hashed).
pub async fn create_session(
    db: &Db,
    token_hash: &[u8],
    user_id: i64,
    csrf_token: &str,
    expires_at: i64,
) -> StorageResult<()> {
    sqlx::query(
        "insert into user_session (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A live session: its user and its CSRF token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// The signed-in user.
    pub user_id: i64,
    /// The token every form of the session posts back.
    pub csrf_token: String,
}

/// The session with this token hash, if it exists and has not expired at
/// `now` (unix seconds).
pub async fn session(db: &Db, token_hash: &[u8], now: i64) -> StorageResult<Option<SessionRow>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "select user_id, csrf_token from user_session where token_hash = $1 and expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(user_id, csrf_token)| SessionRow {
        user_id,
        csrf_token,
    }))
}

/// Ends a session, and clears expired ones while at it.
pub async fn delete_session(db: &Db, token_hash: &[u8], now: i64) -> StorageResult<()> {
    sqlx::query("delete from user_session where token_hash = $1 or expires_at <= $2")
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed sign-in for `email` at `now` and forgets failures older
/// than `forget_before`.
pub async fn record_login_failure(
    db: &Db,
    email: &str,
    now: i64,
    forget_before: i64,
) -> StorageResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("delete from login_failure where failed_at < $1")
        .bind(forget_before)
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into login_failure (email, failed_at) values ($1, $2)")
        .bind(normalise_email(email))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Failed sign-ins for `email` since `since` (unix seconds).
pub async fn login_failures_since(db: &Db, email: &str, since: i64) -> StorageResult<u64> {
    let count: i64 = sqlx::query_scalar(
        "select count(*) from login_failure where email = $1 and failed_at >= $2",
    )
    .bind(normalise_email(email))
    .bind(since)
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Forgets the failures of `email` after a successful sign-in.
pub async fn clear_login_failures(db: &Db, email: &str) -> StorageResult<()> {
    sqlx::query("delete from login_failure where email = $1")
        .bind(normalise_email(email))
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{self, geography};

    async fn database() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = storage::connect(&format!(
            "sqlite://{}",
            dir.path().join("users.db").display()
        ))
        .await
        .unwrap();
        storage::migrate(&db).await.unwrap();
        (db, dir)
    }

    fn coordinator(municipality: i64) -> NewUser<'static> {
        NewUser {
            email: " Koordination@Example.ORG ",
            display_name: "K",
            password_hash: "$argon2id$stub",
            role: Role::Coordinator,
            region_id: None,
            municipality_id: Some(municipality),
            school_id: None,
            supported_municipalities: &[],
        }
    }

    #[tokio::test]
    async fn accounts_are_unique_per_address_whatever_its_case() {
        let (db, _dir) = database().await;
        let m = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        let id = create(&db, &coordinator(m)).await.unwrap();
        let again = create(&db, &coordinator(m)).await;
        assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");
        let found = credentials(&db, "koordination@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.user_id, id);
        let principal = principal(&db, id).await.unwrap().unwrap();
        assert_eq!(principal.role, Role::Coordinator);
        assert_eq!(principal.municipality_id, Some(m));
    }

    #[tokio::test]
    async fn sessions_expire_and_a_new_password_ends_them() {
        let (db, _dir) = database().await;
        let m = geography::ensure_municipality(&db, None, "Teststadt")
            .await
            .unwrap();
        let id = create(&db, &coordinator(m)).await.unwrap();
        create_session(&db, b"token-hash", id, "csrf", 1_000)
            .await
            .unwrap();
        assert_eq!(
            session(&db, b"token-hash", 999).await.unwrap(),
            Some(SessionRow {
                user_id: id,
                csrf_token: "csrf".into()
            })
        );
        assert_eq!(session(&db, b"token-hash", 1_000).await.unwrap(), None);
        assert_eq!(session(&db, b"other", 999).await.unwrap(), None);
        set_password(&db, "KOORDINATION@example.org", "$argon2id$new")
            .await
            .unwrap();
        assert_eq!(session(&db, b"token-hash", 999).await.unwrap(), None);
        assert!(matches!(
            set_password(&db, "nobody@example.org", "x").await,
            Err(StorageError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn login_failures_count_within_the_window_only() {
        let (db, _dir) = database().await;
        for at in [100, 200, 300] {
            record_login_failure(&db, "A@example.org", at, 0)
                .await
                .unwrap();
        }
        assert_eq!(
            login_failures_since(&db, "a@example.org", 150)
                .await
                .unwrap(),
            2
        );
        // Recording a new failure forgets those before the window.
        record_login_failure(&db, "b@example.org", 400, 250)
            .await
            .unwrap();
        assert_eq!(
            login_failures_since(&db, "a@example.org", 0).await.unwrap(),
            1
        );
        clear_login_failures(&db, "a@example.org").await.unwrap();
        assert_eq!(
            login_failures_since(&db, "a@example.org", 0).await.unwrap(),
            0
        );
    }
}
