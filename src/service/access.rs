//! Who may do what, and where: the one place the service decides it.
//!
//! Every account acts inside its agency ([`Scope`]); a role says what it may do there
//! ([`Role::may`]). The rules, each a function below:
//! - **Reading**: an account reads what belongs to its own agency, and a signer also
//!   what belongs to the agencies their person signs for; a document addressed to an
//!   agency (a delivery to it) is readable by that agency too (its incoming copy). The
//!   service's administrator reads everything; an unlinked account nothing.
//! - **Acting**: drafting, issuing, sending, the register's books and notes, paper
//!   copies and reports happen only for one's own agency ([`act_for`]); approving also
//!   for the agencies a signer signs for.
//! - **Consent**: only the account that *is* the person named as a draft's signer
//!   approves it with consent to their key ([`consent`]); only a clerk of the issuing
//!   agency issues it, and so applies the agency's key.
//! - **Administering**: an agency's administrator administers its agency's accounts and
//!   images; the service's administrator every agency's, and the shared data.
//!
//! Every refusal is a [`Denial`] (403, in Vietnamese) written to the audit log in words.

use super::audit::{self, Outcome};
use super::identity::{Action, Role, Scope, User};
use crate::store::{Store, agencies};

/// Why an account may not do something; the messages are for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error(
        "tài khoản chưa được gắn với cơ quan nào nên chưa làm việc được; hãy nhờ quản trị gắn tài khoản với cơ quan (vanthu user link)"
    )]
    Unlinked,
    #[error("{what} thuộc {owner}; tài khoản của {own} chỉ làm việc với {what} của cơ quan mình")]
    OtherAgency {
        what: &'static str,
        owner: String,
        own: String,
    },
    #[error(
        "chỉ {signer}, người ký ghi trên văn bản, được duyệt và đồng ý ký số văn bản này; tài khoản {who} không ký thay được"
    )]
    NotTheSigner { signer: String, who: String },
    #[error(
        "văn bản không ghi người ký có trong dữ liệu nên không ai đồng ý ký số được; hãy chọn người ký trong bản nháp"
    )]
    NoSigner,
    #[error("chỉ quản trị toàn hệ thống được {0}")]
    ServiceOnly(&'static str),
    #[error("vai trò {role} không được {action}")]
    Role {
        role: &'static str,
        action: &'static str,
    },
}

impl Denial {
    /// The stable code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Unlinked => "unlinked",
            Denial::OtherAgency { .. } => "other_agency",
            Denial::NotTheSigner { .. } => "not_the_signer",
            Denial::NoSigner => "no_signer",
            Denial::ServiceOnly(_) => "service_only",
            Denial::Role { .. } => "forbidden",
        }
    }
}

/// An agency's short name ("Sở NN&PTNT Bắc Giang"), or its id when it is not stored.
pub fn agency_name(store: &Store, id: &str) -> String {
    agencies::short_name(store.conn(), id)
        .ok()
        .flatten()
        .unwrap_or_else(|| id.to_string())
}

/// A person's name, or their id when not stored.
pub fn person_name(store: &Store, id: &str) -> String {
    agencies::person_name(store.conn(), id)
        .ok()
        .flatten()
        .unwrap_or_else(|| id.to_string())
}

/// Refuses: logs (service log and audit log) and returns the denial.
fn deny(store: &Store, user: &User, action: &str, target: &str, denial: Denial) -> Denial {
    tracing::warn!(login = %user.login, action, target, code = denial.code(), "refused");
    let _ = audit::record(
        store.conn(),
        Some(user),
        action,
        target,
        Outcome::Refused,
        &denial.to_string(),
    );
    denial
}

/// Whether `user` reads what belongs to `agency`.
pub fn reads(user: &User, agency: &str) -> bool {
    match &user.scope {
        Scope::Service => user.role == Role::Admin,
        Scope::Unlinked => false,
        Scope::Agency(own) => own == agency || user.signs_for.iter().any(|a| a == agency),
    }
}

/// Whether `user` may take `action` for `agency` (the check of [`act_for`], without
/// recording anything): what a page offers.
pub fn may(user: &User, action: Action, agency: Option<&str>) -> bool {
    user.role.may(action)
        && match (user.agency(), agency) {
            (Some(own), Some(a)) => {
                own == a || (action == Action::Approve && user.signs_for.iter().any(|s| s == a))
            }
            _ => false,
        }
}

/// The agencies whose drafts and documents `user` lists (None: every agency).
pub fn listed(user: &User) -> Option<Vec<String>> {
    match &user.scope {
        Scope::Service if user.role == Role::Admin => None,
        Scope::Agency(own) => {
            let mut v = vec![own.clone()];
            if user.role == Role::Signer {
                v.extend(user.signs_for.iter().cloned());
            }
            Some(v)
        }
        _ => Some(vec![]),
    }
}

/// The shared reference data (agencies, people, programmes) is read by every account
/// linked to an agency (and the service's administrator); an unlinked one reads none.
pub fn linked(store: &Store, user: &User, target: &str) -> Result<(), Denial> {
    if user.scope == Scope::Unlinked {
        Err(deny(store, user, "read", target, Denial::Unlinked))
    } else {
        Ok(())
    }
}

/// The role check every action starts with: the role may take `action`, and the
/// account is linked to an agency.
pub fn role(store: &Store, user: &User, action: Action, target: &str) -> Result<(), Denial> {
    if !user.role.may(action) {
        return Err(deny(
            store,
            user,
            action.code(),
            target,
            Denial::Role {
                role: user.role.label(),
                action: action.label(),
            },
        ));
    }
    if user.scope == Scope::Unlinked {
        return Err(deny(store, user, action.code(), target, Denial::Unlinked));
    }
    Ok(())
}

