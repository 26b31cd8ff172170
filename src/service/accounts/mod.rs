//! Users, roles, sessions and API tokens.
//!
//! Invariants: passwords are stored only as argon2id PHC strings; session cookies and
//! API tokens only as their SHA-256, so a copy of the database signs nobody in. A
//! [`Login`], [`Password`] or [`Role`] that exists is valid. Checking a password
//! ([`login`]) is bounded in memory and counted before it runs; sessions and tokens
//! are in [`sessions`].

mod login;
mod sessions;

pub use login::{
    CHECK_WAIT, CONCURRENT_CHECKS, LOCKOUT_WINDOW_MS, MAX_ADDRESS_FAILURES, MAX_FAILURES,
    authenticate,
};
pub use sessions::{
    SESSION_MS, Session, TokenLabel, close_session, create_token, open_session, session_user,
    token_user,
};

use rand_core::{OsRng, RngCore};
use rusqlite::params;

use super::audit;
use crate::store::Store;
use login::hash_password;

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
    #[error("máy này đăng nhập sai quá {MAX_ADDRESS_FAILURES} lần; hãy thử lại sau {0} phút")]
    TooManyFromAddress(i64),
    #[error("đang có nhiều lượt đăng nhập cùng lúc; hãy thử lại sau vài giây")]
    Busy,
    #[error("tên của mã API {0}")]
    BadLabel(String),
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

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(s: &str) -> String {
    crate::store::register::sha256_hex(s.as_bytes())
}

/// The columns [`user_row`] reads, of `users u`.
const USER_COLUMNS: &str = "u.id, u.login, u.name, u.role";
/// How many they are (the next column is the caller's).
const USER_COLUMN_COUNT: usize = 4;

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
