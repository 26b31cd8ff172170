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
    CHECK_WAIT, CONCURRENT_CHECKS, LOCKOUT_WINDOW, MAX_ADDRESS_FAILURES, MAX_FAILURES, authenticate,
};
pub use sessions::{
    SESSION, Session, TokenLabel, close_session, create_token, open_session, session_user, sign_in,
    token_user,
};

use rand_core::{OsRng, RngCore};

use super::audit;
pub use super::identity::{Action, BadLogin, BadRole, Login, Role, Scope, User};
use crate::store::accounts::{self, UserRow};
use crate::store::{Store, agencies};
use login::hash_password;

/// Why an account operation failed; the messages are for the user.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    BadLogin(#[from] BadLogin),
    #[error("{0}")]
    WeakPassword(String),
    #[error("{0}")]
    BadRole(#[from] BadRole),
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

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(s: &str) -> String {
    crate::store::register::sha256_hex(s.as_bytes())
}

/// The account a stored row is.
fn user_of(row: UserRow) -> User {
    User {
        id: row.id,
        role: Role::parse(&row.role).unwrap_or(Role::Drafter),
        scope: Scope::parse(&row.scope, row.agency_id),
        person: row.person_id,
        signs_for: row
            .signs_for
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        must_change_password: row.must_change_password,
        login: row.login,
        name: row.name,
    }
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
    accounts::by_login(store.conn(), &login.trim().to_lowercase())?
        .map(|(row, _)| user_of(row))
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
    let tx = store.write()?;
    if accounts::login_taken(&tx, login.as_str())? {
        return Err(AccountError::Taken(login.as_str().to_string()));
    }
    // An account an administrator made has a password the administrator knows: its
    // owner chooses their own at the first sign-in.
    let id = accounts::insert_user(
        &tx,
        &accounts::NewUser {
            login: login.as_str(),
            name: &name,
            role: role.code(),
            password_hash: &hash,
            created_at: &crate::service::clock::now_text(),
            scope: link.scope_code(),
            agency_id: link.agency(),
            person_id: link.person(),
            must_change_password: by.is_some(),
        },
    )?;
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

/// An agency an account may belong to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AgencyPlace {
    pub id: String,
    /// Its short name.
    pub name: String,
}

/// A person (signer) an account may be linked to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonPlace {
    pub id: String,
    pub name: String,
    pub title: String,
    /// Their agency's short name.
    pub agency: String,
}

/// Where an administrator may place accounts: agencies and the people of those agencies.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Places {
    pub agencies: Vec<AgencyPlace>,
    pub people: Vec<PersonPlace>,
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
    let agencies = agencies::short_names(conn, only)?
        .into_iter()
        .map(|(id, name)| AgencyPlace { id, name })
        .collect();
    let mut people = agencies::people(conn, only)?;
    people.sort_by(|a, b| (&a.agency_short_name, &a.name).cmp(&(&b.agency_short_name, &b.name)));
    let people = people
        .into_iter()
        .map(|p| PersonPlace {
            id: p.id,
            name: p.name,
            title: p.title,
            agency: p.agency_short_name,
        })
        .collect();
    Ok(Places { agencies, people })
}

fn accounts_where(store: &Store, agency: Option<&str>) -> Result<Vec<Account>, AccountError> {
    Ok(accounts::accounts(store.conn(), agency)?
        .into_iter()
        .map(|a| Account {
            disabled: a.user.disabled,
            user: user_of(a.user),
            agency_name: a.agency_name,
            person_name: a.person_name,
        })
        .collect())
}

/// The audit log as `admin` may read it: its agency's rows (the service's administrator:
/// every row), newest first.
pub fn audit_log(
    store: &Store,
    admin: &User,
    target: Option<&str>,
    limit: u32,
) -> Result<Vec<audit::Event>, crate::service::access::Denial> {
    crate::service::access::administer(store, admin, admin.agency(), "audit")?;
    let agency = if admin.is_service_admin() {
        None
    } else {
        admin.agency()
    };
    Ok(audit::of_agency(store, target, agency, limit).unwrap_or_default())
}
