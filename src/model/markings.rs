//! The other markings of a document (Nghị định 30, Phụ lục I mục III): the secrecy mark
//! (ô 10a), the circulation instruction (ô 11), the drafter's initials and number of
//! copies (ô 12) and the agency's address line (ô 13). All are optional.

use serde::Serialize;

use crate::text::Line;

/// Secrecy marks (ô 10a), set by the law on state secrets. A document with one is never
/// e-mailed or sent over a network: it goes on paper only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Secrecy {
    #[serde(rename = "MẬT")]
    Mat,
    #[serde(rename = "TỐI MẬT")]
    ToiMat,
    #[serde(rename = "TUYỆT MẬT")]
    TuyetMat,
}

impl Secrecy {
    /// "mật", "Tối mật", "TUYỆT MẬT" (case and spacing ignored).
    pub fn parse(s: &str) -> Option<Secrecy> {
        match crate::text::fold_key(s).as_str() {
            "mật" => Some(Secrecy::Mat),
            "tối mật" => Some(Secrecy::ToiMat),
            "tuyệt mật" => Some(Secrecy::TuyetMat),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Secrecy::Mat => "MẬT",
            Secrecy::ToiMat => "TỐI MẬT",
            Secrecy::TuyetMat => "TUYỆT MẬT",
        }
    }

    /// The stamp's frame, width × height in millimetres (Thông tư 24/2020/TT-BCA:
    /// MẬT 20 × 8, TỐI MẬT 30 × 8, TUYỆT MẬT 40 × 8).
    pub fn frame_mm(self) -> (f64, f64) {
        match self {
            Secrecy::Mat => (20.0, 8.0),
            Secrecy::ToiMat => (30.0, 8.0),
            Secrecy::TuyetMat => (40.0, 8.0),
        }
    }
}

/// Circulation instructions (ô 11), printed in a single-line frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Circulation {
    #[serde(rename = "XEM XONG TRẢ LẠI")]
    ReturnAfterReading,
    #[serde(rename = "LƯU HÀNH NỘI BỘ")]
    Internal,
    #[serde(rename = "TRẢ LẠI SAU KHI HỌP (HỘI NGHỊ)")]
    ReturnAfterMeeting,
}

impl Circulation {
    pub fn parse(s: &str) -> Option<Circulation> {
        match crate::text::fold_key(s).as_str() {
            "xem xong trả lại" => Some(Circulation::ReturnAfterReading),
            "lưu hành nội bộ" => Some(Circulation::Internal),
            "trả lại sau khi họp (hội nghị)" | "trả lại sau khi họp" => {
                Some(Circulation::ReturnAfterMeeting)
            }
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Circulation::ReturnAfterReading => "XEM XONG TRẢ LẠI",
            Circulation::Internal => "LƯU HÀNH NỘI BỘ",
            Circulation::ReturnAfterMeeting => "TRẢ LẠI SAU KHI HỌP (HỘI NGHỊ)",
        }
    }
}

/// The drafter's initials and the number of copies (ô 12), e.g. "TVH.12".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrafterMark {
    /// Upper-case letters only, 1–8 of them.
    pub initials: String,
    /// 1–9999.
    pub copies: u32,
}

impl DrafterMark {
    /// Initials (letters, turned upper case) and a count; the problem otherwise.
    pub fn parse(initials: &str, copies: i64) -> Result<DrafterMark, String> {
        let initials = crate::text::nfc(initials.trim()).to_uppercase();
        if initials.is_empty()
            || initials.chars().count() > 8
            || !initials.chars().all(char::is_alphabetic)
        {
            return Err(format!(
                "chữ viết tắt tên người soạn thảo \"{initials}\" không hợp lệ; hãy ghi 1–8 chữ cái, ví dụ \"TVH\""
            ));
        }
        let copies = u32::try_from(copies)
            .ok()
            .filter(|c| (1..=9999).contains(c))
            .ok_or_else(|| format!("số lượng bản {copies} không hợp lệ; hãy ghi từ 1 đến 9999"))?;
        Ok(DrafterMark { initials, copies })
    }

    /// As printed: initials, a dot, the count ("TVH.12").
    pub fn line(&self) -> String {
        format!("{}.{:02}", self.initials, self.copies)
    }
}

/// The marks a stored letter's text carries that delivery acts on: a secret document
/// is never e-mailed, an urgent one goes first. An unreadable letter has none (it was
/// checked when issued).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LetterMarks {
    pub secrecy: Option<Secrecy>,
    pub urgency: Option<super::Urgency>,
}

impl LetterMarks {
    pub fn of_letter(letter: &str) -> LetterMarks {
        #[derive(serde::Deserialize)]
        struct Marked {
            secrecy: Option<String>,
            urgency: Option<String>,
        }
        let Ok(m) = toml::from_str::<Marked>(letter) else {
            return LetterMarks::default();
        };
        LetterMarks {
            secrecy: m.secrecy.as_deref().and_then(Secrecy::parse),
            urgency: m.urgency.as_deref().and_then(super::Urgency::parse),
        }
    }

    /// The labels as an envelope or the postal book prints them: secrecy first.
    pub fn labels(self) -> Vec<&'static str> {
        self.secrecy
            .map(Secrecy::label)
            .into_iter()
            .chain(self.urgency.map(super::Urgency::label))
            .collect()
    }
}

/// The optional markings of a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markings {
    /// ô 10a.
    pub secrecy: Option<Secrecy>,
    /// ô 11.
    pub circulation: Option<Circulation>,
    /// ô 12.
    pub drafter: Option<DrafterMark>,
    /// ô 13: address, phone, e-mail, website, one line of text each (at most 2).
    pub address: Vec<Line>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_parse_in_any_case() {
        assert_eq!(Secrecy::parse("Tối mật"), Some(Secrecy::ToiMat));
        assert_eq!(Secrecy::parse("  MẬT "), Some(Secrecy::Mat));
        assert_eq!(Secrecy::parse("mật lắm"), None);
        assert_eq!(Secrecy::TuyetMat.frame_mm(), (40.0, 8.0));
        assert_eq!(
            Circulation::parse("lưu hành nội bộ"),
            Some(Circulation::Internal)
        );
        assert_eq!(DrafterMark::parse("tvh", 12).unwrap().line(), "TVH.12");
        assert!(DrafterMark::parse("T.V.H", 12).is_err());
        assert!(DrafterMark::parse("TVH", 0).is_err());
        let letter = "kind = \"công văn\"\nsecrecy = \"tối mật\"\nurgency = \"khẩn\"\n";
        let marks = LetterMarks::of_letter(letter);
        assert_eq!(marks.secrecy, Some(Secrecy::ToiMat));
        assert_eq!(marks.labels(), ["TỐI MẬT", "KHẨN"]);
        assert_eq!(
            LetterMarks::of_letter("kind = \"công văn\"\n"),
            LetterMarks::default()
        );
    }
}
