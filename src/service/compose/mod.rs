//! The free composer: a document of any kind written field by field in the browser
//! (the `letter` form of `templates/compose/letter.toml`), or uploaded as a letter file.
//!
//! A filled form becomes a letter (the TOML `vanthu render` reads: `[issuer] id`,
//! `[signer] id`, `@id` recipients), and the letter becomes a [`Document`] through
//! [`crate::letter::parse_with`], so a composed draft obeys every rule a letter file
//! does. The letter's problems come back under the form's field names.
//!
//! Invariant: [`letter_fields`] and [`letter_text`] are inverse on what the form holds,
//! so an uploaded letter file that the form can hold round-trips to the same document.
//! The body boxes hold lines as a Word user types them (each Enter a paragraph,
//! [`crate::letter::lines`]); a letter's wrapped paragraphs are unwrapped into them.

use std::collections::BTreeMap;
use std::path::Path;

use super::draft_error::DraftError;
use super::forms::{FieldError, Values};
use crate::ocop::Composed;
use crate::store::Store;

pub use super::forms::{COMPOSER as TEMPLATE, COMPOSER_FORM as FORM};
pub use letter_file::{LetterFields, letter_fields};

mod letter_file;

fn lines(v: Option<&str>) -> Vec<toml::Value> {
    v.unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| toml::Value::String(l.to_string()))
        .collect()
}

/// The letter (TOML) a filled composer form stands for.
pub fn letter_text(v: &Values) -> String {
    let mut letter = toml::Table::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(x) = value {
            letter.insert(key.into(), toml::Value::String(x.to_string()));
        }
    };
    put("kind", v.get("kind"));
    put("date", v.get("date"));
    put("urgency", v.get("urgency"));
    put("secrecy", v.get("secrecy"));
    put("circulation", v.get("circulation"));
    put("drafter", v.get("drafter"));
    put("subject", v.get("subject"));
    // The body boxes hold lines, as typed in Word: each Enter is a paragraph.
    let body = v.get("body").map(crate::letter::lines::word_paragraphs);
    put("body", body.as_deref());
    // The number of copies (ô 12) is a number in a letter; anything else is kept as
    // typed and refused with a message on its field.
    if let Some(c) = v.get("copies") {
        letter.insert(
            "copies".into(),
            match c.trim().parse::<i64>() {
                Ok(n) => toml::Value::Integer(n),
                Err(_) => toml::Value::String(c.to_string()),
            },
        );
    }
    let address = lines(v.get("address"));
    if !address.is_empty() {
        letter.insert("address".into(), address.into());
    }
    letter.insert("addressees".into(), lines(v.get("addressees")).into());
    letter.insert("recipients".into(), lines(v.get("recipients")).into());
    let id_table = |id: Option<&str>| {
        toml::Value::Table(toml::Table::from_iter(
            id.map(|i| ("id".to_string(), toml::Value::String(i.to_string()))),
        ))
    };
    let mut issuer = id_table(v.get("issuer"));
    if let (Some(unit), toml::Value::Table(t)) = (v.get("unit"), &mut issuer) {
        t.insert("unit".into(), unit.trim().into());
    }
    letter.insert("issuer".into(), issuer);
    letter.insert("signer".into(), id_table(v.get("signer")));
    let grounds = lines(v.get("grounds"));
    if v.get("authority").is_some() || v.get("proposal").is_some() || !grounds.is_empty() {
        let mut d = toml::Table::new();
        if let Some(a) = v.get("authority") {
            d.insert("authority".into(), a.into());
        }
        d.insert("grounds".into(), grounds.into());
        if let Some(p) = v.get("proposal") {
            d.insert("proposal".into(), p.into());
        }
        letter.insert("decision".into(), d.into());
    }
    if v.get("annex_title").is_some() || v.get("annex_body").is_some() {
        let mut a = toml::Table::new();
        a.insert("label".into(), "Phụ lục".into());
        if let Some(t) = v.get("annex_title") {
            a.insert("title".into(), t.into());
        }
        if let Some(b) = v.get("annex_body") {
            a.insert(
                "body".into(),
                crate::letter::lines::word_paragraphs(b).into(),
            );
        }
        letter.insert("annexes".into(), vec![toml::Value::Table(a)].into());
    }
    // A template's `{{ name }}` fields show as «name» until a draft fills them.
    if let Ok(names) = placeholders(v.as_map())
        && !names.is_empty()
    {
        let data = toml::Table::from_iter(
            names
                .into_iter()
                .map(|n| (n.clone(), toml::Value::String(format!("«{n}»")))),
        );
        letter.insert("data".into(), data.into());
    }
    toml::to_string(&letter).expect("a table of strings serializes")
}

