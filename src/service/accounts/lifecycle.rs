//! An account's life after it is made: placed in an agency (and, for a signer, tied to
//! the person it is), edited, its password changed by its owner or reset by an
//! administrator, disabled and enabled again (never deleted: the audit log keeps its
//! name), its API tokens listed and revoked.
//!
//! Invariant: changing or resetting a password and disabling an account end every
//! session and API token of the account, in the transaction of the change.

use super::{AccountError, Password, Role, Scope, User, by_login, hash_password};
use crate::service::access;
use crate::service::audit::{self, Outcome};
use crate::store::{Store, accounts, agencies};

/// Where an account is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// In an agency; a signer's account is a person of it (`person`).
    Agency {
        agency: String,
        person: Option<String>,
    },
    /// An administrator of the whole service.
    Service,
}

impl Link {
    /// The place a form or a command asks for: `service` for an administrator of the
    /// whole service, otherwise an agency (required) and, for a signer, a person.
    pub fn parse(
        agency: Option<&str>,
        person: Option<&str>,
        service: bool,
    ) -> Result<Link, AccountError> {
        let blank = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        match (service, blank(agency), blank(person)) {
            (true, None, None) => Ok(Link::Service),
            (true, _, _) => Err(AccountError::ServiceWithAgency),
            (false, Some(agency), person) => Ok(Link::Agency { agency, person }),
            (false, None, _) => Err(AccountError::NoAgency),
        }
    }

    /// The agency, when the account is in one.
    pub fn agency(&self) -> Option<&str> {
        match self {
            Link::Agency { agency, .. } => Some(agency),
            Link::Service => None,
        }
    }

    /// The person, for a signer.
    pub fn person(&self) -> Option<&str> {
        match self {
            Link::Agency { person, .. } => person.as_deref(),
            Link::Service => None,
        }
    }

    pub(super) fn scope_code(&self) -> &'static str {
        match self {
            Link::Agency { .. } => "agency",
            Link::Service => "service",
        }
    }
}

/// Checks that `role` may be placed by `link`: the agency and person exist, the person
/// is of that agency and has no other account (`except`: the account being changed),
/// signers are people and only signers are, only administrators serve the whole service.
pub(super) fn check_link(
    store: &Store,
    role: Role,
    link: &Link,
    except: Option<i64>,
) -> Result<(), AccountError> {
    let conn = store.conn();
    match link {
        Link::Service if role != Role::Admin => Err(AccountError::ServiceNotAdmin),
        Link::Service => Ok(()),
        Link::Agency { agency, person } => {
            let agency_name = agencies::short_name(conn, agency)?
                .ok_or_else(|| AccountError::UnknownAgency(agency.clone()))?;
            match (role, person) {
                (Role::Signer, None) => Err(AccountError::SignerWithoutPerson),
                (Role::Signer, Some(p)) => {
                    let person = agencies::person(conn, p)?
                        .ok_or_else(|| AccountError::UnknownPerson(p.clone()))?;
                    let name = person.name;
                    if &person.agency_id != agency {
                        return Err(AccountError::PersonOfAnotherAgency {
                            person: name,
                            person_agency: person.agency_short_name,
                            agency: agency_name,
                        });
                    }
                    match accounts::account_of_person(conn, p, except)? {
                        Some(_) => Err(AccountError::PersonTaken(name)),
                        None => Ok(()),
                    }
                }
                (_, Some(_)) => Err(AccountError::PersonForNonSigner),
                (_, None) => Ok(()),
            }
        }
    }
}

/// The name an account shows: a signer's is their person's (the name their documents
/// and signatures carry); any other's as typed (one line).
pub(super) fn account_name(store: &Store, name: &str, link: &Link) -> Result<String, AccountError> {
    if let Some(p) = link.person() {
        return agencies::person_name(store.conn(), p)?
            .ok_or_else(|| AccountError::UnknownPerson(p.to_string()));
    }
    let name = crate::text::Line::parse(name)
        .map_err(|e| AccountError::BadName(e.to_string()))?
        .into_string();
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    Ok(name)
}

