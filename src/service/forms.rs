//! The forms of the templates a user composes from: each template declares its fields
//! in a `[form]` table (title, about, fields with name, label, kind, required); the web
//! page and the API are generated from that declaration, and [`Values::parse`] checks a
//! filled form against it and against the database.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::store::Store;
use crate::store::choices::Records;

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Milestone,
    Programme,
    Round,
    Agency,
    Person,
    Date,
    Text,
    /// The kind of document (công văn, quyết định, …): one of the model's names.
    #[serde(rename = "doc_kind")]
    DocKind,
    /// Khẩn, thượng khẩn or hỏa tốc.
    Urgency,
    /// Mật, tối mật or tuyệt mật: the document then goes on paper only.
    Secrecy,
    /// Xem xong trả lại, lưu hành nội bộ, trả lại sau khi họp (ô 11).
    Circulation,
    /// Lines of plain text (a decision's grounds).
    Lines,
    /// Lines naming recipients: `@id` of a stored group or agency, or typed text.
    Recipients,
    /// The body in the letter markup (headings, lists, tables, `{{ }}` fields).
    Markup,
}

impl FieldKind {
    /// Whether the value may span lines (shown as a text area).
    pub fn multiline(self) -> bool {
        matches!(
            self,
            FieldKind::Lines | FieldKind::Recipients | FieldKind::Markup
        )
    }
}

/// One declared field.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The document kinds the field belongs to ("quyết định" for its grounds); empty
    /// for every kind. The form shows only the chosen kind's fields.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Fields seldom filled are gathered under a folded heading (consecutive fields of
    /// one group), open when one of them holds something.
    #[serde(default)]
    pub group: Option<String>,
}

/// A template's form.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    #[serde(default)]
    pub id: String,
    pub title: String,
    pub about: String,
    pub fields: Vec<Field>,
}

/// A problem with one field of a filled form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The field's name (the JSON path of the API body is `fields.<name>`).
    pub field: String,
    pub message: String,
}

/// The free composer's template id (its drafts are letters written field by field,
/// [`super::compose`]).
pub const COMPOSER: &str = "letter";

/// The embedded form of the free composer.
pub const COMPOSER_FORM: &str = include_str!("../../templates/compose/letter.toml");

/// The forms of every template, in the order they are offered (read from the embedded
/// templates once).
pub fn forms() -> &'static [Form] {
    static FORMS: std::sync::OnceLock<Vec<Form>> = std::sync::OnceLock::new();
    FORMS.get_or_init(read_forms)
}

fn read_forms() -> Vec<Form> {
    std::iter::once(&(COMPOSER, COMPOSER_FORM))
        .chain(crate::ocop::FORM_TEMPLATES)
        .map(|(id, source)| {
            #[derive(Deserialize)]
            struct WithForm {
                form: Form,
            }
            let table: toml::Table = toml::from_str(source).expect("templates are valid TOML");
            let mut form = table
                .get("form")
                .cloned()
                .map(|f| {
                    toml::Value::Table(toml::Table::from_iter([("form".to_string(), f)]))
                        .try_into::<WithForm>()
                        .expect("a template's [form] is well formed (tested)")
                        .form
                })
                .expect("every form template has a [form] (tested)");
            form.id = id.to_string();
            form
        })
        .collect()
}

/// The form of one template.
pub fn form(id: &str) -> Option<&'static Form> {
    forms().iter().find(|f| f.id == id)
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// For a person: the agencies they sign for, comma-separated (their own first), so
    /// a page can offer only the signers of the chosen issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agencies: Option<String>,
}

