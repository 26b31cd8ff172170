//! Users, roles, sessions and API tokens.
//!
//! Invariants: passwords are stored only as argon2id PHC strings; session cookies and
//! API tokens only as their SHA-256, so a copy of the database signs nobody in. A
//! [`Login`], [`Password`] or [`Role`] that exists is valid.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::{OsRng, RngCore};
use rusqlite::{OptionalExtension, params};

use super::audit;
use crate::mail::outbox::now_ms;
use crate::store::Store;

/// How long a browser session lasts without signing in again.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins allowed per login within [`LOCKOUT_WINDOW_MS`].
pub const MAX_FAILURES: i64 = 5;
/// The rate-limit window for failed logins.
pub const LOCKOUT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Why an account operation failed; the messages are for the user.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(
        "tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang (2–32 ký tự)"
    )]
    BadLogin,
    #[error("mật khẩu phải có ít nhất 10 ký tự")]
    WeakPassword,
    #[error("vai trò \"{0}\" không có; hãy chọn drafter, signer, clerk hoặc admin")]
    BadRole(String),
    #[error("họ tên không được để trống")]
    EmptyName,
    #[error("họ tên {0}")]
    BadName(String),
    #[error("tên đăng nhập \"{0}\" đã có")]
    Taken(String),
    #[error("sai tên đăng nhập hoặc mật khẩu")]
    Invalid,
    #[error("đăng nhập sai quá {MAX_FAILURES} lần; hãy thử lại sau {0} phút")]
    TooManyAttempts(i64),
    #[error("không có người dùng \"{0}\"")]
    UnknownUser(String),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("không băm được mật khẩu: {0}")]
    Hash(String),
}

/// A login name: 2–32 of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(s: &str) -> Result<Login, AccountError> {
        let s = s.trim().to_lowercase();
        let ok = (2..=32).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
        if ok {
            Ok(Login(s))
        } else {
            Err(AccountError::BadLogin)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password of at least 10 characters.
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Password, AccountError> {
        if s.chars().count() >= 10 {
            Ok(Password(s.to_string()))
        } else {
            Err(AccountError::WeakPassword)
        }
    }
}

/// What a user may do, one role each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Chuyên viên: composes drafts, previews them, submits them for approval.
    Drafter,
    /// Lãnh đạo: approves a submitted draft or returns it with a comment.
    Signer,
    /// Văn thư: issues approved drafts (number from the register) and sends them.
    Clerk,
    /// Quản trị: users, programme data, policies, the audit log.
    Admin,
}

/// The actions roles are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Compose,
    Approve,
    Issue,
    Send,
    /// Record that an agency reported on a milestone (the drafter who follows the
    /// programme, or the clerk who received the report).
    Record,
    Administer,
}

impl Action {
    /// The action as the audit log and error codes write it.
    pub fn code(self) -> &'static str {
        match self {
            Action::Compose => "compose",
            Action::Approve => "approve",
            Action::Issue => "issue",
            Action::Send => "send",
            Action::Record => "report",
            Action::Administer => "administer",
        }
    }

    /// The action in Vietnamese, for refusals.
    pub fn label(self) -> &'static str {
        match self {
            Action::Compose => "soạn thảo văn bản",
            Action::Approve => "duyệt văn bản",
            Action::Issue => "ban hành văn bản",
            Action::Send => "gửi văn bản",
            Action::Record => "ghi nhận báo cáo",
            Action::Administer => "quản trị",
        }
    }
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, AccountError> {
        match s.trim() {
            "drafter" => Ok(Role::Drafter),
            "signer" => Ok(Role::Signer),
            "clerk" => Ok(Role::Clerk),
            "admin" => Ok(Role::Admin),
            other => Err(AccountError::BadRole(other.to_string())),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Drafter => "drafter",
            Role::Signer => "signer",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }

    /// The role's Vietnamese title.
    pub fn label(self) -> &'static str {
        match self {
            Role::Drafter => "Chuyên viên",
            Role::Signer => "Lãnh đạo",
            Role::Clerk => "Văn thư",
            Role::Admin => "Quản trị",
        }
    }

    /// Whether the role may take `action`. Everyone signed in may read.
    pub fn may(self, action: Action) -> bool {
        matches!(
            (self, action),
            (Role::Drafter, Action::Compose | Action::Record)
                | (Role::Signer, Action::Approve)
                | (Role::Clerk, Action::Issue | Action::Send | Action::Record)
                | (Role::Admin, Action::Administer)
        )
    }

    pub const ALL: [Role; 4] = [Role::Drafter, Role::Signer, Role::Clerk, Role::Admin];
}

/// A signed-in user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
}

/// A new browser session: the cookie value and the form token, both shown once.
pub struct Session {
    pub token: String,
    pub csrf: String,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(s: &str) -> String {
    crate::store::register::sha256_hex(s.as_bytes())
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Drafter),
    })
}