/// What an administrator changes of an account; `None` keeps it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub link: Option<Link>,
}

/// Changes an account's name, role or place (`by`: the administrator; None from the
/// command line). Placing an unlinked account is how an upgrade's accounts are linked.
pub fn update_user(
    store: &mut Store,
    by: Option<&User>,
    login: &str,
    changes: &UserChanges,
) -> Result<User, AccountError> {
    let user = by_login(store, login)?;
    let target = format!("user:{}", user.login);
    if let Some(admin) = by {
        // The administrator must hold the account as it is and as it will be.
        access::administer(store, admin, user.agency(), &target)?;
        if let Some(link) = &changes.link {
            access::administer(store, admin, link.agency(), &target)?;
        }
    }
    let role = changes.role.unwrap_or(user.role);
    let link = match (&changes.link, &user.scope) {
        (Some(l), _) => Some(l.clone()),
        (None, Scope::Agency(a)) => Some(Link::Agency {
            agency: a.clone(),
            person: user.person.clone(),
        }),
        (None, Scope::Service) => Some(Link::Service),
        (None, Scope::Unlinked) => None,
    };
    if let Some(l) = &link {
        check_link(store, role, l, Some(user.id))?;
    }
    // A signer's name follows their person; a name typed for anyone else is kept.
    let name = match (&changes.name, link.as_ref().and_then(Link::person)) {
        (_, Some(_)) => Some(account_name(store, "", link.as_ref().expect("a person"))?),
        (Some(n), None) => Some(account_name(store, n, &Link::Service)?),
        (None, None) => None,
    };
    let tx = store.write()?;
    let place = changes.link.as_ref().map(|l| accounts::Place {
        scope: l.scope_code(),
        agency_id: l.agency(),
        person_id: l.person(),
    });
    accounts::update_user(&tx, user.id, name.as_deref(), role.code(), place.as_ref())?;
    let mut detail = vec![];
    if changes.role.is_some() {
        detail.push(role.label().to_string());
    }
    if let Some(l) = &changes.link {
        detail.push(place_in_words(&tx, l)?);
    }
    audit::record(
        &tx,
        by,
        "user.update",
        &target,
        Outcome::Ok,
        &detail.join(", "),
    )?;
    tx.commit()?;
    by_login(store, login)
}

/// A place in words, for the audit log: "Sở NN&PTNT Bắc Giang, người ký Dương Thanh Tùng".
fn place_in_words(conn: &rusqlite::Connection, link: &Link) -> rusqlite::Result<String> {
    let or_id = |found: Option<String>, id: &str| found.unwrap_or_else(|| id.to_string());
    Ok(match link {
        Link::Service => "quản trị toàn hệ thống".to_string(),
        Link::Agency { agency, person } => {
            let a = or_id(agencies::short_name(conn, agency)?, agency);
            match person {
                Some(p) => format!(
                    "{a}, người ký {}",
                    or_id(agencies::person_name(conn, p)?, p)
                ),
                None => a,
            }
        }
    })
}

/// Places an account (an upgrade's accounts are unlinked until this is done).
pub fn link(
    store: &mut Store,
    by: Option<&User>,
    login: &str,
    link: Link,
) -> Result<User, AccountError> {
    update_user(
        store,
        by,
        login,
        &UserChanges {
            link: Some(link),
            ..UserChanges::default()
        },
    )
}

/// The owner changes their password: the current one, the new one twice. Every session
/// and token of the account ends; the caller opens a new session for the browser it is
/// in.
pub fn change_password(
    store: &mut Store,
    user: &User,
    old: &str,
    new: &str,
    again: &str,
) -> Result<(), AccountError> {
    if new != again {
        return Err(AccountError::Mismatch);
    }
    let password = Password::parse_for(new, &user.login)?;
    if super::authenticate(store, &user.login, old, None).is_err() {
        audit::record(
            store.conn(),
            Some(user),
            "password.change",
            &format!("user:{}", user.login),
            Outcome::Refused,
            "",
        )?;
        return Err(AccountError::WrongOldPassword);
    }
    if old == new {
        return Err(AccountError::SamePassword);
    }
    set_password(store, Some(user), user, &password, false, "password.change")
}