/// The form field a letter's problem belongs to (`issuer.id` → `issuer`); `""` for
/// the form as a whole.
fn field_of(problem: &str) -> &'static str {
    let head = problem.split(['.', '[']).next().unwrap_or("");
    match head {
        "kind" => "kind",
        "date" => "date",
        "urgency" => "urgency",
        "secrecy" => "secrecy",
        "circulation" => "circulation",
        "drafter" | "copies" => "drafter",
        "address" => "address",
        "subject" => "subject",
        "body" => "body",
        "addressees" => "addressees",
        "recipients" => "recipients",
        "issuer" if problem.contains("unit") => "unit",
        "issuer" => "issuer",
        "signer" => "signer",
        "decision" if problem.contains("grounds") => "grounds",
        "decision" if problem.contains("proposal") => "proposal",
        "decision" => "authority",
        "annexes" if problem.ends_with("title") => "annex_title",
        "annexes" => "annex_body",
        _ => "",
    }
}

/// Composes a filled composer form: its document, unnumbered, or every problem under
/// the field it is about.
pub fn compose(store: &Store, v: &Values) -> Result<Composed, DraftError> {
    let text = letter_text(v);
    match crate::letter::parse_with(&text, Path::new("soan-thao.toml"), Some(store)) {
        Ok(document) => Ok(Composed {
            stem: format!("van-ban-{}", v.get("date").unwrap_or("nhap")),
            document,
            letter: text,
        }),
        Err(e) => Err(letter_problems(e)),
    }
}

/// A letter's problems under the composer's field names.
fn letter_problems(e: crate::letter::LetterError) -> DraftError {
    DraftError::Invalid(
        e.problems
            .into_iter()
            .map(|p| FieldError {
                field: field_of(&p.field).to_string(),
                message: p.message,
            })
            .collect(),
    )
}

/// What the live preview draws in place of a field still to fill: marked so the
/// drafter sees on the page itself what is missing.
fn placeholder(field: &str) -> Option<&'static str> {
    Some(match field {
        "subject" => "«Trích yếu: còn thiếu»",
        "body" => "«Nội dung: còn thiếu»",
        "recipients" => "«còn thiếu»",
        "addressees" => "«còn thiếu»",
        "kind" => "công văn",
        _ => return None,
    })
}

/// A sketch of the composer's form as it stands, for the live preview only (never
/// stored): each field with a problem is drawn as a marked placeholder ("«Trích yếu:
/// còn thiếu»", a signer "«Người ký»"), the issuer left blank is `own_agency`, the date
/// left blank is today. The letter is parsed as any letter file is, so what is drawn
/// obeys the same rules; None when even the sketch cannot be made.
pub fn sketch(
    store: &Store,
    raw: &BTreeMap<String, String>,
    problems: &[super::forms::FieldError],
    own_agency: Option<&str>,
) -> Option<Composed> {
    // Blank boxes are not values (as the form's own check reads them).
    let mut v: BTreeMap<String, String> = raw
        .iter()
        .filter(|(_, x)| !x.trim().is_empty())
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    let mut signer_missing = false;
    for p in problems {
        match p.field.as_str() {
            "issuer" => {
                v.insert("issuer".into(), own_agency?.to_string());
            }
            "signer" => {
                v.remove("signer");
                signer_missing = true;
            }
            "date" => {
                v.insert(
                    "date".into(),
                    crate::store::register::today_vn().to_string(),
                );
            }
            f => match placeholder(f) {
                Some(text) => {
                    v.insert(f.to_string(), text.to_string());
                }
                None => {
                    v.remove(f);
                }
            },
        }
    }
    // The letter's own rules may ask for more (a công văn's Kính gửi): those fields
    // are sketched too, or left out when they hold what the letter refuses.
    for _ in 0..4 {
        let text = sketch_text(&v, signer_missing)?;
        match crate::letter::parse_with(&text, Path::new("soan-thao.toml"), Some(store)) {
            Ok(document) => {
                return Some(Composed {
                    stem: "phac-thao".into(),
                    document,
                    letter: text,
                });
            }
            Err(e) => {
                for p in e.problems {
                    let field = field_of(&p.field);
                    match placeholder(field) {
                        Some(text) if v.get(field).map(String::as_str) != Some(text) => {
                            v.insert(field.to_string(), text.to_string());
                        }
                        // A value the letter refuses is left out of the sketch.
                        _ if v.remove(field).is_some() => {}
                        _ => return None,
                    }
                }
            }
        }
    }
    None
}

