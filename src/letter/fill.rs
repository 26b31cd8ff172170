//! A letter's tera filling: `[data]` and stored records into the body, in the sandbox,
//! with the `money`, `vn_date` and `lower_first` filters.

use std::collections::HashMap;
use std::path::PathBuf;

use super::error::{LetterError, Problem, problem};
use super::lookup::Lookup;
use super::{markup, sandbox};
use crate::model::DocDate;
use crate::text::{group_thousands, nfc};

/// The letter with its `{{ }}` fields filled from `[data]` and `programme`: the same
/// letter as text a drafter can edit (subject, body, annex titles and bodies), without
/// `[data]` and `programme`. Values printed into a body are escaped for the markup, as
/// they are when the letter is rendered, so the filled letter renders the same.
pub fn filled(text: &str, lookup: Option<&dyn Lookup>) -> Result<String, LetterError> {
    let file = PathBuf::from("thu.toml");
    let fail = |field: &str, message: String| LetterError {
        file: file.clone(),
        problems: vec![Problem {
            field: field.to_string(),
            message,
        }],
    };
    let mut table: toml::Table = toml::from_str(&nfc(text)).map_err(|e| {
        fail(
            "TOML",
            format!("không đọc được tệp thư (TOML): {}", e.message()),
        )
    })?;
    let mut data = table
        .remove("data")
        .map(|d| serde_json::to_value(d).unwrap_or_default())
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(toml::Value::String(id)) = table.remove("programme") {
        match lookup.and_then(|l| l.programme(&id)) {
            Some(p) => data["programme"] = p,
            None => {
                return Err(fail(
                    "programme",
                    format!("không có chương trình mã \"{id}\" trong cơ sở dữ liệu"),
                ));
            }
        }
    }
    let templates = Templates::new(&data);
    let fill = |value: &mut toml::Value, field: &str, plain: bool| -> Result<(), LetterError> {
        if let toml::Value::String(s) = value
            && (s.contains("{{") || s.contains("{%"))
        {
            let out = if plain {
                templates.fill_plain(s)
            } else {
                templates.fill(s)
            };
            *s = out.map_err(|e| fail(field, e))?;
        }
        Ok(())
    };
    if let Some(v) = table.get_mut("subject") {
        fill(v, "subject", true)?;
    }
    if let Some(v) = table.get_mut("body") {
        fill(v, "body", false)?;
    }
    if let Some(toml::Value::Array(annexes)) = table.get_mut("annexes") {
        for (i, a) in annexes.iter_mut().enumerate() {
            let Some(a) = a.as_table_mut() else { continue };
            if let Some(v) = a.get_mut("title") {
                fill(v, &format!("annexes[{}].title", i + 1), true)?;
            }
            if let Some(v) = a.get_mut("body") {
                fill(v, &format!("annexes[{}].body", i + 1), false)?;
            }
        }
    }
    Ok(toml::to_string(&table).expect("a table serializes"))
}

/// Replaces `@id` entries by the stored group's or agency's printed name.
pub(super) fn resolve_refs(
    entries: Vec<String>,
    field: &str,
    lookup: Option<&dyn Lookup>,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    entries
        .into_iter()
        .map(|e| match e.trim().strip_prefix('@') {
            None => e,
            Some(id) => match lookup.map(|l| l.recipient(id)) {
                Some(Some(name)) => name,
                Some(None) => {
                    problem(
                        problems,
                        field,
                        format!(
                            "không có nhóm nơi nhận hay cơ quan mã \"{id}\" trong cơ sở dữ liệu"
                        ),
                    );
                    e
                }
                None => {
                    problem(
                        problems,
                        field,
                        format!(
                            "\"@{id}\" là mã trong cơ sở dữ liệu: hãy chỉ cơ sở dữ liệu bằng --db"
                        ),
                    );
                    e
                }
            },
        })
        .collect()
}

/// Fills bodies from the `[data]` table with tera, then parses the markup.
pub(super) struct Templates {
    context: Result<tera::Context, String>,
}

impl Templates {
    pub(super) fn new(data: &serde_json::Value) -> Self {
        Templates {
            context: tera::Context::from_serialize(data).map_err(|e| e.to_string()),
        }
    }

    pub(super) fn blocks(
        &self,
        src: &str,
        field: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<crate::model::Block>> {
        let filled = if src.contains("{{") || src.contains("{%") {
            match self.fill(src) {
                Ok(s) => s,
                Err(e) => {
                    problem(problems, field, e);
                    return None;
                }
            }
        } else {
            src.to_string()
        };
        markup::parse(&filled)
            .map_err(|e| problem(problems, field, e.to_string()))
            .ok()
    }

    pub(super) fn fill(&self, src: &str) -> Result<String, String> {
        self.render(src, "body.md")
    }

    pub(super) fn fill_plain(&self, src: &str) -> Result<String, String> {
        self.render(src, "subject.txt")
    }

    /// Renders with the sandboxed tera; names ending in `.md` escape values for the markup.
    pub(super) fn render(&self, src: &str, name: &str) -> Result<String, String> {
        let context = self
            .context
            .as_ref()
            .map_err(|e| format!("[data] không dùng được: {e}"))?;
        sandbox::render(src, name, context, markup::escape, sandbox::Limits::LETTER)
            .map_err(|e| e.to_string())
    }
}

/// The line (1-based) of the template that a tera render error is about: tera names
/// the variable, filter or function in backticks but not where it is, so the first
/// line with a tag mentioning that name is taken.
pub(super) fn template_line(src: &str, msg: &str) -> Option<usize> {
    let names: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    names.iter().find_map(|name| {
        src.lines()
            .position(|l| (l.contains("{{") || l.contains("{%")) && l.contains(name))
            .map(|i| i + 1)
    })
}

pub(super) fn money_filter(
    v: &tera::Value,
    _: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let n = v
        .as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .ok_or_else(|| tera::Error::msg(format!("money cần một số, không phải {v}")))?;
    Ok(tera::Value::String(group_thousands(n)))
}

pub(super) fn vn_date_filter(
    v: &tera::Value,
    _: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = v.as_str().ok_or_else(|| {
        tera::Error::msg(format!("vn_date cần một ngày dạng chuỗi, không phải {v}"))
    })?;
    let d = DocDate::parse(s).map_err(|e| tera::Error::msg(e.to_string()))?;
    Ok(tera::Value::String(d.short_form()))
}

/// Lowercases the first letter only, for a phrase continuing a sentence: "Chuyển hồ
/// sơ đến Sở Nông nghiệp và PTNT" → "chuyển hồ sơ đến Sở Nông nghiệp và PTNT" (`lower`
/// would also lowercase the names).
pub(super) fn lower_first_filter(
    v: &tera::Value,
    _: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = v
        .as_str()
        .ok_or_else(|| tera::Error::msg(format!("lower_first cần một chuỗi, không phải {v}")))?;
    let mut chars = s.chars();
    Ok(tera::Value::String(match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }))
}
