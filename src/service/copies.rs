//! Electronic copies as an account makes them: the văn thư of the agency that received
//! a document forwards it as a copy signed with the agency's key ([`crate::copies`]),
//! and its messages are queued at once like any issued document's (the delivery
//! worker sends them; the copy's page shows each recipient's state).

use super::identity::User;
use super::incoming::{InboxError, receiving, target};
use crate::copies::{self, CopyRequest};
use crate::incoming::IncomingError;
use crate::sign::{Keyring, Unlock};
use crate::store::Store;
use crate::store::register::Entry;
use crate::text::Line;

/// What a form or the API sends to copy an entry, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CopyInput {
    /// The recipients: stored agencies', people's or groups' ids, or printed names.
    pub to: Vec<String>,
    /// The caller's explicit yes: a copy takes a number of the copy series for good.
    pub confirm: bool,
}

impl CopyInput {
    /// The recipients, each a line without hidden characters, once the caller said yes.
    pub fn parse(&self) -> Result<Vec<Line>, IncomingError> {
        if !self.confirm {
            return Err(IncomingError::Invalid {
                field: "confirm",
                label: "xác nhận",
                message: "sao y lấy một số của sổ bản sao và không hoàn lại được; hãy đánh dấu ô xác nhận".into(),
            });
        }
        self.to
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| {
                Line::parse(t).map_err(|e| IncomingError::Invalid {
                    field: "to",
                    label: "nơi nhận",
                    message: e.to_string(),
                })
            })
            .collect()
    }
}

/// The agencies a copy of `agency`'s usually goes to, offered as ticks on the copy
/// form: those below it (a huyện's communes), then those beside it under the same
/// parent (a Sở's fellow departments and the province's huyện), each by name: (id,
/// name on one line).
pub fn usual_recipients(
    store: &Store,
    agency: &str,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    Ok(
        crate::store::agencies::below_and_beside(store.conn(), agency)?
            .into_iter()
            .map(|a| {
                let name = a.one_line();
                (a.id, name)
            })
            .collect(),
    )
}

/// What a copy needs of the service besides the store: the renderer, the keys and
/// the mail settings.
pub struct Tools<'a> {
    pub renderer: &'a crate::Renderer,
    pub keyring: &'a Keyring,
    pub mail: &'a crate::mail::MailSettings,
}

/// A văn thư forwards entry `number` of `year` as an electronic copy signed with the
/// agency's key (PINs of a token key in `unlock`) and queues its messages; returns
/// the copy's register entry. Should queueing fail, the copy stays registered and is
/// sent again from `vanthu send`.
pub fn copy(
    store: &mut Store,
    tools: Tools,
    unlock: Unlock,
    user: &User,
    year: i32,
    number: i64,
    input: &CopyInput,
) -> Result<Entry, InboxError> {
    let agency = receiving(store, user, &target(year, number))?;
    let recipients = input.parse()?;
    let request = CopyRequest {
        agency: &agency,
        year,
        number,
        recipients,
        at: chrono::Utc::now(),
        by: &user.login,
    };
    let entry = copies::make(store, tools.renderer, tools.keyring, &unlock, &request)?;
    crate::mail::queue(store, &entry, tools.mail)?;
    Ok(entry)
}
