//! A letter file checked field by field into a [`Document`]: every problem is
//! collected, so the writer sees them all at once.

use std::path::Path;

use super::error::{LetterError, Problem, problem};
use super::fill::{Templates, resolve_refs};
use super::lookup::Lookup;
use super::raw::{Count, Lines, RawLetter};
use crate::model::{
    Annex, AuthorityLine, Circulation, DocDate, DocKind, Document, DocumentParts, DrafterMark,
    Issuer, Markings, Preamble, Secrecy, Signature, Urgency,
};
use crate::text::nfc;

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

/// The largest letter file: seed 003 with its annex is 9 kB; a 5,000-row annex written
/// out in the letter is about 400 kB.
pub const MAX_LETTER_BYTES: usize = 1024 * 1024;

pub(super) fn parse_inner(
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
pub(super) fn markings(raw: &RawLetter, problems: &mut Vec<Problem>) -> Markings {
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
