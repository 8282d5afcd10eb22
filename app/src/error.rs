//! The error type that crosses the wire from server functions to components.
//!
//! It is deliberately small and serialisable: server-side causes (database
//! errors, IO) are logged once on the server and reach the browser only as a
//! generic kind, never with internals.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, as far as a user needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppError {
    /// The input was rejected; the message says precisely why. Nothing changed.
    #[error("{0}")]
    InvalidInput(String),
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("not found")]
    NotFound,
    /// No session: sign in first.
    #[error("not signed in")]
    Unauthenticated,
    /// The session's role or scope does not allow this.
    #[error("not allowed")]
    Forbidden,
    /// The wave is still open (until the given day): its results are
    /// published once it has closed. Only participation is visible.
    #[error("results are published once the wave has closed ({0})")]
    NotPublished(String),
    /// The wave is closed and its results are being computed.
    #[error("the results are being prepared")]
    Preparing,
    /// Something failed on the server; details are in the server log.
    #[error("internal error")]
    Internal,
    /// The request did not reach the server function intact (network, codec).
    #[error("request failed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_error_serialises_with_a_snake_case_tag() {
        let json = serde_json::to_string(&AppError::InvalidInput("grade 14".into())).unwrap();
        assert_eq!(json, r#"{"kind":"invalid_input","message":"grade 14"}"#);
        let json = serde_json::to_string(&AppError::NotFound).unwrap();
        assert_eq!(json, r#"{"kind":"not_found"}"#);
    }
}
