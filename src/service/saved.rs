//! Templates a drafter saves ("Lưu làm mẫu"): the structure of a composer draft (kind,
//! issuer, signer, addressees, recipients, subject, body, decision lines, annex) kept
//! as a template of its issuing agency. The `{{ name }}` fields written in it are the
//! template's form: a new draft from the template asks for each of them (and the
//! date), fills them in, and is from then on an ordinary composer draft.
//!
//! Invariants: a saved template holds only the composer's fields, never a date; a
//! field name is ASCII (`[A-Za-z_][A-Za-z0-9_]*`, not `date`); a value filled into a
//! template is text, never markup or a template tag (escaped in the body, refused
//! when it holds `{{`/`{%`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::accounts::{Action, User};
use super::audit::{self, Outcome};
use super::compose::{self, composer_form, placeholders};
use super::drafts::{self, Draft, DraftError};
use super::forms::{FieldError, FieldKind};

use crate::store::{Store, saved};

/// A saved template.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SavedTemplate {
    pub id: i64,
    pub title: String,
    pub agency_id: String,
    /// The issuing agency's short name.
    pub agency_name: String,
    /// The composer's fields, `{{ }}` fields kept.
    pub fields: BTreeMap<String, String>,
    /// The `{{ name }}` fields, in the order they first appear.
    pub placeholders: Vec<String>,
    pub author: String,
    pub created_at: String,
}

fn problem(field: &str, message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: field.to_string(),
        message: message.into(),
    }])
}

/// A field name as a label: `han_bao_cao` → "Han bao cao".
pub fn label(name: &str) -> String {
    crate::text::capitalize_first(name.replace('_', " ").trim())
}

/// Keeps a composer draft as a template of its issuing agency (drafters), titled
/// `title` (one line, unique within the agency).
pub fn save(
    store: &mut Store,
    user: &User,
    draft: i64,
    title: &str,
) -> Result<SavedTemplate, DraftError> {
    drafts::authorize(store, user, Action::Compose, &format!("draft:{draft}"))?;
    let d = drafts::get_for(store, user, draft)?;
    super::access::act_for(
        store,
        user,
        Action::Compose,
        d.issuer.as_deref(),
        "bản nháp",
        &format!("draft:{draft}"),
    )?;
    if d.template != compose::TEMPLATE {
        return Err(DraftError::NotComposed);
    }
    let title = crate::text::Line::parse(title)
        .map_err(|e| problem("title", format!("tên mẫu: {e}")))?
        .into_string();
    if title.is_empty() {
        return Err(problem("title", "hãy nhập tên mẫu"));
    }
    if title.chars().count() > 200 {
        return Err(problem("title", "tên mẫu dài quá 200 ký tự"));
    }
    let mut fields = d.fields.clone();
    fields.remove("date");
    let agency = fields.get("issuer").cloned().unwrap_or_default();
    let taken = saved::title_taken(store.conn(), &agency, &title)?;
    if taken {
        return Err(problem(
            "title",
            format!("cơ quan đã có mẫu tên \"{title}\"; hãy đặt tên khác"),
        ));
    }
    let tx = store.write()?;
    let now = crate::service::clock::now_text();
    let id = saved::insert(&tx, &agency, &title, &fields, user.id, &now)?;
    audit::record(
        &tx,
        Some(user),
        "save-template",
        &format!("template:{id}"),
        Outcome::Ok,
        &format!("từ bản nháp #{draft}: {title}"),
    )?;
    tx.commit()?;
    get(store, user, id)
}

/// The template a stored row is, with its placeholders.
fn of_row(r: saved::SavedRow) -> SavedTemplate {
    SavedTemplate {
        id: r.id,
        title: r.title,
        agency_id: r.agency_id,
        agency_name: r.agency_name,
        placeholders: placeholders(&r.fields).unwrap_or_default(),
        fields: r.fields,
        author: r.author,
        created_at: r.created_at,
    }
}

/// The saved templates of the agencies `user` reads, by agency and title.
pub fn list(store: &Store, user: &User) -> Result<Vec<SavedTemplate>, DraftError> {
    let agencies = super::access::listed(user);
    Ok(saved::list(store.conn(), agencies.as_deref())?
        .into_iter()
        .map(of_row)
        .collect())
}

/// One saved template, if `user` reads its agency's.
pub fn get(store: &Store, user: &User, id: i64) -> Result<SavedTemplate, DraftError> {
    let t = stored(store, id)?;
    super::access::read(
        store,
        user,
        Some(&t.agency_id),
        &[],
        "mẫu văn bản",
        &format!("template:{id}"),
    )?;
    Ok(t)
}

