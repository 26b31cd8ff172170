//! An uploaded letter file (`.toml`) read back into the composer's fields: the inverse
//! of [`super::letter_text`] on what the form holds.

use std::collections::BTreeMap;

use super::*;

/// Why an uploaded letter file cannot become a composer draft.
fn upload_problem(message: impl Into<String>) -> DraftError {
    DraftError::Invalid(vec![FieldError {
        field: "file".into(),
        message: message.into(),
    }])
}

/// What a letter file gives the composer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LetterFields {
    pub fields: BTreeMap<String, String>,
    /// An issuer written out rather than by id: its printed name, to match.
    pub issuer_name: Option<String>,
    /// A signer written out: their name, to match.
    pub signer_name: Option<String>,
    /// What was left out (a number: drafts get theirs at issue).
    pub notes: Vec<String>,
}

/// The composer's fields for a letter file (`.toml`): every part the form holds; an
/// issuer or signer written out is returned by name for matching; a part the form
/// cannot hold (a `[data]` table, several annexes) is refused by name.
pub fn letter_fields(
    text: &str,
    lookup: Option<&dyn crate::letter::Lookup>,
) -> Result<LetterFields, DraftError> {
    let text = crate::text::nfc(text);
    if text.len() > crate::letter::MAX_LETTER_BYTES {
        return Err(upload_problem(format!(
            "tệp thư dài {} kB, quá giới hạn {} kB",
            text.len() / 1024,
            crate::letter::MAX_LETTER_BYTES / 1024
        )));
    }
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                format!(
                    "dòng {}: ",
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                )
            })
            .unwrap_or_default();
        upload_problem(format!(
            "không đọc được tệp thư (TOML): {line}{}",
            e.message()
        ))
    })?;
    // A letter filled from `[data]` or a programme comes to the composer filled.
    let has_data = table
        .get("data")
        .and_then(toml::Value::as_table)
        .is_some_and(|d| !d.is_empty())
        || table.contains_key("programme");
    let table: toml::Table = if has_data {
        let filled = crate::letter::filled(&text, lookup).map_err(letter_problems)?;
        toml::from_str(&filled).expect("a filled letter is TOML")
    } else {
        table
    };
    let mut fields = BTreeMap::new();
    let mut unsupported = vec![];
    let string = |v: &toml::Value| match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        _ => None,
    };
    let list = |v: &toml::Value| -> Option<String> {
        match v {
            toml::Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .map(|l| l.join("\n")),
            toml::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    };
    let mut out = LetterFields::default();
    let id_of = |v: &toml::Value| -> Option<String> {
        v.as_table()?
            .get("id")
            .and_then(|x| x.as_str())
            .map(String::from)
    };
    let name_of = |v: &toml::Value, key: &str| -> Option<String> {
        let x = v.as_table()?.get(key)?;
        list(x).map(|s| s.replace('\n', " "))
    };
    for (key, value) in &table {
        let got = match key.as_str() {
            "date" => match string(value) {
                // An undated draft ("2020-09") is dated when the drafter chooses the day.
                Some(d) if crate::service::forms::parse_date(&d).is_none() => {
                    out.notes.push(format!(
                        "tệp ghi ngày chưa đủ ({d}): bản nháp lấy ngày hôm nay, hãy sửa ngày ban hành nếu cần"
                    ));
                    continue;
                }
                other => other.map(|s| ("date", s)),
            },
            "kind" | "urgency" | "secrecy" | "circulation" | "drafter" => {
                string(value).map(|s| (key.as_str(), s))
            }
            // A letter file's paragraphs may be wrapped: the composer holds lines.
            "body" => string(value).map(|s| ("body", crate::letter::lines::unwrap_lines(&s))),
            "copies" => match value {
                toml::Value::Integer(n) => Some(("copies", n.to_string())),
                other => string(other).map(|s| ("copies", s)),
            },
            "address" => list(value).map(|s| ("address", s)),
            "subject" => list(value).map(|s| ("subject", s)),
            "addressees" | "recipients" => list(value).map(|s| (key.as_str(), s)),
            "issuer" | "signer" => match id_of(value) {
                Some(id) => {
                    if key == "issuer"
                        && let Some(unit) = value.get("unit").and_then(|u| u.as_str())
                    {
                        fields.insert("unit".into(), unit.to_string());
                    }
                    Some((key.as_str(), id))
                }
                None => {
                    let name = name_of(value, "name");
                    if name.is_none() {
                        unsupported.push(format!("{key} (không có id hay name)"));
                    } else if key == "issuer" {
                        out.issuer_name = name;
                    } else {
                        out.signer_name = name;
                    }
                    continue;
                }
            },
            "number" => {
                out.notes
                    .push("số văn bản trong tệp được bỏ qua: bản nháp lấy số khi ban hành".into());
                continue;
            }
            "decision" => {
                let Some(t) = value.as_table() else {
                    unsupported.push(key.clone());
                    continue;
                };
                for (k, x) in t {
                    match (k.as_str(), list(x)) {
                        ("authority", Some(s)) => {
                            fields.insert("authority".into(), s);
                        }
                        ("proposal", Some(s)) => {
                            fields.insert("proposal".into(), s);
                        }
                        ("grounds", Some(s)) => {
                            fields.insert("grounds".into(), s);
                        }
                        _ => unsupported.push(format!("decision.{k}")),
                    }
                }
                continue;
            }
            "annexes" => {
                match value.as_array().map(Vec::as_slice) {
                    Some([]) => {}
                    Some([toml::Value::Table(a)]) => {
                        for (k, x) in a {
                            match (k.as_str(), string(x)) {
                                ("title", Some(s)) => {
                                    fields.insert("annex_title".into(), s);
                                }
                                ("body", Some(s)) => {
                                    fields.insert(
                                        "annex_body".into(),
                                        crate::letter::lines::unwrap_lines(&s),
                                    );
                                }
                                ("label", _) => {}
                                _ => unsupported.push(format!("annexes.{k}")),
                            }
                        }
                    }
                    _ => unsupported.push("annexes (nhiều hơn một phụ lục)".into()),
                }
                continue;
            }
            "data" if value.as_table().is_some_and(toml::Table::is_empty) => continue,
            _ => None,
        };
        match got {
            Some((field, s)) => {
                fields.insert(field.to_string(), s);
            }
            None => unsupported.push(key.clone()),
        }
    }
    if !unsupported.is_empty() {
        return Err(upload_problem(format!(
            "bản soạn thảo trên trang không giữ được: {}. Văn bản dùng [data] hay nhiều phụ lục hãy xuất bằng `vanthu render`",
            unsupported.join(", ")
        )));
    }
    out.fields = fields;
    Ok(out)
}
