//! Letter files: a TOML request for one document (issuer, signer, recipients, kind,
//! subject, date, body), turned into a [`Document`].
//!
//! The body (and each annex body) is written in the markup of [`markup`] and may be
//! filled by tera from the letter's `[data]` table: `{{ value }}` prints a value
//! literally (it is escaped for the markup), `{{ value | safe }}` lets it carry
//! markup, `{{ amount | money }}` prints `10.000.000`, `{{ "2020-10-30" | vn_date }}`
//! prints `30/10/2020`.

pub mod lines;
pub mod markup;
pub mod recorded;
pub mod sandbox;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{
    Annex, AuthorityLine, Circulation, DocDate, DocKind, Document, DocumentParts, DrafterMark,
    Issuer, Markings, Preamble, Secrecy, Signature, Urgency,
};
use crate::text::{group_thousands, nfc};

/// Where a letter finds stored records when it names them by id (the database).
pub trait Lookup {
    /// The agency with this id.
    fn agency(&self, id: &str) -> Option<StoredAgency>;
    /// The person who signs, with this id.
    fn person(&self, id: &str) -> Option<StoredPerson>;
    /// How a recipient group or an agency is printed in "Kính gửi" / "Nơi nhận".
    fn recipient(&self, id: &str) -> Option<String>;
    /// A programme with its budget and its producers and products, for tera.
    fn programme(&self, id: &str) -> Option<serde_json::Value>;
}

/// An agency as a letter's issuer needs it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct StoredAgency {
    pub name: Vec<String>,
    pub parent: Option<String>,
    pub abbreviation: String,
    pub unit: Option<String>,
    pub place: String,
    pub short_name: String,
}

/// A person as a letter's signer needs them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct StoredPerson {
    /// The agency (id) the person belongs to.
    pub agency: String,
    /// Other agencies (ids) the person may sign for.
    pub signs_for: Vec<String>,
    pub authority: Vec<String>,
    pub title: String,
    pub name: String,
}

/// One thing wrong with a letter: the field at fault and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// Everything wrong with one letter file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LetterError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.file.display(), p.field, p.message)?;
        }
        Ok(())
    }
}

/// A value written either as one string (lines split at newlines) or as a list of lines.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Lines {
    One(String),
    Many(Vec<String>),
}

impl Lines {
    /// The printed lines.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Lines::One(s) => s.lines().map(String::from).collect(),
            Lines::Many(v) => v,
        }
    }
}

