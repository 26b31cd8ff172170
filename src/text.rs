//! Small text helpers shared by the model and the renderers: NFC normalisation,
//! case folding for look-ups, Vietnamese number formatting.

use unicode_normalization::UnicodeNormalization;

/// Returns the text in Unicode NFC, the form every stored and rendered string uses.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Characters no stored or rendered text may hold: C0 and C1 controls (but line feed
/// and tab, which multi-line text keeps), DEL, the zero-width characters and the bidi
/// marks, overrides and isolates (U+202E would print "sào" as "oàs").
pub fn is_forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
        | '\u{feff}' | '\u{61c}' | '\u{fff9}'..='\u{fffb}')
}

/// What a forbidden character is, for the clerk.
pub fn describe_forbidden(c: char) -> String {
    let what = match c {
        '\r' => "xuống dòng CR",
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => "điều khiển",
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => "ẩn, không có bề rộng",
        '\u{2028}' | '\u{2029}' => "ngắt dòng Unicode",
        _ => "đổi chiều chữ, bidi",
    };
    format!("ký tự U+{:04X} ({what})", c as u32)
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("có {} không được dùng; hãy xóa nó (gõ lại đoạn chữ này)", describe_forbidden(*.0))]
    Forbidden(char),
    #[error("phải nằm trên một dòng (không có ký tự xuống dòng hay tab)")]
    Multiline,
}

/// Checks text that may span lines: no forbidden character (line feed and tab are
/// kept; a CR is allowed only before a line feed).
pub fn check_text(s: &str) -> Result<(), TextError> {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if is_forbidden(c) {
            return Err(TextError::Forbidden(c));
        }
    }
    Ok(())
}

/// Whether a file's text can hold no hidden character in any of its values: none is
/// written in it and there is no backslash that could escape one (TOML and JSON
/// `\u202E`). Such a file needs no [`hidden_characters`] pass.
pub fn plainly_clean(text: &str) -> bool {
    check_text(text).is_ok() && !text.contains('\\')
}

/// Every string of a parsed file (a letter, a dataset) that [`check_text`] refuses,
/// keys included, with its path: `subject`, `addressees[2]`, `agencies[1].short_name`
/// (list positions count from 1).
pub fn hidden_characters(v: &serde_json::Value) -> Vec<(String, TextError)> {
    fn walk(v: &serde_json::Value, path: &str, out: &mut Vec<(String, TextError)>) {
        match v {
            serde_json::Value::String(s) => {
                if let Err(e) = check_text(s) {
                    out.push((path.to_string(), e));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{}]", i + 1), out);
                }
            }
            serde_json::Value::Object(m) => {
                for (k, item) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if let Err(e) = check_text(k) {
                        out.push((p.clone(), e));
                    }
                    walk(item, &p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = vec![];
    walk(v, "", &mut out);
    out
}

/// One line of text that may reach a header, a page or a document: a name, a title,
/// a subject. One that exists is NFC, trimmed, and holds no line break, tab or
/// forbidden character ([`is_forbidden`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Line(String);

impl Line {
    pub fn parse(s: &str) -> Result<Line, TextError> {
        let s = nfc(s.trim());
        if let Some(c) = s.chars().find(|c| is_forbidden(*c)) {
            return Err(TextError::Forbidden(c));
        }
        if s.contains(['\n', '\t']) {
            return Err(TextError::Multiline);
        }
        Ok(Line(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Text made safe for a mail header whatever is stored: every forbidden character,
/// line break and tab becomes a space. (Stored text is already checked; this is the
/// second wall, so no stored value can ever break a message.)
pub fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_forbidden(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A key for case- and spacing-insensitive comparison of Vietnamese words.
pub fn fold_key(s: &str) -> String {
    nfc(s)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upper-cases the first character only ("kế hoạch" → "Kế hoạch").
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Formats an integer with `.` as thousands separator: `10000000` → `10.000.000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A blank to be filled by hand (the number of a draft, the day of an undated
/// letter): two figure spaces (U+2007), which never break and which typst, Word and
/// LibreOffice all print one digit wide (no-break spaces would be 3.5 pt in the PDF
/// and 4.8 pt in LibreOffice, so a line that fits in one would wrap in the other).
pub const BLANK: &str = "\u{2007}\u{2007}";
/// The character [`BLANK`] is made of.
pub const BLANK_CHAR: char = '\u{2007}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(10_000_000), "10.000.000");
        assert_eq!(group_thousands(100_000_000), "100.000.000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1.000");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(-1234), "-1.234");
    }

    #[test]
    fn lines_refuse_hidden_and_control_characters() {
        for bad in [
            "a\r\nBcc: x",
            "s\u{202e}ào",
            "x\u{200b}y",
            "\u{feff}BOM",
            "a\u{85}b",
            "t\u{2066}x",
        ] {
            assert!(Line::parse(bad).is_err(), "{bad:?}");
            assert_eq!(
                header_safe(bad)
                    .chars()
                    .filter(|c| is_forbidden(*c))
                    .count(),
                0
            );
        }
        assert_eq!(
            Line::parse("  Sở Nông nghiệp  ").unwrap().as_str(),
            "Sở Nông nghiệp"
        );
        // NFD in, NFC out.
        assert_eq!(Line::parse("Ke\u{302}\u{301}").unwrap().as_str(), "Kế");
        assert!(check_text("hai\r\ndòng\tvà tab").is_ok());
        assert!(check_text("cr\rmột mình").is_err());
        let msg = Line::parse("s\u{202e}ào").unwrap_err().to_string();
        assert!(msg.contains("U+202E"), "{msg}");
    }

    #[test]
    fn only_a_file_without_hidden_characters_or_escapes_skips_the_value_check() {
        assert!(plainly_clean(
            "subject = \"V/v thử\"\r\nbody = \"Nội dung\"\n"
        ));
        assert!(!plainly_clean("subject = \"s\u{202e}ào\""));
        // An escape may make one once parsed.
        assert!(!plainly_clean("subject = \"s\\u202Eào\""));
        let v: serde_json::Value = toml::from_str("subject = \"s\\u202Eào\"").unwrap();
        assert_eq!(hidden_characters(&v)[0].0, "subject");
    }

    #[test]
    fn folding_is_nfc_and_case_insensitive() {
        // "ế" written as e + combining marks folds like the precomposed letter.
        assert_eq!(fold_key("Ke\u{302}\u{301} HOẠCH"), fold_key("kế  hoạch"));
    }
}
