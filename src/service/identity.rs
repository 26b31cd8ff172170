//! Who an account is: its login, its role and what the role may do, where it acts, and
//! the signed-in [`User`] every use case is called with. Types only; the accounts'
//! operations are in [`super::accounts`], the rules of who may do what in
//! [`super::access`].

/// A login that is not 2–32 of `a-z 0-9 . _ -`.
#[derive(Debug, thiserror::Error)]
#[error(
    "tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang (2–32 ký tự)"
)]
pub struct BadLogin;

/// A role that is none of drafter, signer, clerk, admin.
#[derive(Debug, thiserror::Error)]
#[error("vai trò \"{0}\" không có; hãy chọn drafter, signer, clerk hoặc admin")]
pub struct BadRole(pub String);

/// A login name: 2–32 of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(s: &str) -> Result<Login, BadLogin> {
        let s = s.trim().to_lowercase();
        let ok = (2..=32).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
        if ok { Ok(Login(s)) } else { Err(BadLogin) }
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
    /// Receive, register and pass on incoming documents (the văn thư).
    Receive,
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
            Action::Receive => "receive",
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
            Action::Receive => "tiếp nhận, đăng ký văn bản đến",
            Action::Administer => "quản trị",
        }
    }
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, BadRole> {
        match s.trim() {
            "drafter" => Ok(Role::Drafter),
            "signer" => Ok(Role::Signer),
            "clerk" => Ok(Role::Clerk),
            "admin" => Ok(Role::Admin),
            other => Err(BadRole(other.to_string())),
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
                | (
                    Role::Clerk,
                    Action::Issue | Action::Send | Action::Record | Action::Receive
                )
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
    pub(super) fn parse(scope: &str, agency: Option<String>) -> Scope {
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
