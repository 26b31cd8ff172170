//! Browser sessions (a cookie and the form token) and API tokens; both stored only as
//! the SHA-256 of what the caller holds.

use super::{AccountError, User, random_hex, sha256_hex, user_of};
use crate::store::time::Stamp;
use crate::store::{Store, accounts};

/// How long a browser session lasts without signing in again.
pub const SESSION: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

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
    let now = Stamp::now();
    accounts::open_session(
        store.conn(),
        &sha256_hex(&session.token),
        user.id,
        &session.csrf,
        now,
        now.plus(SESSION),
    )?;
    Ok(session)
}

/// Signs a person in from `address` (the client's, when known): the password checked
/// ([`super::authenticate`]), a browser session opened, and the sign-in recorded in
/// the audit log with the address.
pub fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    address: Option<&str>,
) -> Result<(User, Session), AccountError> {
    let user = super::authenticate(store, login, password, address)?;
    // The session and its audit row together (the store's connection is the
    // transaction's).
    let tx = store.write()?;
    let session = open_session(store, &user)?;
    crate::service::audit::record_login(&tx, &user, address)?;
    tx.commit()?;
    Ok((user, session))
}

/// The user and form token of a live session cookie.
pub fn session_user(store: &Store, token: &str) -> Result<Option<(User, String)>, AccountError> {
    Ok(
        accounts::session_user(store.conn(), &sha256_hex(token), Stamp::now())?
            .map(|(row, csrf)| (user_of(row), csrf)),
    )
}

/// Ends a session (logout).
pub fn close_session(store: &Store, token: &str) -> Result<(), AccountError> {
    Ok(accounts::close_session(store.conn(), &sha256_hex(token))?)
}

/// Creates an API token for the user with this login; the token is returned once.
pub fn create_token(
    store: &Store,
    login: &str,
    label: &TokenLabel,
) -> Result<String, AccountError> {
    let (user, _) = accounts::by_login(store.conn(), login)?
        .ok_or_else(|| AccountError::UnknownUser(login.to_string()))?;
    let token = format!("vt_{}", random_hex(24));
    accounts::add_token(
        store.conn(),
        &sha256_hex(&token),
        user.id,
        label.as_str(),
        &crate::service::clock::now_text(),
    )?;
    Ok(token)
}

/// The user an API token belongs to (its last use is noted, to the minute).
pub fn token_user(store: &Store, token: &str) -> Result<Option<User>, AccountError> {
    let minute = Stamp::now().minute();
    Ok(accounts::token_user(store.conn(), &sha256_hex(token), minute)?.map(user_of))
}
