//! Users, roles, sessions and API tokens.
//!
//! Invariants: passwords are stored only as argon2id PHC strings; session cookies and
//! API tokens only as their SHA-256, so a copy of the database signs nobody in. A
//! [`Login`], [`Password`] or [`Role`] that exists is valid. Checking a password
//! ([`login`]) is bounded in memory and counted before it runs; sessions and tokens
//! are in [`sessions`].

mod lifecycle;
mod login;
mod password;
pub mod second_factor;
mod sessions;

pub use lifecycle::{
    Link, TokenInfo, UserChanges, change_password, disable, enable, link, reset_password,
    revoke_token, tokens, update_user,
};
pub use password::{MAX_CHARS, MIN_CHARS, Password};

pub use login::{
    CHECK_WAIT, CONCURRENT_CHECKS, LOCKOUT_WINDOW_MS, MAX_ADDRESS_FAILURES, MAX_FAILURES,
    authenticate,
};
pub use sessions::{
    SESSION_MS, Session, TokenLabel, close_session, create_token, open_session, session_user,
    token_user,
};

use rand_core::{OsRng, RngCore};
use rusqlite::{OptionalExtension, params};

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
    #[error("{0}")]
    WeakPassword(String),
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
    #[error("tài khoản đã bị khóa; hãy liên hệ quản trị")]
    Disabled,
    #[error("không có cơ quan mã \"{0}\" trong dữ liệu")]
    UnknownAgency(String),
    #[error("không có người ký mã \"{0}\" trong dữ liệu")]
    UnknownPerson(String),
    #[error("{person} là người của {person_agency}, không phải của {agency}")]
    PersonOfAnotherAgency {
        person: String,
        person_agency: String,
        agency: String,
    },
    #[error(
        "tài khoản lãnh đạo (signer) phải gắn với người ký trong dữ liệu (--person): tên, chức vụ và khóa ký số lấy từ đó"
    )]
    SignerWithoutPerson,
    #[error("chỉ tài khoản lãnh đạo (signer) mới gắn với người ký")]
    PersonForNonSigner,
    #[error("{0} đã có tài khoản; mỗi người ký chỉ có một tài khoản")]
    PersonTaken(String),
    #[error(
        "chỉ tài khoản quản trị mới làm việc cho toàn hệ thống; vai trò khác phải thuộc một cơ quan (--agency)"
    )]
    ServiceNotAdmin,
    #[error("hãy chọn cơ quan của tài khoản (--agency): mỗi tài khoản làm việc cho một cơ quan")]
    NoAgency,
    #[error("tài khoản quản trị toàn hệ thống không thuộc cơ quan nào; bỏ --agency và --person")]
    ServiceWithAgency,
    #[error("mật khẩu hiện tại không đúng")]
    WrongOldPassword,
    #[error("hai lần nhập mật khẩu mới không giống nhau")]
    Mismatch,
    #[error("mật khẩu mới phải khác mật khẩu hiện tại")]
    SamePassword,
    #[error("không tự khóa tài khoản của chính mình được")]
    SelfDisable,
    #[error("không có mã API số {0} của bạn")]
    UnknownToken(i64),
    #[error("chỉ tài khoản lãnh đạo (người ký) dùng mã xác thực hai lớp")]
    SecondFactorForSigners,
    #[error("khóa bí mật của mã xác thực không đúng dạng base32")]
    BadSecondFactor,
    #[error("hãy nhập mã xác thực 6 chữ số trên ứng dụng xác thực của bạn")]
    CodeRequired,
    #[error("mã xác thực không đúng (hoặc đã hết hạn); hãy nhập mã đang hiện trên ứng dụng")]
    WrongCode,
    #[error("mã xác thực này đã được dùng; hãy đợi mã mới trên ứng dụng")]
    CodeUsed,
    #[error(transparent)]
    Denied(#[from] crate::service::access::Denial),
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

/// Where an account acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Made before accounts belonged to agencies: signs in, reads its own account
    /// page, nothing of any agency, until an administrator links it.
    Unlinked,
    /// For one agency (its id).
    Agency(String),
    /// An administrator of the whole service (every agency's accounts, the shared data).
    Service,
}

impl Scope {
    fn parse(scope: &str, agency: Option<String>) -> Scope {
        match (scope, agency) {
            ("agency", Some(a)) => Scope::Agency(a),
            ("service", _) => Scope::Service,
            _ => Scope::Unlinked,
        }
    }

    /// The stored code.
    pub fn code(&self) -> &'static str {
        match self {
            Scope::Unlinked => "unlinked",
            Scope::Agency(_) => "agency",
            Scope::Service => "service",
        }
    }
}

/// A signed-in user: an account of an agency (a signer's account is a person record).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// For a signer, the person record the account is (its name, title and key).
    pub person: Option<String>,
    /// The agencies that person may sign for besides their own.
    pub signs_for: Vec<String>,
    /// Set by an administrator's reset: a new password before anything else.
    pub must_change_password: bool,
}

impl User {
    /// The agency the account acts for (None: unlinked, or the service's administrator).
    pub fn agency(&self) -> Option<&str> {
        match &self.scope {
            Scope::Agency(a) => Some(a),
            _ => None,
        }
    }