/// The letter of a sketch's values; a missing signer drawn as «Người ký».
fn sketch_text(v: &BTreeMap<String, String>, signer_missing: bool) -> Option<String> {
    let mut letter: toml::Table = toml::from_str(&letter_text(&Values::stored(v.clone()))).ok()?;
    if signer_missing {
        letter.insert(
            "signer".into(),
            toml::Value::Table(toml::Table::from_iter([
                ("name".to_string(), "«Người ký»".into()),
                ("title".to_string(), "«CHỨC VỤ»".into()),
            ])),
        );
    }
    toml::to_string(&letter).ok()
}

/// Whether `name` may name a template field (a saved template's `{{ name }}`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "date"
        && name != "csrf"
}

/// The `{{ name }}` fields of `text`, in order, each once; `Err` names the first
/// `{{ … }}` that is not a plain field name.
pub fn fields_of(text: &str, out: &mut Vec<String>) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("có \"{{\" không đóng bằng \"}}\"".into());
        };
        let name = after[..end].trim();
        if !valid_name(name) {
            return Err(format!(
                "ô \"{{{{ {name} }}}}\" không hợp lệ: tên ô chỉ gồm chữ không dấu, số và \"_\" (ví dụ {{{{ han_bao_cao }}}}), khác \"date\""
            ));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// The fields of a set of composer fields, in the form's order.
pub fn placeholders(fields: &BTreeMap<String, String>) -> Result<Vec<String>, FieldError> {
    let mut out = vec![];
    for f in &composer_form().fields {
        if let Some(v) = fields.get(&f.name) {
            fields_of(v, &mut out).map_err(|message| FieldError {
                field: f.name.clone(),
                message,
            })?;
        }
    }
    Ok(out)
}

pub fn composer_form() -> &'static super::forms::Form {
    super::forms::form(TEMPLATE).expect("the composer's form is embedded")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_in_order_once() {
        let mut out = vec![];
        fields_of("Hạn {{ han }} và {{don_vi}}, lại {{ han }}.", &mut out).unwrap();
        assert_eq!(out, ["han", "don_vi"]);
        let mut out = vec![];
        assert!(
            fields_of("{{ hạn }}", &mut out)
                .unwrap_err()
                .contains("không hợp lệ")
        );
        assert!(fields_of("{{ date }}", &mut out).is_err());
        assert!(fields_of("{{ x | upper }}", &mut out).is_err());
        assert!(
            fields_of("mở {{ han", &mut out)
                .unwrap_err()
                .contains("không đóng")
        );
    }

    #[test]
    fn problems_land_on_the_form_fields() {
        assert_eq!(field_of("issuer.id"), "issuer");
        assert_eq!(field_of("signer.authority"), "signer");
        assert_eq!(field_of("decision.grounds"), "grounds");
        assert_eq!(field_of("annexes[0].body"), "annex_body");
        assert_eq!(field_of("annexes[0].title"), "annex_title");
        assert_eq!(field_of("tệp"), "");
    }

    #[test]
    fn a_letter_the_form_holds_round_trips() {
        let text = r#"
kind = "công văn"
date = "2021-05-17"
subject = "V/v đôn đốc"
addressees = ["@ubnd-huyen", "Phòng Kinh tế"]
recipients = ["Như trên", "Lưu: VT"]
body = "Đề nghị **khẩn trương** báo cáo./."

[issuer]
id = "snn"

[signer]
id = "gd"
"#;
        let read = letter_fields(text, None).unwrap();
        assert_eq!(read.fields["addressees"], "@ubnd-huyen\nPhòng Kinh tế");
        let back = letter_text(&Values::stored(read.fields.clone()));
        assert_eq!(letter_fields(&back, None).unwrap(), read);
    }

    #[test]
    fn what_the_form_cannot_hold_is_named() {
        let text = "kind = \"công văn\"\nnumber = 3\n[issuer]\nname = [\"UBND\", \"tỉnh X\"]\n";
        let read = letter_fields(text, None).unwrap();
        assert_eq!(read.issuer_name.as_deref(), Some("UBND tỉnh X"));
        assert_eq!(read.notes.len(), 1, "the number is left out, said");
        let text = "kind = \"công văn\"\n[signer]\ntitle = \"GIÁM ĐỐC\"\n[data]\nx = 1\n";
        let Err(DraftError::Invalid(p)) = letter_fields(text, None) else {
            panic!("refused")
        };
        assert!(
            p[0].message.contains("signer (không có id hay name)"),
            "{}",
            p[0].message
        );
        assert!(
            p[0].message.starts_with(
                "bản soạn thảo trên trang không giữ được: signer (không có id hay name)."
            ),
            "[data] filled, not refused: {}",
            p[0].message
        );
    }
}
