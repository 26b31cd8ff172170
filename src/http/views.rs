//! What the API answers and the pages show, as types: each is `Serialize` with the
//! field names of the API (the OpenAPI document describes them), built from the
//! library's values without logic of its own. A library value whose fields are the
//! API's shape (a register `Entry`) is answered as it is, with no view of its own. A page that shows more adds to the
//! serialized value; it never builds the shape a second way.

use serde::Serialize;

use crate::mail::outbox::Delivery;
use crate::service::accounts::{Account, User};

/// One recipient's delivery: `status` is queued, sending, sent, failed or paper;
/// `state` says it in Vietnamese with the time and the server's reply.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub recipient: String,
    pub email: Option<String>,
    pub status: &'static str,
    pub attempts: u32,
    pub state: String,
    pub last_reply: Option<String>,
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> Self {
        DeliveryView {
            recipient: d.recipient.clone(),
            email: d.email.clone(),
            status: d.status.code(),
            attempts: d.attempts,
            state: d.clerk_state(),
            last_reply: d.last_reply.clone(),
        }
    }
}

/// The signed-in account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub scope: &'static str,
    pub agency: Option<String>,
    pub person: Option<String>,
    pub must_change_password: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            login: u.login.clone(),
            name: u.name.clone(),
            role: u.role.code(),
            scope: u.scope.code(),
            agency: u.agency().map(str::to_string),
            person: u.person.clone(),
            must_change_password: u.must_change_password,
        }
    }
}

/// An account as its administrator sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub login: String,
    pub name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub scope: &'static str,
    pub agency: Option<String>,
    pub agency_name: Option<String>,
    pub person: Option<String>,
    pub person_name: Option<String>,
    pub disabled: bool,
    pub must_change_password: bool,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        let u = &a.user;
        AccountView {
            login: u.login.clone(),
            name: u.name.clone(),
            role: u.role.code(),
            role_label: u.role.label(),
            scope: u.scope.code(),
            agency: u.agency().map(str::to_string),
            agency_name: a.agency_name.clone(),
            person: u.person.clone(),
            person_name: a.person_name.clone(),
            disabled: a.disabled,
            must_change_password: u.must_change_password,
        }
    }
}