    /// Whether the account administers the whole service.
    pub fn is_service_admin(&self) -> bool {
        self.scope == Scope::Service && self.role == Role::Admin
    }
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
const USER_COLUMNS: &str = "u.id, u.login, u.name, u.role, u.scope, u.agency_id, u.person_id,
    (SELECT p.signs_for FROM people p WHERE p.id = u.person_id), u.must_change_password";
/// How many they are (the next column is the caller's).
const USER_COLUMN_COUNT: usize = 9;

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    let scope: String = r.get(4)?;
    let signs_for: Option<String> = r.get(7)?;
    Ok(User {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Drafter),
        scope: Scope::parse(&scope, r.get(5)?),
        person: r.get(6)?,
        signs_for: signs_for
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        must_change_password: r.get::<_, i64>(8)? != 0,
    })
}

/// One account as the administrator's list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user: User,
    /// The agency's short name, the person's name and title, in words.
    pub agency_name: Option<String>,
    pub person_name: Option<String>,
    pub disabled: bool,
}

/// The user with this login (disabled or not).
pub fn by_login(store: &Store, login: &str) -> Result<User, AccountError> {
    store
        .conn()
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.login = ?1"),
            [login.trim().to_lowercase()],
            user_row,
        )
        .optional()?
        .ok_or_else(|| AccountError::UnknownUser(login.to_string()))
}

/// Adds a user placed by `link` (an agency, with the person record of a signer, or
/// the whole service for an administrator); `by` is the admin who did it (None from the
/// command line). A signer's name and title come from their person record when `name`
/// is empty.
pub fn add_user(
    store: &mut Store,
    by: Option<&User>,
    login: &Login,
    name: &str,
    role: Role,
    link: &Link,
    password: &Password,
) -> Result<User, AccountError> {
    if let Some(admin) = by {
        crate::service::access::administer(
            store,
            admin,
            link.agency(),
            &format!("user:{}", login.as_str()),
        )?;
    }
    let name = lifecycle::account_name(store, name, link)?;
    lifecycle::check_link(store, role, link, None)?;
    let hash = hash_password(password.as_str())?;
    let tx = store.conn_mut().transaction()?;
    let taken: bool = tx.query_row(
        "SELECT count(*) > 0 FROM users WHERE login = ?1",
        [login.as_str()],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AccountError::Taken(login.as_str().to_string()));
    }
    // An account an administrator made has a password the administrator knows: its
    // owner chooses their own at the first sign-in.
    tx.execute(
        "INSERT INTO users (login, name, role, password_hash, created_at, scope, agency_id, person_id,
                            password_changed_at, must_change_password)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?5, ?9)",
        params![
            login.as_str(),
            name,
            role.code(),
            hash,
            super::now_text(),
            link.scope_code(),
            link.agency(),
            link.person(),
            by.is_some()
        ],
    )?;
    let id = tx.last_insert_rowid();
    audit::record(
        &tx,
        by,
        "user.add",
        &format!("user:{}", login.as_str()),
        audit::Outcome::Ok,
        role.code(),
    )?;
    tx.commit()?;
    by_login(store, login.as_str()).map(|u| User { id, ..u })
}

/// Every account (the command line and the service's administrator), by login.
pub fn users(store: &Store) -> Result<Vec<User>, AccountError> {
    Ok(accounts_where(store, None)?
        .into_iter()
        .map(|a| a.user)
        .collect())
}

/// The accounts `admin` administers (an agency's administrator: its agency's; the
/// service's: all), by login, with names in words.
pub fn accounts(store: &Store, admin: &User) -> Result<Vec<Account>, AccountError> {
    crate::service::access::administer(store, admin, admin.agency(), "users")?;
    accounts_where(store, admin.agency())
}

/// Where an administrator may place accounts: agencies (id, short name) and the people
/// of those agencies (id, name, agency).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Places {
    pub agencies: Vec<serde_json::Value>,
    pub people: Vec<serde_json::Value>,
}

/// The agencies and people `admin` may place accounts in: its own agency's (the
/// service's administrator: every agency's).
pub fn places(store: &Store, admin: &User) -> Result<Places, AccountError> {
    crate::service::access::administer(store, admin, admin.agency(), "users")?;
    let only = if admin.is_service_admin() {
        None
    } else {
        admin.agency()
    };
    let conn = store.conn();
    let agencies = conn
        .prepare(
            "SELECT id, short_name FROM agencies WHERE ?1 IS NULL OR id = ?1 ORDER BY short_name",
        )?
        .query_map([only], |r| {
            Ok(serde_json::json!({"id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?}))
        })?
        .collect::<Result<_, _>>()?;
    let people = conn
        .prepare(
            "SELECT p.id, p.name, p.title, a.short_name FROM people p JOIN agencies a ON a.id = p.agency_id
             WHERE ?1 IS NULL OR p.agency_id = ?1 ORDER BY a.short_name, p.name",
        )?
        .query_map([only], |r| {
            Ok(serde_json::json!({"id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?,
                                  "title": r.get::<_, String>(2)?, "agency": r.get::<_, String>(3)?}))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Places { agencies, people })
}

fn accounts_where(store: &Store, agency: Option<&str>) -> Result<Vec<Account>, AccountError> {
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {USER_COLUMNS}, a.short_name, p.name || ' (' || p.title || ')', u.disabled_at IS NOT NULL
         FROM users u LEFT JOIN agencies a ON a.id = u.agency_id LEFT JOIN people p ON p.id = u.person_id
         WHERE ?1 IS NULL OR u.agency_id = ?1 ORDER BY u.login"
    ))?;
    let rows = stmt.query_map([agency], |r| {
        Ok(Account {
            user: user_row(r)?,
            agency_name: r.get(USER_COLUMN_COUNT)?,
            person_name: r.get(USER_COLUMN_COUNT + 1)?,
            disabled: r.get(USER_COLUMN_COUNT + 2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