/// `user` may take `action` for `agency` (its role, and the agency is its own; a signer
/// approves for the agencies they sign for too). `what` names the thing in the refusal
/// ("bản nháp", "văn bản", "sổ văn bản").
pub fn act_for(
    store: &Store,
    user: &User,
    action: Action,
    agency: Option<&str>,
    what: &'static str,
    target: &str,
) -> Result<(), Denial> {
    role(store, user, action, target)?;
    let ok = match (user.agency(), agency) {
        (Some(own), Some(a)) => {
            own == a || (action == Action::Approve && user.signs_for.iter().any(|s| s == a))
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let denial = not_ours(store, user, what, agency);
    Err(deny(store, user, action.code(), target, denial))
}

/// Why `user` may not touch `what` of `owner`: it is unlinked, or `owner` is another
/// agency (named).
fn not_ours(store: &Store, user: &User, what: &'static str, owner: Option<&str>) -> Denial {
    match user.agency() {
        None => Denial::Unlinked,
        Some(own) => Denial::OtherAgency {
            what,
            owner: owner.map_or("cơ quan khác".into(), |a| agency_name(store, a)),
            own: agency_name(store, own),
        },
    }
}

/// `user` may read what belongs to `agency` (or, for a document, was addressed to an
/// agency of theirs: `addressed`).
pub fn read(
    store: &Store,
    user: &User,
    agency: Option<&str>,
    addressed: &[String],
    what: &'static str,
    target: &str,
) -> Result<(), Denial> {
    if agency.is_some_and(|a| reads(user, a)) || addressed.iter().any(|a| reads(user, a)) {
        return Ok(());
    }
    if user.is_service_admin() {
        return Ok(());
    }
    let denial = not_ours(store, user, what, agency);
    Err(deny(store, user, "read", target, denial))
}

/// Only the account that is the person named as signer (`signer`, a person id)
/// consents to that person's key signing.
pub fn consent(
    store: &Store,
    user: &User,
    signer: Option<&str>,
    target: &str,
) -> Result<(), Denial> {
    let Some(signer) = signer else {
        return Err(deny(store, user, "approve-sign", target, Denial::NoSigner));
    };
    if user.person.as_deref() == Some(signer) {
        return Ok(());
    }
    let denial = Denial::NotTheSigner {
        signer: person_name(store, signer),
        who: user.name.clone(),
    };
    Err(deny(store, user, "approve-sign", target, denial))
}

/// `admin` administers accounts and images of `agency` (None: the whole service's:
/// other administrators of the service, the shared data).
pub fn administer(
    store: &Store,
    admin: &User,
    agency: Option<&str>,
    target: &str,
) -> Result<(), Denial> {
    role(store, admin, Action::Administer, target)?;
    if admin.is_service_admin() {
        return Ok(());
    }
    match (admin.agency(), agency) {
        (Some(own), Some(a)) if own == a => Ok(()),
        (Some(own), Some(a)) => Err(deny(
            store,
            admin,
            Action::Administer.code(),
            target,
            Denial::OtherAgency {
                what: "tài khoản và dữ liệu",
                owner: agency_name(store, a),
                own: agency_name(store, own),
            },
        )),
        _ => Err(deny(
            store,
            admin,
            Action::Administer.code(),
            target,
            Denial::ServiceOnly("quản trị phần dùng chung của hệ thống"),
        )),
    }
}

/// Only the service's administrator edits the shared data (agencies, people,
/// programmes: the import).
pub fn shared_data(store: &Store, admin: &User, target: &str) -> Result<(), Denial> {
    role(store, admin, Action::Administer, target)?;
    if admin.is_service_admin() {
        Ok(())
    } else {
        Err(deny(
            store,
            admin,
            "import",
            target,
            Denial::ServiceOnly("nhập dữ liệu dùng chung (cơ quan, người ký, chương trình)"),
        ))
    }
}

/// The agencies whose programme work `user` follows: its agency's circle (itself, its
/// UBND or its departments: [`crate::ocop::reach::circle`]); None for the service's
/// administrator (every agency).
pub fn circle(store: &Store, user: &User) -> rusqlite::Result<Option<Vec<String>>> {
    match user.agency() {
        Some(a) => crate::ocop::reach::circle(store, a).map(Some),
        None if user.is_service_admin() => Ok(None),
        None => Ok(Some(vec![])),
    }
}

/// The milestones `user` follows: of programmes run in its circle, or that its circle
/// must report on. None: every milestone.
pub fn milestones(
    store: &Store,
    user: &User,
) -> rusqlite::Result<Option<std::collections::HashSet<String>>> {
    let Some(circle) = circle(store, user)? else {
        return Ok(None);
    };
    let followed = crate::store::milestones::followed_by(store.conn(), &circle)?;
    Ok(Some(followed.into_iter().collect()))
}

/// `user` may record reports on `milestone`: its agency runs the milestone's programme
/// (the programme's UBND, or one of its departments).
pub fn records_reports(store: &Store, user: &User, milestone: &str) -> Result<(), Denial> {
    let target = format!("milestone:{milestone}");
    role(store, user, Action::Record, &target)?;
    let issuer = crate::store::milestones::programme_issuer(store.conn(), milestone)
        .ok()
        .flatten();
    let ok = match (user.agency(), &issuer) {
        (Some(own), Some(i)) => crate::ocop::reach::circle(store, own)
            .map(|c| c.iter().any(|a| a == i))
            .unwrap_or(false),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let denial = not_ours(store, user, "mốc thời hạn", issuer.as_deref());
    Err(deny(store, user, Action::Record.code(), &target, denial))
}
