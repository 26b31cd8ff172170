//! The header's and the signature's parts: the issuer, urgency, the signing authority,
//! the signature block, a decision's preamble, an annex.

use serde::Serialize;

use super::Block;

/// The issuing agency (ô số 2 of the header).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issuer {
    /// The agency's id in the register (`ubnd-quang-binh`); `None` to key the
    /// register by the agency's name.
    pub id: Option<String>,
    /// The governing agency ("cơ quan chủ quản"), e.g. "UBND tỉnh Bắc Giang"; printed
    /// upper case, not bold. `None` for a People's Committee, whose whole name is the issuer.
    pub parent: Option<String>,
    /// The agency's name, one entry per printed line, e.g.
    /// `["Ủy ban nhân dân", "tỉnh Quảng Bình"]`; printed upper case, bold.
    pub name: Vec<String>,
    /// The agency's abbreviation in symbols: `UBND`, `SNN`.
    pub abbreviation: String,
    /// The drafting unit in công văn symbols: `KT` in `780/UBND-KT`.
    pub unit: Option<String>,
    /// How other lines name the agency: "UBND huyện Lục Nam" (annex "Kèm theo" line).
    pub short_name: String,
}

/// Urgency marks (ô số 10b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Urgency {
    #[serde(rename = "KHẨN")]
    Khan,
    #[serde(rename = "THƯỢNG KHẨN")]
    ThuongKhan,
    #[serde(rename = "HỎA TỐC")]
    HoaToc,
}

impl Urgency {
    pub fn parse(s: &str) -> Option<Urgency> {
        match crate::text::fold_key(s).as_str() {
            "khẩn" => Some(Urgency::Khan),
            "thượng khẩn" => Some(Urgency::ThuongKhan),
            "hỏa tốc" | "hoả tốc" => Some(Urgency::HoaToc),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Khan => "KHẨN",
            Urgency::ThuongKhan => "THƯỢNG KHẨN",
            Urgency::HoaToc => "HỎA TỐC",
        }
    }

    /// The stamp's frame, width × height in millimetres (Phụ lục I mục III.3).
    pub fn frame_mm(self) -> (f64, f64) {
        match self {
            Urgency::Khan => (20.0, 8.0),
            Urgency::ThuongKhan => (40.0, 8.0),
            Urgency::HoaToc => (30.0, 8.0),
        }
    }

    /// The worker's order: the most urgent first (HỎA TỐC 3, THƯỢNG KHẨN 2, KHẨN 1).
    pub fn priority(self) -> i64 {
        match self {
            Urgency::Khan => 1,
            Urgency::ThuongKhan => 2,
            Urgency::HoaToc => 3,
        }
    }
}

/// The forms in which someone signs for somebody else (ô số 7a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Authority {
    /// TM.: on behalf of a collective body.
    Tm,
    /// KT.: a deputy signs for the head.
    Kt,
    /// TL.: by delegation to a unit head.
    Tl,
    /// TUQ.: by authorisation.
    Tuq,
    /// Q.: acting head.
    Q,
}

impl Authority {
    pub fn prefix(self) -> &'static str {
        match self {
            Authority::Tm => "TM.",
            Authority::Kt => "KT.",
            Authority::Tl => "TL.",
            Authority::Tuq => "TUQ.",
            Authority::Q => "Q.",
        }
    }
}

/// One authority line such as `KT. CHỦ TỊCH`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorityLine {
    pub form: Authority,
    /// Whom the signer signs for, e.g. "CHỦ TỊCH", "ỦY BAN NHÂN DÂN".
    pub of: String,
}

impl AuthorityLine {
    /// Reads `KT. CHỦ TỊCH`, `TM. Ủy ban nhân dân`, `Q. GIÁM ĐỐC`.
    pub fn parse(s: &str) -> Option<AuthorityLine> {
        let s = s.trim();
        let (head, rest) = s.split_once('.')?;
        let form = match head.trim().to_uppercase().as_str() {
            "TM" => Authority::Tm,
            "KT" => Authority::Kt,
            "TL" => Authority::Tl,
            "TUQ" => Authority::Tuq,
            "Q" => Authority::Q,
            _ => return None,
        };
        let of = rest.trim();
        (!of.is_empty()).then(|| AuthorityLine {
            form,
            of: of.to_uppercase(),
        })
    }

    pub fn text(&self) -> String {
        format!("{} {}", self.form.prefix(), self.of)
    }
}

/// The signature block (ô số 7a–7c).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    /// Zero or more authority lines, outermost first (`TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`).
    pub authority: Vec<AuthorityLine>,
    /// The signer's own title: `PHÓ CHỦ TỊCH`, `GIÁM ĐỐC`.
    pub title: String,
    /// The signer's name in normal case: `Đoàn Ngọc Lâm`.
    pub name: String,
    /// The signer's id in the programme data, when the letter named one: whose
    /// signature image and key sign the electronic document.
    #[serde(skip)]
    pub id: Option<String>,
}

/// What a decision (and other normative kinds) carries before its articles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preamble {
    /// `CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN LỤC NAM` (upper case, bold, centred).
    pub authority: String,
    /// `Căn cứ …` lines; punctuation (`;` and the final `.`) is added when printed.
    pub grounds: Vec<String>,
    /// `Theo đề nghị của …`.
    pub proposal: Option<String>,
}

/// An annex on its own page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annex {
    /// The label above the title: "Phụ lục", "Phụ lục I", "Biểu"; may be empty.
    pub label: String,
    /// The annex title, printed upper case and bold.
    pub title: String,
    /// The "(Kèm theo …)" line; `None` to derive it from the document.
    pub attached: Option<String>,
    pub body: Vec<Block>,
}