/// A count written as a number or, by mistake, as text (refused with a message).
#[derive(Deserialize)]
#[serde(untagged)]
enum Count {
    Number(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLetter {
    kind: Option<String>,
    /// A stored programme whose data tera may use as `programme`.
    programme: Option<String>,
    subject: Option<String>,
    number: Option<i64>,
    date: Option<toml::Value>,
    urgency: Option<String>,
    /// ô 10a: "mật", "tối mật", "tuyệt mật".
    secrecy: Option<String>,
    /// ô 11: "xem xong trả lại", "lưu hành nội bộ".
    circulation: Option<String>,
    /// ô 12: the drafter's initials; with `copies`, the number of copies.
    drafter: Option<String>,
    copies: Option<Count>,
    /// ô 13: the agency's address line(s) (address, phone, e-mail, website).
    #[serde(default)]
    address: Vec<String>,
    #[serde(default)]
    addressees: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
    body: Option<String>,
    issuer: Option<RawIssuer>,
    signer: Option<RawSigner>,
    decision: Option<RawDecision>,
    #[serde(default)]
    annexes: Vec<RawAnnex>,
    #[serde(default)]
    data: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    id: Option<String>,
    parent: Option<String>,
    name: Option<Lines>,
    abbreviation: Option<String>,
    unit: Option<String>,
    place: Option<String>,
    short_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSigner {
    id: Option<String>,
    #[serde(default)]
    authority: Option<Lines>,
    title: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    authority: Option<String>,
    #[serde(default)]
    grounds: Vec<String>,
    proposal: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnnex {
    #[serde(default)]
    label: String,
    title: Option<String>,
    attached: Option<String>,
    body: Option<String>,
}

/// Reads and checks a letter file.
pub fn load(path: &Path) -> Result<Document, LetterError> {
    load_with(path, None)
}

/// Reads a letter that may name stored records by id (with a `lookup`).
pub fn load_with(path: &Path, lookup: Option<&dyn Lookup>) -> Result<Document, LetterError> {
    let text = std::fs::read_to_string(path).map_err(|e| LetterError {
        file: path.to_path_buf(),
        problems: vec![Problem {
            field: "tệp".into(),
            message: format!("không đọc được tệp: {e}"),
        }],
    })?;
    parse_with(&text, path, lookup)
}

/// Parses the text of a letter; `file` only names it in messages.
pub fn parse(text: &str, file: &Path) -> Result<Document, LetterError> {
    parse_with(text, file, None)
}

/// Parses a letter; with a `lookup`, `[issuer] id`, `[signer] id`, `@id` entries in
/// `addressees`/`recipients` and `programme = "id"` are filled from stored records.
pub fn parse_with(
    text: &str,
    file: &Path,
    lookup: Option<&dyn Lookup>,
) -> Result<Document, LetterError> {
    let mut problems = Vec::new();
    let result = parse_inner(&nfc(text), lookup, &mut problems);
    match result {
        Some(doc) if problems.is_empty() => Ok(doc),
        _ => Err(LetterError {
            file: file.to_path_buf(),
            problems,
        }),
    }
}

fn problem(problems: &mut Vec<Problem>, field: &str, message: impl Into<String>) {
    problems.push(Problem {
        field: field.to_string(),
        message: message.into(),
    });
}

/// The largest letter file: seed 003 with its annex is 9 kB; a 5,000-row annex written
/// out in the letter is about 400 kB.
pub const MAX_LETTER_BYTES: usize = 1024 * 1024;

fn parse_inner(
    text: &str,
    lookup: Option<&dyn Lookup>,
    problems: &mut Vec<Problem>,
) -> Option<Document> {
    if text.len() > MAX_LETTER_BYTES {
        problem(
            problems,
            "tệp",
            format!(
                "tệp thư dài {} kB, quá giới hạn {} kB; một văn bản dài hơn thế hãy tách phụ lục thành dữ liệu (vanthu import)",
                text.len() / 1024,
                MAX_LETTER_BYTES / 1024
            ),
        );
        return None;
    }
    // Every string of the letter, `[data]` included, is checked before anything else;
    // a letter with no hidden character and no escape in its text needs no second parse.
    if !crate::text::plainly_clean(text)
        && let Ok(value) = toml::from_str::<serde_json::Value>(text)
    {
        for (path, e) in crate::text::hidden_characters(&value) {
            // The line of the file, when the character is written there literally.
            let line = match e {
                crate::text::TextError::Forbidden(c) => text
                    .find(c)
                    .map(|at| format!("dòng {}: ", text[..at].matches('\n').count() + 1)),
                crate::text::TextError::Multiline => None,
            };
            let field = if path.is_empty() { "tệp" } else { &path };
            problem(problems, field, format!("{}{e}", line.unwrap_or_default()));
        }
        if !problems.is_empty() {
            return None;
        }
    }
    let raw: RawLetter = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let field = e
                .span()
                .map(|s| {
                    format!(
                        "dòng {}",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_else(|| "TOML".into());
            problem(
                problems,
                &field,
                format!(
                    "không đọc được tệp thư (TOML): {}. Mỗi dòng có dạng khóa = \"giá trị\"; văn bản nhiều dòng đặt trong \"\"\" … \"\"\"",
                    e.message()
                ),
            );
            return None;
        }
    };

    let kind = match raw.kind.as_deref() {
        None => {
            problem(
                problems,
                "kind",
                "thiếu loại văn bản, ví dụ: kind = \"công văn\"",
            );
            None
        }
        Some(k) => DocKind::parse(k).or_else(|| {
            problem(
                problems,
                "kind",
                format!(
                    "loại văn bản \"{k}\" không có trong danh mục; hãy ghi một trong: {}",
                    DocKind::all_names().join(", ")
                ),
            );
            None
        }),
    };

    let markings = markings(&raw, problems);

    let date = match raw.date {
        None => {
            problem(
                problems,
                "date",
                "thiếu ngày, ví dụ: date = \"2021-05-17\" (bản dự thảo: date = \"2021-05\")",
            );
            None
        }
        Some(toml::Value::String(s)) => DocDate::parse(&s)
            .map_err(|e| problem(problems, "date", e.to_string()))
            .ok(),
        Some(toml::Value::Datetime(dt)) => DocDate::parse(&dt.to_string())
            .map_err(|e| problem(problems, "date", e.to_string()))
            .ok(),
        Some(other) => {
            problem(
                problems,
                "date",
                format!("ngày phải là chuỗi như \"2021-05-17\", không phải {other}"),
            );
            None
        }
    };

    let number = match raw.number {
        None => None,
        Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => Some(n as u32),
        Some(n) => {
            problem(
                problems,
                "number",
                format!("số văn bản {n} không hợp lệ; bỏ trống khi chưa vào sổ, hoặc ghi số từ 1"),
            );
            None
        }
    };

    let urgency = raw.urgency.as_deref().and_then(|u| {
        Urgency::parse(u).or_else(|| {
            problem(
                problems,
                "urgency",
                format!("độ khẩn \"{u}\" không hợp lệ; hãy ghi \"khẩn\", \"thượng khẩn\" hoặc \"hỏa tốc\""),
            );
            None
        })
    });

    let (issuer, place) = match raw.issuer {
        None => {
            problem(
                problems,
                "issuer",
                "thiếu mục [issuer] (cơ quan ban hành): name, abbreviation, place, short_name",
            );
            (None, None)
        }
        Some(i) if i.name.is_none() && lookup.is_none() && i.id.is_some() => {
            problem(
                problems,
                "issuer.id",
                format!(
                    "cơ quan \"{}\" lấy từ cơ sở dữ liệu: hãy chỉ cơ sở dữ liệu bằng --db (hoặc ghi name, abbreviation, place)",
                    i.id.unwrap_or_default()
                ),
            );
            (None, None)
        }
        Some(mut i) => {
            if let (Some(id), Some(lookup)) = (&i.id, lookup) {
                match lookup.agency(id) {
                    Some(a) => {
                        i.name = i.name.or(Some(Lines::Many(a.name)));
                        i.parent = i.parent.or(a.parent);
                        i.abbreviation = i.abbreviation.or(Some(a.abbreviation));
                        i.unit = i.unit.or(a.unit);
                        i.place = i.place.or(Some(a.place));
                        i.short_name = i.short_name.or(Some(a.short_name));
                    }
                    None => problem(
                        problems,
                        "issuer.id",
                        format!("không có cơ quan mã \"{id}\" trong cơ sở dữ liệu"),
                    ),
                }
            }
            let name = i.name.map(Lines::into_vec).unwrap_or_default();
            if name.is_empty() {
                problem(
                    problems,
                    "issuer.name",
                    "thiếu tên cơ quan, ví dụ: name = [\"Ủy ban nhân dân\", \"tỉnh Quảng Bình\"]",
                );
            }
            let abbreviation = i.abbreviation.unwrap_or_else(|| {
                problem(
                    problems,
                    "issuer.abbreviation",
                    "thiếu chữ viết tắt của cơ quan, ví dụ: abbreviation = \"UBND\"",
                );
                String::new()
            });
            let place = i.place.unwrap_or_else(|| {
                problem(
                    problems,
                    "issuer.place",
                    "thiếu địa danh, ví dụ: place = \"Quảng Bình\"",
                );
                String::new()
            });
            let short_name = i.short_name.unwrap_or_else(|| name.join(" "));
            // The drafting unit ends the number's symbol (…/SNN-KH): letters, digits
            // and dashes only.
            if let Some(u) = &i.unit
                && (u.is_empty()
                    || u.chars().count() > 16
                    || !u.chars().all(|c| c.is_alphanumeric() || c == '-'))
            {
                problem(
                    problems,
                    "issuer.unit",
                    format!(
                        "ký hiệu đơn vị soạn thảo \"{u}\" chỉ gồm chữ, chữ số và dấu gạch, tối đa 16 ký tự (ví dụ KH, TCCB)"
                    ),
                );
            }
            (
                Some(Issuer {
                    id: i.id,
                    parent: i.parent,
                    name,
                    abbreviation,
                    unit: i.unit,
                    short_name,
                }),
                Some(place),
            )
        }
    };

    let signature = match raw.signer {
        None => {
            problem(
                problems,
                "signer",
                "thiếu người ký: thêm mục [signer] với title = \"GIÁM ĐỐC\" và name = \"Họ và tên\" (và authority = \"KT. CHỦ TỊCH\" khi ký thay)",
            );
            None
        }
        Some(s) if s.name.is_none() && lookup.is_none() && s.id.is_some() => {
            problem(
                problems,
                "signer.id",
                format!(
                    "người ký \"{}\" lấy từ cơ sở dữ liệu: hãy chỉ cơ sở dữ liệu bằng --db (hoặc ghi title, name)",
                    s.id.unwrap_or_default()
                ),
            );
            None
        }
        Some(mut s) => {
            let mut person = None;
            if let (Some(id), Some(lookup)) = (&s.id, lookup) {
                match lookup.person(id) {
                    Some(p) => {
                        person = Some(id.clone());
                        let issuer_id = issuer.as_ref().and_then(|i| i.id.as_deref());
                        if let Some(issuer_id) = issuer_id
                            && p.agency != issuer_id
                            && !p.signs_for.iter().any(|a| a == issuer_id)
                        {
                            problem(
                                problems,
                                "signer.id",
                                format!(
                                    "người ký \"{id}\" thuộc cơ quan \"{}\", không ký được văn bản của \"{issuer_id}\"; hãy chọn người ký của cơ quan ban hành (hoặc ghi signs_for = [\"{issuer_id}\"] cho người này trong dữ liệu)",
                                    p.agency
                                ),
                            );
                        }
                        s.authority = s.authority.or(Some(Lines::Many(p.authority)));
                        s.title = s.title.or(Some(p.title));
                        s.name = s.name.or(Some(p.name));
                    }
                    None => problem(
                        problems,
                        "signer.id",
                        format!("không có người ký mã \"{id}\" trong cơ sở dữ liệu"),
                    ),
                }
            }
            let mut authority = vec![];
            for line in s.authority.map(Lines::into_vec).unwrap_or_default() {
                match AuthorityLine::parse(&line) {
                    Some(a) => authority.push(a),
                    None => problem(
                        problems,
                        "signer.authority",
                        format!(
                            "\"{line}\" không phải thể thức ký hợp lệ; hãy ghi TM., KT., TL., TUQ. hoặc Q. rồi chức danh, ví dụ \"KT. CHỦ TỊCH\""
                        ),
                    ),
                }
            }
            let title = s.title.unwrap_or_else(|| {
                problem(
                    problems,
                    "signer.title",
                    "thiếu chức vụ người ký, ví dụ: title = \"PHÓ CHỦ TỊCH\"",
                );
                String::new()
            });
            let name = s.name.unwrap_or_else(|| {
                problem(
                    problems,
                    "signer.name",
                    "thiếu họ tên người ký, ví dụ: name = \"Đoàn Ngọc Lâm\"",
                );
                String::new()
            });
            Some(Signature {
                authority,
                title,
                name,
                id: person,
            })
        }
    };

    let preamble = raw.decision.map(|d| Preamble {
        authority: d.authority.unwrap_or_default().trim().to_uppercase(),
        grounds: d.grounds,
        proposal: d.proposal,
    });

    let mut data = serde_json::to_value(&raw.data).unwrap_or_default();
    if let Some(id) = &raw.programme {
        match lookup.map(|l| l.programme(id)) {
            Some(Some(p)) => {
                data["programme"] = p;
            }
            Some(None) => problem(
                problems,
                "programme",
                format!("không có chương trình mã \"{id}\" trong cơ sở dữ liệu"),
            ),
            None => problem(
                problems,
                "programme",
                "thư dùng dữ liệu chương trình: hãy chỉ cơ sở dữ liệu bằng --db",
            ),
        }
    }
    let programme_missing = raw.programme.is_some() && data.get("programme").is_none();
    let templates = Templates::new(&data);
    let body = match raw.body {
        None => {
            problem(problems, "body", "thiếu nội dung: body = \"\"\" … \"\"\"");
            None
        }
        Some(_) if programme_missing => None,
        Some(b) => templates.blocks(&b, "body", problems),
    };

    let mut annexes = vec![];
    for (i, a) in raw.annexes.into_iter().enumerate() {
        let field = format!("annexes[{}]", i + 1);
        let title = a.title.unwrap_or_else(|| {
            problem(
                problems,
                &format!("{field}.title"),
                "phụ lục cần có tiêu đề (title)",
            );
            String::new()
        });
        let title = if !programme_missing && title.contains("{{") {
            templates
                .fill_plain(&title)
                .map_err(|e| problem(problems, &format!("{field}.title"), e))
                .unwrap_or_default()
        } else {
            title
        };
        let body = if programme_missing {
            vec![]
        } else {
            templates
                .blocks(
                    a.body.as_deref().unwrap_or(""),
                    &format!("{field}.body"),
                    problems,
                )
                .unwrap_or_default()
        };
        annexes.push(Annex {
            label: a.label,
            title,
            attached: a.attached,
            body,
        });
    }

    let subject = raw.subject.unwrap_or_else(|| {
        problem(
            problems,
            "subject",
            "thiếu trích yếu, ví dụ: subject = \"V/v triển khai Chương trình OCOP năm 2021\"",
        );
        String::new()
    });
    // The subject may use [data] too; it is plain text, so values are not escaped.
    let subject = if subject.contains("{{") || subject.contains("{%") {
        templates
            .fill_plain(&subject)
            .map_err(|e| problem(problems, "subject", e))
            .unwrap_or_default()
    } else {
        subject
    };

    let parts = DocumentParts {
        issuer: issuer?,
        kind: kind?,
        number,
        place: place?,
        date: date?,
        subject,
        urgency,
        markings,
        addressees: resolve_refs(raw.addressees, "addressees", lookup, problems),
        preamble,
        body: body?,
        signature: signature?,
        recipients: resolve_refs(raw.recipients, "recipients", lookup, problems),
        annexes,
    };
    if !problems.is_empty() {
        return None;
    }
    Document::new(parts)
        .map_err(|e| problem(problems, e.field, e.message))
        .ok()
}

/// The optional markings of a letter (ô 10a, 11, 12, 13), each problem recorded.
fn markings(raw: &RawLetter, problems: &mut Vec<Problem>) -> Markings {
    let secrecy = raw.secrecy.as_deref().and_then(|s| {
        Secrecy::parse(s).or_else(|| {
            problem(
                problems,
                "secrecy",
                format!(
                    "độ mật \"{s}\" không hợp lệ; hãy ghi \"mật\", \"tối mật\" hoặc \"tuyệt mật\""
                ),
            );
            None
        })
    });
    let circulation = raw.circulation.as_deref().and_then(|c| {
        Circulation::parse(c).or_else(|| {
            problem(
                problems,
                "circulation",
                format!("chỉ dẫn lưu hành \"{c}\" không hợp lệ; hãy ghi \"xem xong trả lại\", \"lưu hành nội bộ\" hoặc \"trả lại sau khi họp (hội nghị)\""),
            );
            None
        })
    });
    let drafter = match (&raw.drafter, &raw.copies) {
        (None, None) => None,
        (Some(_), Some(Count::Text(t))) => {
            problem(
                problems,
                "drafter",
                format!("số lượng bản \"{t}\" không phải số; hãy ghi từ 1 đến 9999"),
            );
            None
        }
        (Some(initials), copies) => {
            let n = match copies {
                Some(Count::Number(n)) => *n,
                _ => 1,
            };
            DrafterMark::parse(initials, n)
                .map_err(|m| problem(problems, "drafter", m))
                .ok()
        }
        (None, Some(_)) => {
            problem(
                problems,
                "drafter",
                "số lượng bản (copies) đi cùng chữ viết tắt tên người soạn thảo (drafter), ví dụ drafter = \"TVH\"",
            );
            None
        }
    };
    if raw.address.len() > 2 {
        problem(
            problems,
            "address",
            "dòng địa chỉ cơ quan (ô 13) có nhiều nhất 2 dòng",
        );
    }
    let address = raw
        .address
        .iter()
        .take(2)
        .filter_map(|l| {
            crate::text::Line::parse(l)
                .map_err(|e| problem(problems, "address", e.to_string()))
                .ok()
        })
        .collect();
    Markings {
        secrecy,
        circulation,
        drafter,
        address,
    }
}

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
fn resolve_refs(
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
struct Templates {
    context: Result<tera::Context, String>,
}

impl Templates {
    fn new(data: &serde_json::Value) -> Self {
        Templates {
            context: tera::Context::from_serialize(data).map_err(|e| e.to_string()),
        }
    }

    fn blocks(
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

    fn fill(&self, src: &str) -> Result<String, String> {
        self.render(src, "body.md")
    }

    fn fill_plain(&self, src: &str) -> Result<String, String> {
        self.render(src, "subject.txt")
    }

    /// Renders with the sandboxed tera; names ending in `.md` escape values for the markup.
    fn render(&self, src: &str, name: &str) -> Result<String, String> {
        let context = self
            .context
            .as_ref()
            .map_err(|e| format!("[data] không dùng được: {e}"))?;
        sandbox::render(src, name, context, markup::escape, sandbox::Limits::LETTER)
            .map_err(|e| e.to_string())
    }
}

/// The whole chain of a tera error, which holds the line and what was expected.
/// The line (1-based) of the template that a tera render error is about: tera names
/// the variable, filter or function in backticks but not where it is, so the first
/// line with a tag mentioning that name is taken.
fn template_line(src: &str, msg: &str) -> Option<usize> {
    let names: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    names.iter().find_map(|name| {
        src.lines()
            .position(|l| (l.contains("{{") || l.contains("{%")) && l.contains(name))
            .map(|i| i + 1)
    })
}

pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn money_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let n = v
        .as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .ok_or_else(|| tera::Error::msg(format!("money cần một số, không phải {v}")))?;
    Ok(tera::Value::String(group_thousands(n)))
}

fn vn_date_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = v.as_str().ok_or_else(|| {
        tera::Error::msg(format!("vn_date cần một ngày dạng chuỗi, không phải {v}"))
    })?;
    let d = DocDate::parse(s).map_err(|e| tera::Error::msg(e.to_string()))?;
    Ok(tera::Value::String(d.short_form()))
}

/// Lowercases the first letter only, for a phrase continuing a sentence: "Chuyển hồ
/// sơ đến Sở Nông nghiệp và PTNT" → "chuyển hồ sơ đến Sở Nông nghiệp và PTNT" (`lower`
/// would also lowercase the names).
fn lower_first_filter(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_first_keeps_the_names() {
        let v = tera::Value::String("Chuyển hồ sơ đến Sở Nông nghiệp và PTNT".into());
        assert_eq!(
            lower_first_filter(&v, &HashMap::new()).unwrap(),
            tera::Value::String("chuyển hồ sơ đến Sở Nông nghiệp và PTNT".into())
        );
    }

    #[test]
    fn a_tera_render_error_names_the_template_line() {
        let src = "Dòng một.\n\nCó {{ so | hoa }} sản phẩm.\n";
        assert_eq!(template_line(src, "Filter `hoa` not found"), Some(3));
        let letter = GOOD.replace("{{ product }}", "{{ produkt }}");
        let err = parse(&letter, Path::new("x.toml")).unwrap_err().to_string();
        assert!(err.contains("body: lỗi mẫu tera ở dòng 1: "), "{err}");
    }

    const GOOD: &str = r#"
kind = "công văn"
subject = "V/v thử"
date = "2021-05-17"
number = 7
addressees = ["UBND các huyện"]
recipients = ["Như trên", "Lưu: VT"]
body = """
Sản phẩm {{ product }} được hỗ trợ {{ money | money }} đồng đến ngày {{ due | vn_date }}.
"""

[issuer]
name = ["Ủy ban nhân dân", "tỉnh Quảng Bình"]
abbreviation = "UBND"
unit = "KT"
place = "Quảng Bình"

[signer]
authority = "KT. CHỦ TỊCH"
title = "PHÓ CHỦ TỊCH"
name = "Đoàn Ngọc Lâm"

[data]
product = "*Mật ong* [x]"
money = 10000000
due = "2020-11-05"
"#;

    fn errors(text: &str) -> Vec<Problem> {
        parse(text, Path::new("t.toml")).unwrap_err().problems
    }

    #[test]
    fn a_good_letter_parses_and_fills_data_literally() {
        let d = parse(GOOD, Path::new("t.toml")).unwrap();
        assert_eq!(d.number_line(), "Số: 07/UBND-KT");
        let crate::model::Block::Paragraph { runs } = &d.parts().body[0] else {
            panic!()
        };
        assert_eq!(
            crate::model::plain_text(runs),
            "Sản phẩm *Mật ong* [x] được hỗ trợ 10.000.000 đồng đến ngày 05/11/2020."
        );
    }

    #[test]
    fn missing_signer_names_the_field() {
        let text = GOOD.replace("[signer]", "[other]");
        let e = parse(&text, Path::new("letters/x.toml")).unwrap_err();
        assert!(e.to_string().starts_with("letters/x.toml: "), "{e}");
        // the unknown table is reported, and so is the missing signer
        let text = GOOD.split("[signer]").next().unwrap().to_string()
            + "[data]\nproduct='a'\nmoney=1\ndue='2020-01-01'\n";
        let p = errors(&text);
        assert!(
            p.iter()
                .any(|p| p.field == "signer" && p.message.contains("[signer]")),
            "{p:?}"
        );
    }

    #[test]
    fn unknown_kind_lists_the_accepted_ones() {
        let p = errors(&GOOD.replace("\"công văn\"", "\"thư tay\""));
        assert_eq!(p[0].field, "kind");
        assert!(p[0].message.contains("kế hoạch"));
    }

    #[test]
    fn malformed_and_impossible_dates() {
        let p = errors(&GOOD.replace("2021-05-17", "17.05.2021"));
        assert_eq!(p[0].field, "date");
        let p = errors(&GOOD.replace("2021-05-17", "2021-02-30"));
        assert!(p[0].message.contains("không có trong lịch"));
    }

    #[test]
    fn bad_toml_names_the_line() {
        let p = errors("kind = \"công văn\"\nsubject = thiếu ngoặc\n");
        assert_eq!(p[0].field, "dòng 2", "{p:?}");
    }

    #[test]
    fn bad_markup_and_bad_template_name_the_body() {
        let p = errors(&GOOD.replace("Sản phẩm", "<i>Sản phẩm</i>"));
        assert_eq!(p[0].field, "body");
        assert!(p[0].message.contains("dòng 1"), "{p:?}");
        let p = errors(&GOOD.replace("{{ product }}", "{{ product "));
        assert_eq!(p[0].field, "body");
        assert!(p[0].message.contains("tera"));
    }

    #[test]
    fn unknown_fields_are_reported() {
        let p = errors(&GOOD.replace("subject =", "subjet ="));
        assert!(p[0].message.contains("subjet"), "{p:?}");
    }
}
