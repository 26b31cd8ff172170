//! A draft made from an OCOP template turned into a composer draft its author edits
//! freely: the template's letter, filled, becomes the composer's fields.

use super::{Draft, DraftError};
use crate::service::accounts::{Action, User};
use crate::service::audit::{self, Outcome};
use crate::service::compose::{self, TEMPLATE};
use crate::store::Store;

/// Makes the generated text of a draft from an OCOP template editable (its author,
/// while it is being written): the draft becomes a composer draft holding the
/// template's letter with its data filled in, same issuer, signer, date and wording.
/// A certification decision keeps its template (its certificates follow the scores).
pub fn make_editable(store: &mut Store, user: &User, id: i64) -> Result<Draft, DraftError> {
    let target = format!("draft:{id}");
    super::authorize(store, user, Action::Compose, &target)?;
    let draft = super::get_for(store, user, id)?;
    super::author_only(store, user, &draft, "make-editable")?;
    if draft.state != super::State::Draft {
        return Err(super::wrong_state(store, id, "bản nháp đang soạn mới sửa")?);
    }
    if draft.template == TEMPLATE {
        return Ok(draft);
    }
    if draft.template == "decision" {
        return Err(DraftError::KeepsTemplate);
    }
    let composed = super::compose(store, user, id)?;
    let mut read =
        compose::letter_fields(&composed.letter, Some(store as &dyn crate::letter::Lookup))?;
    let date = draft
        .fields
        .get("date")
        .cloned()
        .unwrap_or_else(|| crate::store::register::today_vn().to_string());
    read.fields.insert("date".into(), date);
    let (values, c) = super::checked(store, TEMPLATE, &read.fields)?;
    let title = crate::service::forms::form(&draft.template)
        .map_or(draft.template.as_str(), |f| f.title.as_str());
    let tx = store.write()?;
    let (fields, subject) = (values.to_json(), c.composed.document.subject_one_line());
    let content = crate::store::drafts::Content {
        template: TEMPLATE,
        fields: &fields,
        subject: &subject,
        issuer: None,
        signer: None,
    };
    let now = crate::service::clock::now_text();
    if !crate::store::drafts::rewrite_keeping_owners(&tx, id, &content, &now)? {
        drop(tx);
        return Err(super::wrong_state(store, id, "bản nháp đang soạn mới sửa")?);
    }
    audit::record(
        &tx,
        Some(user),
        "update",
        &target,
        Outcome::Ok,
        &format!("chuyển thành văn bản tự soạn từ mẫu \"{title}\""),
    )?;
    tx.commit()?;
    super::get(store, id)
}
