//! [`Document`]: built from [`DocumentParts`] by [`Document::new`], which checks every
//! rule of the decree the layout depends on, and formats the decree's lines itself.

use super::{
    Annex, AuthorityLine, Block, DocDate, DocKind, Issuer, Markings, Preamble, Signature, Urgency,
};
use crate::text::BLANK;

/// Everything a document is made of, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentParts {
    pub issuer: Issuer,
    pub kind: DocKind,
    /// The serial number in the register; `None` until the document is issued.
    pub number: Option<u32>,
    pub place: String,
    pub date: DocDate,
    /// The subject; lines are separated by `\n` where the author wants them broken.
    pub subject: String,
    pub urgency: Option<Urgency>,
    /// Secrecy, circulation, drafter's mark, address line (ô 10a, 11, 12, 13).
    pub markings: Markings,
    /// "Kính gửi" entries, without the leading dash or trailing punctuation.
    pub addressees: Vec<String>,
    pub preamble: Option<Preamble>,
    pub body: Vec<Block>,
    pub signature: Signature,
    /// "Nơi nhận" entries, without the leading dash or trailing punctuation.
    pub recipients: Vec<String>,
    pub annexes: Vec<Annex>,
}

/// A document that breaks a rule of the model; `field` names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DocumentError {
    pub field: &'static str,
    pub message: String,
}

fn fail(field: &'static str, message: impl Into<String>) -> Result<(), DocumentError> {
    Err(DocumentError {
        field,
        message: message.into(),
    })
}

fn is_symbol_part(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '&' || c == '.')
}

/// A valid administrative document. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    parts: DocumentParts,
}

impl Document {
    /// Checks the parts and returns the document, or the first rule it breaks.
    pub fn new(mut parts: DocumentParts) -> Result<Document, DocumentError> {
        let p = &mut parts;
        if p.issuer.name.iter().all(|l| l.trim().is_empty()) {
            fail("issuer.name", "thiếu tên cơ quan ban hành")?;
        }
        p.issuer.abbreviation = p.issuer.abbreviation.trim().to_uppercase();
        if !is_symbol_part(&p.issuer.abbreviation) {
            fail(
                "issuer.abbreviation",
                "chữ viết tắt của cơ quan chỉ gồm chữ và số, không có dấu cách, '/' hay '-' (ví dụ: UBND, SNN)",
            )?;
        }
        if let Some(unit) = &mut p.issuer.unit {
            *unit = unit.trim().to_uppercase();
            if !is_symbol_part(unit) {
                fail(
                    "issuer.unit",
                    "đơn vị soạn thảo chỉ gồm chữ và số, không có dấu cách, '/' hay '-' (ví dụ: KT, NN, PTNT)",
                )?;
            }
        }
        if p.number == Some(0) {
            fail("number", "số văn bản bắt đầu từ 1")?;
        }
        if p.place.trim().is_empty() {
            fail("place", "thiếu địa danh (ví dụ: place = \"Quảng Bình\")")?;
        }
        if p.subject.trim().is_empty() {
            fail("subject", "thiếu trích yếu nội dung (subject)")?;
        }
        if p.kind == DocKind::CongVan && p.addressees.is_empty() {
            fail(
                "addressees",
                "công văn phải có ít nhất một nơi \"Kính gửi\"",
            )?;
        }
        if p.kind == DocKind::QuyetDinh && p.preamble.is_none() {
            fail(
                "decision",
                "quyết định cần mục [decision] với authority = \"CHỦ TỊCH ỦY BAN NHÂN DÂN …\" và các dòng căn cứ",
            )?;
        }
        if let Some(pre) = &p.preamble
            && pre.authority.trim().is_empty()
        {
            fail("decision.authority", "thiếu thẩm quyền ban hành")?;
        }
        if p.signature.title.trim().is_empty() {
            fail(
                "signer.title",
                "thiếu chức vụ người ký (ví dụ: \"GIÁM ĐỐC\")",
            )?;
        }
        if p.signature.name.trim().is_empty() {
            fail("signer.name", "thiếu họ tên người ký")?;
        }
        if p.body.is_empty() {
            fail("body", "nội dung văn bản trống")?;
        }
        if p.recipients.iter().any(|r| strip_list_punct(r).is_empty()) {
            fail("recipients", "có dòng nơi nhận trống")?;
        }
        if p.addressees.iter().any(|r| strip_list_punct(r).is_empty()) {
            fail("addressees", "có dòng kính gửi trống")?;
        }
        for a in &p.annexes {
            if a.title.trim().is_empty() {
                fail("annexes.title", "phụ lục cần có tiêu đề")?;
            }
        }
        let mut expected = 1;
        for b in &p.body {
            if let Block::Article { number, .. } = b {
                if *number != expected {
                    fail(
                        "body",
                        format!(
                            "các điều phải đánh số liên tiếp: gặp \"Điều {number}.\" trong khi chờ \"Điều {expected}.\""
                        ),
                    )?;
                }
                expected += 1;
            }
        }
        Ok(Document { parts })
    }