/// An administrator sets a temporary password: the user must choose a new one at their
/// next sign-in; every session and token of the account ends.
pub fn reset_password(
    store: &mut Store,
    by: Option<&User>,
    login: &str,
    temporary: &Password,
) -> Result<(), AccountError> {
    let user = by_login(store, login)?;
    if let Some(admin) = by {
        access::administer(store, admin, user.agency(), &format!("user:{}", user.login))?;
    }
    set_password(store, by, &user, temporary, true, "password.reset")
}

fn set_password(
    store: &mut Store,
    by: Option<&User>,
    user: &User,
    password: &Password,
    must_change: bool,
    action: &str,
) -> Result<(), AccountError> {
    let hash = hash_password(password.as_str())?;
    let tx = store.write()?;
    accounts::set_password(
        &tx,
        user.id,
        &user.login,
        &hash,
        must_change,
        &crate::service::clock::now_text(),
    )?;
    audit::record(
        &tx,
        by,
        action,
        &format!("user:{}", user.login),
        Outcome::Ok,
        "",
    )?;
    tx.commit()?;
    Ok(())
}

/// Disables an account: it signs in no more, its sessions and tokens end; kept, so the
/// audit log still names it.
pub fn disable(store: &mut Store, by: Option<&User>, login: &str) -> Result<(), AccountError> {
    set_disabled(store, by, login, true)
}

/// Enables a disabled account again.
pub fn enable(store: &mut Store, by: Option<&User>, login: &str) -> Result<(), AccountError> {
    set_disabled(store, by, login, false)
}

fn set_disabled(
    store: &mut Store,
    by: Option<&User>,
    login: &str,
    disabled: bool,
) -> Result<(), AccountError> {
    let user = by_login(store, login)?;
    let target = format!("user:{}", user.login);
    if let Some(admin) = by {
        access::administer(store, admin, user.agency(), &target)?;
        if disabled && admin.id == user.id {
            return Err(AccountError::SelfDisable);
        }
    }
    let tx = store.write()?;
    let now = crate::service::clock::now_text();
    accounts::set_disabled(&tx, user.id, disabled.then_some(now.as_str()))?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(&tx, by, action, &target, Outcome::Ok, "")?;
    tx.commit()?;
    Ok(())
}

/// One API token of an account, as its owner sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: String,
    /// The last request made with it (UTC, to the minute), or None.
    pub last_used_at: Option<String>,
    /// When it was made and last used, in Vietnam time as a clerk writes it
    /// (`05/12/2026 15:49`).
    pub created_vn: String,
    pub last_used_vn: Option<String>,
}

/// A UTC time in Vietnam time (see [`crate::vietnam_clock`]).
fn vietnam_time(utc: &str) -> String {
    crate::vietnam_clock(utc)
}

/// The API tokens of `user`, newest first.
pub fn tokens(store: &Store, user: &User) -> Result<Vec<TokenInfo>, AccountError> {
    Ok(accounts::tokens(store.conn(), user.id)?
        .into_iter()
        .map(|(id, label, created_at, last_used_at)| TokenInfo {
            id,
            label,
            created_vn: vietnam_time(&created_at),
            last_used_vn: last_used_at.as_deref().map(vietnam_time),
            created_at,
            last_used_at,
        })
        .collect())
}

/// Revokes one of `user`'s own API tokens.
pub fn revoke_token(store: &Store, user: &User, id: i64) -> Result<(), AccountError> {
    if !accounts::revoke_token(store.conn(), user.id, id)? {
        return Err(AccountError::UnknownToken(id));
    }
    audit::record(
        store.conn(),
        Some(user),
        "token.revoke",
        &format!("user:{}", user.login),
        Outcome::Ok,
        &format!("mã API số {id}"),
    )?;
    Ok(())
}