/// What a new form of `form` starts with for `user`: their agency as the issuer, and
/// the signer when exactly one person signs for it.
pub fn defaults(
    store: &Store,
    form: &Form,
    user: &super::identity::User,
) -> rusqlite::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some(agency) = user.agency() else {
        return Ok(out);
    };
    for f in &form.fields {
        match f.kind {
            // Nơi nhận of an ordinary document begins "Như trên" and ends "Lưu: VT".
            FieldKind::Recipients if f.name == "recipients" && form.id == "letter" => {
                out.insert(f.name.clone(), "Như trên;\nLưu: VT.".to_string());
            }
            FieldKind::Agency if f.name == "issuer" => {
                out.insert(f.name.clone(), agency.to_string());
            }
            FieldKind::Person => {
                let signers: Vec<Choice> = choices(store, FieldKind::Person)?
                    .into_iter()
                    .filter(|c| {
                        c.agencies
                            .as_deref()
                            .is_some_and(|a| a.split(',').any(|x| x == agency))
                    })
                    .collect();
                if let [only] = signers.as_slice() {
                    out.insert(f.name.clone(), only.value.clone());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The stored records a field of `kind` chooses from (None: a fixed list or free text).
fn records(kind: FieldKind) -> Option<Records> {
    Some(match kind {
        FieldKind::Milestone => Records::Milestone,
        FieldKind::Programme => Records::Programme,
        FieldKind::Round => Records::Round,
        FieldKind::Agency => Records::Agency,
        FieldKind::Person => Records::Person,
        FieldKind::Recipients => Records::Recipients,
        _ => return None,
    })
}

/// The options of a choice field (empty for dates and text).
pub fn choices(store: &Store, kind: FieldKind) -> rusqlite::Result<Vec<Choice>> {
    if let Some(records) = records(kind) {
        return Ok(crate::store::choices::options(store.conn(), records)?
            .into_iter()
            .map(|o| Choice {
                value: o.value,
                label: o.label,
                agencies: o.agencies,
            })
            .collect());
    }
    Ok(match kind {
        FieldKind::DocKind => fixed(&crate::model::DocKind::all_names(), ""),
        FieldKind::Secrecy => fixed(&["mật", "tối mật", "tuyệt mật"], " (chỉ gửi bản giấy)"),
        FieldKind::Circulation => fixed(
            &[
                "xem xong trả lại",
                "lưu hành nội bộ",
                "trả lại sau khi họp (hội nghị)",
            ],
            "",
        ),
        FieldKind::Urgency => fixed(&["khẩn", "thượng khẩn", "hỏa tốc"], ""),
        _ => vec![],
    })
}

/// The choices of a fixed list: the value as written, the label capitalised with
/// `note` after it.
fn fixed(names: &[&str], note: &str) -> Vec<Choice> {
    names
        .iter()
        .map(|n| Choice {
            value: n.to_string(),
            label: format!("{}{note}", crate::text::capitalize_first(n)),
            agencies: None,
        })
        .collect()
}

/// What a clerk reads for a stored value of a choice field: its option's label (a
/// milestone's task and deadline, an agency's name), the value itself when it has none.
pub fn value_label(store: &Store, kind: FieldKind, value: &str) -> rusqlite::Result<String> {
    Ok(choices(store, kind)?
        .into_iter()
        .find(|c| c.value == value)
        .map_or_else(|| value.to_string(), |c| c.label))
}

fn exists(store: &Store, kind: FieldKind, value: &str) -> rusqlite::Result<bool> {
    if let Some(records) = records(kind) {
        return crate::store::choices::exists(store.conn(), records, value);
    }
    Ok(match kind {
        FieldKind::DocKind => crate::model::DocKind::parse(value).is_some(),
        FieldKind::Urgency => crate::model::Urgency::parse(value).is_some(),
        FieldKind::Secrecy => crate::model::Secrecy::parse(value).is_some(),
        FieldKind::Circulation => crate::model::Circulation::parse(value).is_some(),
        _ => true,
    })
}

/// Where a line of Nơi nhận goes: "Như trên" / "Như Điều 3" first, "Lưu: …" last,
/// every other line in the order written.
fn recipient_rank(line: &str) -> u8 {
    let folded = crate::text::fold_key(line);
    if folded.starts_with("như ") {
        0
    } else if folded.starts_with("lưu") {
        2
    } else {
        1
    }
}

/// Reads a date as a clerk writes it (`23/10/2020`) or as a browser sends it (`2020-10-23`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// The values of a filled form: only declared fields, trimmed, NFC, dates as ISO,
/// every reference known to the database. Empty optional fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values(BTreeMap<String, String>);

impl Values {
    /// Checks `raw` against `form`; every problem is reported, each with its field.
    pub fn parse(
        store: &Store,
        form: &Form,
        raw: &BTreeMap<String, String>,
    ) -> Result<Values, Vec<FieldError>> {
        let mut problems = vec![];
        let mut values = BTreeMap::new();
        for name in raw.keys() {
            if !form.fields.iter().any(|f| &f.name == name) {
                problems.push(FieldError {
                    field: name.clone(),
                    message: format!("mẫu \"{}\" không có trường này", form.title),
                });
            }
        }
        for f in &form.fields {
            let raw_value = raw.get(&f.name).map(|s| s.trim()).unwrap_or("");
            let value = if f.kind.multiline() {
                // One line ending, no trailing blanks on a line, no empty lines of a list.
                let lines = raw_value.lines().map(str::trim_end);
                let mut kept: Vec<&str> = if f.kind == FieldKind::Markup {
                    lines.collect()
                } else {
                    lines.map(str::trim).filter(|l| !l.is_empty()).collect()
                };
                if f.kind == FieldKind::Recipients {
                    // Picked and typed lines arrive in any order; Nơi nhận reads
                    // "Như trên" first and "Lưu: VT" last (Nghị định 30, ô 9b).
                    kept.sort_by_key(|l| recipient_rank(l));
                    let mut seen = std::collections::HashSet::new();
                    kept.retain(|l| seen.insert(*l));
                }
                crate::text::nfc(&kept.join("\n"))
            } else {
                crate::text::nfc(raw_value)
            };
            let problem = |message: String| FieldError {
                field: f.name.clone(),
                message,
            };
            if let Err(e) = crate::text::check_text(&value) {
                problems.push(problem(e.to_string()));
                continue;
            }
            if value.is_empty() {
                if f.required {
                    let verb = match f.kind {
                        FieldKind::Date
                        | FieldKind::Text
                        | FieldKind::Lines
                        | FieldKind::Markup => "nhập",
                        _ => "chọn",
                    };
                    let label = f
                        .label
                        .split(" (")
                        .next()
                        .unwrap_or(&f.label)
                        .to_lowercase();
                    problems.push(problem(format!("hãy {verb} {label}")));
                }
                continue;
            }
            let value = match f.kind {
                FieldKind::Date => match parse_date(&value) {
                    Some(d) => d.to_string(),
                    None => {
                        problems.push(problem(format!(
                            "ngày \"{value}\" không hợp lệ; hãy ghi dạng 23/10/2020"
                        )));
                        continue;
                    }
                },
                kind => match exists(store, kind, &value) {
                    Ok(true) => value,
                    Ok(false) => {
                        problems.push(problem(format!("không có \"{value}\" trong dữ liệu")));
                        continue;
                    }
                    Err(e) => {
                        problems.push(problem(format!("cơ sở dữ liệu: {e}")));
                        continue;
                    }
                },
            };
            values.insert(f.name.clone(), value);
        }
        if problems.is_empty() {
            Ok(Values(values))
        } else {
            Err(problems)
        }
    }

    /// A value by field name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A date field (parsed when the values were).
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        self.get(name).and_then(parse_date)
    }

    /// The values as stored (JSON object).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("strings serialize")
    }

    /// Values read back from the database (they were parsed when stored).
    pub fn from_json(s: &str) -> Values {
        Values(serde_json::from_str(s).unwrap_or_default())
    }

    /// The values of a stored draft (parsed when it was saved).
    pub fn stored(map: BTreeMap<String, String>) -> Values {
        Values(map)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_template_declares_a_form_with_a_date() {
        let forms = forms();
        assert_eq!(
            forms.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            [
                "letter",
                "reminder",
                "plan",
                "decision",
                "transfer",
                "expiry-notice",
                "withdrawal"
            ]
        );
        for f in forms {
            assert!(
                f.fields
                    .iter()
                    .any(|x| x.kind == FieldKind::Date && x.required),
                "{}",
                f.id
            );
        }
    }

    #[test]
    fn dates_are_read_both_ways() {
        assert_eq!(parse_date("23/10/2020"), parse_date("2020-10-23"));
        assert!(parse_date("2020-10-23").is_some());
        assert_eq!(parse_date("31/02/2020"), None);
    }
}