    pub fn parts(&self) -> &DocumentParts {
        &self.parts
    }

    pub fn kind(&self) -> DocKind {
        self.parts.kind
    }

    pub fn number(&self) -> Option<u32> {
        self.parts.number
    }

    pub fn date(&self) -> DocDate {
        self.parts.date
    }

    /// A copy of this document bearing a register number and a date
    /// (what issuing does). The rest is unchanged, so it stays valid.
    pub fn numbered(&self, number: u32, date: chrono::NaiveDate) -> Document {
        let mut parts = self.parts.clone();
        parts.number = Some(number.max(1));
        parts.date = DocDate::full(date);
        Document { parts }
    }

    /// The symbol: `KH-UBND` for named kinds, `UBND-KT` for công văn.
    pub fn symbol(&self) -> String {
        let issuer = &self.parts.issuer;
        match self.parts.kind.abbreviation() {
            Some(k) => format!("{k}-{}", issuer.abbreviation),
            None => match &issuer.unit {
                Some(u) => format!("{}-{u}", issuer.abbreviation),
                None => issuer.abbreviation.clone(),
            },
        }
    }

    /// `780/UBND-KT`, `05/KH-UBND`, or `/SNN-PTNT` with a blank number for drafts.
    pub fn number_symbol(&self) -> String {
        match self.parts.number {
            Some(n) => format!("{n:02}/{}", self.symbol()),
            None => format!("{BLANK}/{}", self.symbol()),
        }
    }

    /// `Số: 780/UBND-KT`.
    pub fn number_line(&self) -> String {
        format!("Số: {}", self.number_symbol())
    }

    /// `Quảng Bình, ngày 17 tháng 5 năm 2021`.
    pub fn date_line(&self) -> String {
        format!(
            "{}, {}",
            self.parts.place.trim(),
            self.parts.date.long_form()
        )
    }

    /// Header lines of the issuer: (parent lines, agency lines), upper case.
    pub fn issuer_lines(&self) -> (Vec<String>, Vec<String>) {
        let up = |v: &[String]| {
            v.iter()
                .map(|l| l.trim().to_uppercase())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        };
        let parent = self
            .parts
            .issuer
            .parent
            .as_ref()
            .map(|p| up(&p.lines().map(String::from).collect::<Vec<_>>()))
            .unwrap_or_default();
        (parent, up(&self.parts.issuer.name))
    }

    /// The subject split into printed lines.
    pub fn subject_lines(&self) -> Vec<String> {
        self.parts
            .subject
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The subject on one line (PDF title, e-mail subject).
    pub fn subject_one_line(&self) -> String {
        self.subject_lines().join(" ")
    }

    /// "Kính gửi" lines as printed: one addressee stays bare on the label's line;
    /// several become `- …;` lines, the last ending with `.`.
    pub fn addressee_lines(&self) -> Vec<String> {
        if self.parts.addressees.len() == 1 {
            vec![strip_list_punct(&self.parts.addressees[0]).to_string()]
        } else {
            dash_list(&self.parts.addressees)
        }
    }

    /// "Nơi nhận" lines as printed: `- …;` and the last `- ….`.
    pub fn recipient_lines(&self) -> Vec<String> {
        dash_list(&self.parts.recipients)
    }

    /// What the decree asks for that this document lacks, though it stays valid:
    /// the Nơi nhận list ends "Lưu: VT, <đơn vị soạn thảo>" (Phụ lục I, II.9).
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = vec![];
        let last = self
            .parts
            .recipients
            .last()
            .map(|r| r.trim().trim_end_matches(['.', ';']).trim().to_string())
            .unwrap_or_default();
        let unit = self
            .parts
            .issuer
            .unit
            .as_deref()
            .unwrap_or("<tên viết tắt đơn vị soạn thảo>");
        match last.strip_prefix("Lưu") {
            None => out.push(Warning {
                field: "recipients",
                message: format!(
                    "Nơi nhận thiếu dòng cuối “Lưu: VT, {unit}.” (bản lưu tại văn thư và đơn vị soạn thảo)"
                ),
            }),
            Some(rest) => {
                let parts: Vec<&str> = rest
                    .trim_start_matches([':', ' '])
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                if parts.len() < 2 {
                    out.push(Warning {
                        field: "recipients",
                        message: format!(
                            "dòng “{last}” của Nơi nhận thiếu đơn vị soạn thảo; hãy ghi ví dụ “Lưu: VT, {unit}.”"
                        ),
                    });
                }
            }
        }
        out
    }