/// Adds a user; `by` is the admin who did it (None from the command line).
pub fn add_user(
    store: &mut Store,
    by: Option<&User>,
    login: &Login,
    name: &str,
    role: Role,
    password: &Password,
) -> Result<User, AccountError> {
    let name = crate::text::Line::parse(name)
        .map_err(|e| AccountError::BadName(e.to_string()))?
        .into_string();
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    let hash = hash_password(&password.0)?;
    let tx = store.conn_mut().transaction()?;
    let taken: bool = tx.query_row(
        "SELECT count(*) > 0 FROM users WHERE login = ?1",
        [login.as_str()],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AccountError::Taken(login.as_str().to_string()));
    }
    tx.execute(
        "INSERT INTO users (login, name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![login.as_str(), name, role.code(), hash, super::now_text()],
    )?;
    let user = User {
        id: tx.last_insert_rowid(),
        login: login.as_str().to_string(),
        name,
        role,
    };
    audit::record(
        &tx,
        by,
        "user.add",
        &format!("user:{}", user.login),
        audit::Outcome::Ok,
        role.code(),
    )?;
    tx.commit()?;
    Ok(user)
}

/// All users, by login.
pub fn users(store: &Store) -> Result<Vec<User>, AccountError> {
    let mut stmt = store
        .conn()
        .prepare("SELECT id, login, name, role FROM users ORDER BY login")?;
    let rows = stmt.query_map([], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Checks a login and password. Failures are counted per login: after
/// [`MAX_FAILURES`] within the window, even the right password is refused until the
/// window has passed, so guessing is slow.
pub fn authenticate(store: &Store, login: &str, password: &str) -> Result<User, AccountError> {
    let login = login.trim().to_lowercase();
    let conn = store.conn();
    let now = now_ms();
    let since = now - LOCKOUT_WINDOW_MS;
    let (failures, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT count(*), min(at_ms) FROM login_failures WHERE login = ?1 AND at_ms > ?2",
        params![login, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if failures >= MAX_FAILURES {
        let wait_ms = oldest.unwrap_or(now) + LOCKOUT_WINDOW_MS - now;
        return Err(AccountError::TooManyAttempts((wait_ms / 60_000).max(1)));
    }
    let found: Option<(User, String)> = conn
        .query_row(
            "SELECT id, login, name, role, password_hash FROM users WHERE login = ?1",
            [&login],
            |r| Ok((user_row(r)?, r.get(4)?)),
        )
        .optional()?;
    // An unknown login costs the same argon2 verification as a known one (against a
    // hash no password matches), so timing does not tell which logins exist.
    let hash = found.as_ref().map_or(dummy_hash(), |(_, h)| h.as_str());
    let verified = PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    }) && found.is_some();
    match found {
        Some((user, _)) if verified => {
            conn.execute("DELETE FROM login_failures WHERE login = ?1", [&login])?;
            Ok(user)
        }
        _ => {
            conn.execute(
                "INSERT INTO login_failures (login, at_ms) VALUES (?1, ?2)",
                params![login, now],
            )?;
            conn.execute(
                "DELETE FROM login_failures WHERE at_ms <= ?1",
                [now - LOCKOUT_WINDOW_MS],
            )?;
            Err(AccountError::Invalid)
        }
    }
}

/// The stored form of a password: argon2id with the default parameters and a fresh
/// salt, as a PHC string.
fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// The hash of a random password nobody knows, made once the way every stored one is:
/// what an unknown login is verified against, so it costs what a known one does.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_hex(32)).unwrap_or_default())
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
            "SELECT u.id, u.login, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_ms > ?2",
            params![sha256_hex(token), now_ms()],
            |r| Ok((user_row(r)?, r.get(4)?)),
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
pub fn create_token(store: &Store, login: &str, label: &str) -> Result<String, AccountError> {
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
        params![sha256_hex(&token), user, label, super::now_text()],
    )?;
    Ok(token)
}

/// The user an API token belongs to.
pub fn token_user(store: &Store, token: &str) -> Result<Option<User>, AccountError> {
    Ok(store
        .conn()
        .query_row(
            "SELECT u.id, u.login, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1",
            [sha256_hex(token)],
            user_row,
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown login is verified against a hash of the same algorithm, version and
    /// cost parameters as a stored one, so both paths do the same argon2 work (the
    /// timing that told logins apart: 2–8 ms unknown, 55–95 ms known).
    #[test]
    fn the_dummy_hash_costs_what_a_stored_one_does() {
        let dummy = PasswordHash::new(dummy_hash()).expect("a PHC string");
        let stored_text = hash_password("mat-khau-that-123").unwrap();
        let stored = PasswordHash::new(&stored_text).unwrap();
        assert_eq!(dummy.algorithm, stored.algorithm);
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        assert_eq!(dummy.version, stored.version);
        assert_eq!(dummy.params, stored.params);
        assert!(
            Argon2::default()
                .verify_password(b"mat-khau-that-123", &dummy)
                .is_err()
        );
    }
}
