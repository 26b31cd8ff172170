//! Browser sessions (a cookie and the form token) and API tokens; both stored only as
//! the SHA-256 of what the caller holds.

use rusqlite::{OptionalExtension, params};

use super::{AccountError, USER_COLUMNS, User, random_hex, sha256_hex, user_row};
use crate::store::Store;
use crate::store::now_ms;

/// How long a browser session lasts without signing in again.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// A new browser session: the cookie value and the form token, both shown once.
pub struct Session {
    pub token: String,
    pub csrf: String,
}

/// What an API token is called by its owner: one line of at most [`TokenLabel::MAX`]
/// characters, without control, zero-width or bidi characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLabel(String);

impl TokenLabel {
    /// The longest label, in characters.
    pub const MAX: usize = 80;

    pub fn parse(s: &str) -> Result<TokenLabel, AccountError> {
        let line = crate::text::Line::parse(s)
            .map_err(|e| AccountError::BadLabel(e.to_string()))?
            .into_string();
        if line.chars().count() > Self::MAX {
            return Err(AccountError::BadLabel(format!(
                "dài quá {} ký tự",
                Self::MAX
            )));
        }
        Ok(TokenLabel(line))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Opens a browser session for `user`.
pub fn open_session(store: &Store, user: &User) -> Result<Session, AccountError> {
    let session = Session {
        token: random_hex(32),
        csrf: random_hex(16),
    };
    let now = now_ms();
    store
        .conn()
        .execute("DELETE FROM sessions WHERE expires_ms < ?1", [now])?;
    store.conn().execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        params![
            sha256_hex(&session.token),
            user.id,
            session.csrf,
            now + SESSION_MS
        ],
    )?;
    Ok(session)
}

/// The user and form token of a live session cookie.
pub fn session_user(store: &Store, token: &str) -> Result<Option<(User, String)>, AccountError> {
    Ok(store
        .conn()
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND u.disabled_at IS NULL"
            ),
            params![sha256_hex(token), now_ms()],
            |r| Ok((user_row(r)?, r.get(super::USER_COLUMN_COUNT)?)),
        )
        .optional()?)
}

/// Ends a session (logout).
pub fn close_session(store: &Store, token: &str) -> Result<(), AccountError> {
    store.conn().execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [sha256_hex(token)],
    )?;
    Ok(())
}

/// Creates an API token for the user with this login; the token is returned once.
pub fn create_token(
    store: &Store,
    login: &str,
    label: &TokenLabel,
) -> Result<String, AccountError> {
    let user: i64 = store
        .conn()
        .query_row("SELECT id FROM users WHERE login = ?1", [login], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| AccountError::UnknownUser(login.to_string()))?;
    let token = format!("vt_{}", random_hex(24));
    store.conn().execute(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            sha256_hex(&token),
            user,
            label.as_str(),
            crate::service::clock::now_text()
        ],
    )?;
    Ok(token)
}

/// The user an API token belongs to (its last use is noted, to the minute).
pub fn token_user(store: &Store, token: &str) -> Result<Option<User>, AccountError> {
    let hash = sha256_hex(token);
    let user = store
        .conn()
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND u.disabled_at IS NULL"
            ),
            [&hash],
            user_row,
        )
        .optional()?;
    if user.is_some() {
        let minute = chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .get(..16)
            .unwrap_or_default()
            .to_string();
        store.conn().execute(
            "UPDATE api_tokens SET last_used_at = ?2
             WHERE token_hash = ?1 AND last_used_at IS NOT ?2",
            params![hash, minute],
        )?;
    }
    Ok(user)
}