fn stored(store: &Store, id: i64) -> Result<SavedTemplate, DraftError> {
    saved::get(store.conn(), id)?
        .map(of_row)
        .ok_or(DraftError::NoSavedTemplate(id))
}

/// The template's fields with `values` filled in: each `{{ name }}` becomes its value
/// (escaped for the markup in the body and the annex); the date is `values["date"]`.
/// Every missing or unsafe value is named under its field.
pub fn fill(
    t: &SavedTemplate,
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, DraftError> {
    let mut problems = vec![];
    let mut given = BTreeMap::new();
    for name in &t.placeholders {
        let v = crate::text::nfc(values.get(name).map(|s| s.trim()).unwrap_or(""));
        let fail = |message: String| FieldError {
            field: name.clone(),
            message,
        };
        if v.is_empty() {
            problems.push(fail(format!("hãy nhập {}", label(name).to_lowercase())));
        } else if v.contains("{{") || v.contains("{%") || v.contains("{#") {
            problems.push(fail(
                "giá trị không được chứa \"{{\", \"{%\" hay \"{#\"".into(),
            ));
        } else if let Err(e) = crate::text::Line::parse(&v) {
            problems.push(fail(e.to_string()));
        } else {
            given.insert(name.as_str(), v);
        }
    }
    if !problems.is_empty() {
        return Err(DraftError::Invalid(problems));
    }
    let mut out = BTreeMap::new();
    for f in &composer_form().fields {
        let Some(text) = t.fields.get(&f.name) else {
            continue;
        };
        let markup = f.kind == FieldKind::Markup;
        let mut filled = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let end = after.find("}}").expect("saved fields were checked");
            let value = &given[after[..end].trim()];
            filled.push_str(&rest[..start]);
            if markup {
                filled.push_str(&crate::letter::markup::escape(value));
            } else {
                filled.push_str(value);
            }
            rest = &after[end + 2..];
        }
        filled.push_str(rest);
        out.insert(f.name.clone(), filled);
    }
    if let Some(date) = values.get("date") {
        out.insert("date".into(), date.clone());
    }
    Ok(out)
}

/// A new composer draft from a saved template, its fields filled with `values`
/// (drafters); the draft's history names the template.
pub fn create_draft(
    store: &mut Store,
    user: &User,
    id: i64,
    values: &BTreeMap<String, String>,
) -> Result<Draft, DraftError> {
    drafts::authorize(store, user, Action::Compose, &format!("template:{id}"))?;
    let t = get(store, user, id)?;
    let fields = fill(&t, values)?;
    drafts::create_with_detail(
        store,
        user,
        compose::TEMPLATE,
        &fields,
        &format!("từ mẫu \"{}\"", t.title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(body: &str) -> SavedTemplate {
        let fields = BTreeMap::from([
            ("subject".to_string(), "V/v họp {{ cuoc_hop }}".to_string()),
            ("body".to_string(), body.to_string()),
        ]);
        SavedTemplate {
            id: 1,
            title: "Giấy mời họp".into(),
            agency_id: "snn".into(),
            agency_name: "SNN".into(),
            placeholders: placeholders(&fields).unwrap(),
            fields,
            author: "cv".into(),
            created_at: String::new(),
        }
    }

    #[test]
    fn values_are_filled_as_text() {
        let t = template("Mời dự họp **{{ cuoc_hop }}** lúc {{ gio }}.");
        assert_eq!(t.placeholders, ["cuoc_hop", "gio"]);
        let values = BTreeMap::from([
            ("cuoc_hop".to_string(), "tổng kết *OCOP*".to_string()),
            ("gio".to_string(), "8 giờ".to_string()),
            ("date".to_string(), "2026-12-04".to_string()),
        ]);
        let out = fill(&t, &values).unwrap();
        assert_eq!(
            out["subject"], "V/v họp tổng kết *OCOP*",
            "plain field as typed"
        );
        assert_eq!(
            out["body"], "Mời dự họp **tổng kết \\*OCOP\\*** lúc 8 giờ.",
            "the body's value cannot become markup"
        );
        assert_eq!(out["date"], "2026-12-04");
    }

    #[test]
    fn missing_and_unsafe_values_are_named() {
        let t = template("Lúc {{ gio }}.");
        let values = BTreeMap::from([("gio".to_string(), "{{ x }}".to_string())]);
        let Err(DraftError::Invalid(p)) = fill(&t, &values) else {
            panic!("refused")
        };
        let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["cuoc_hop", "gio"]);
        assert!(p[0].message.contains("cuoc hop"), "{}", p[0].message);
    }
}