    /// The signature lines above the blank space: authority lines then the title.
    pub fn signature_lines(&self) -> Vec<String> {
        let s = &self.parts.signature;
        s.authority
            .iter()
            .map(AuthorityLine::text)
            .chain(std::iter::once(s.title.trim().to_uppercase()))
            .collect()
    }

    /// Grounds with their punctuation: each ends `;`, the last `.`.
    pub fn ground_lines(&self) -> Vec<String> {
        let Some(pre) = &self.parts.preamble else {
            return vec![];
        };
        let n = pre.grounds.len();
        pre.grounds
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let g = g.trim().trim_end_matches([';', '.', ',']);
                format!(
                    "{g}{}",
                    if i + 1 == n && pre.proposal.is_none() {
                        "."
                    } else {
                        ";"
                    }
                )
            })
            .chain(
                pre.proposal
                    .iter()
                    .map(|p| format!("{}.", p.trim().trim_end_matches([';', '.', ',']))),
            )
            .collect()
    }

    /// The label over annex `index`'s title, on its own line (Phụ lục I, III.1.b): the
    /// letter's own, else "Phụ lục" for a single annex and "Phụ lục I", "Phụ lục II" …
    /// when there are several.
    pub fn annex_label(&self, index: usize) -> String {
        let annexes = &self.parts.annexes;
        match annexes.get(index).map(|a| a.label.trim()) {
            Some(l) if !l.is_empty() => l.to_string(),
            _ if annexes.len() == 1 => "Phụ lục".to_string(),
            _ => format!("Phụ lục {}", roman(index + 1)),
        }
    }

    /// The "(Kèm theo …)" line of an annex.
    pub fn attached_line(&self, annex: &Annex) -> String {
        if let Some(a) = &annex.attached {
            return a.clone();
        }
        format!(
            "(Kèm theo {} số {} ngày {} của {})",
            self.parts.kind.capitalized(),
            self.number_symbol(),
            self.parts.date.short_form(),
            self.parts.issuer.short_name.trim()
        )
    }

    /// The "(Kèm theo …)" line of an electronic document's annex: the number and date
    /// are left blank (Nghị định 30, Phụ lục I, III.1); a line the letter wrote stays.
    pub fn attached_line_unfilled(&self, annex: &Annex) -> String {
        if let Some(a) = &annex.attached {
            return a.clone();
        }
        let symbol = self.number_symbol();
        let symbol = symbol.split_once('/').map(|(_, s)| s).unwrap_or("");
        format!(
            "(Kèm theo {} số       /{} ngày       tháng       năm {} của {})",
            self.parts.kind.capitalized(),
            symbol,
            self.parts.date.year(),
            self.parts.issuer.short_name.trim()
        )
    }

    /// The key of the issuer's register: its id, or its name folded to lower case.
    pub fn issuer_key(&self) -> String {
        match &self.parts.issuer.id {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => crate::text::fold_key(&self.issuer_one_line()),
        }
    }

    /// The issuer's name on one line, in normal case (PDF author).
    pub fn issuer_one_line(&self) -> String {
        self.parts.issuer.name.join(" ")
    }
}

/// Removes a leading `- ` and trailing `;`/`.` so list punctuation is applied once.
pub fn strip_list_punct(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_prefix("- ").unwrap_or(s).trim_start();
    s.trim_end_matches([';', '.']).trim_end()
}

fn dash_list(items: &[String]) -> Vec<String> {
    let n = items.len();
    items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let r = strip_list_punct(r);
            // "(b/c)" and "VT, KT" end with letters; keep "./." style endings out.
            format!("- {r}{}", if i + 1 == n { "." } else { ";" })
        })
        .collect()
}

/// A rule of the decree that a valid document does not follow, named by its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The letter's field, as in the letter file (`recipients`).
    pub field: &'static str,
    /// What is missing and how to write it, in Vietnamese.
    pub message: String,
}

/// `n` in Roman numerals (1 ≤ n < 4000), as annexes and parts are numbered.
pub fn roman(mut n: usize) -> String {
    const DIGITS: [(usize, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, digit) in DIGITS {
        while n >= value {
            out.push_str(digit);
            n -= value;
        }
    }
    out
}
