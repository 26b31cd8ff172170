//! Reading an incoming document's register fields from its PDF: exactly from a file
//! vanthu made (its `/Info`: Author, Keywords, Title, CreationDate, written by the
//! renderer from the `Document`), best effort from the first page's words otherwise
//! ("Số: 123/UBND-NN", "…, ngày 17 tháng 3 năm 2023", "V/v …", a stored agency's
//! name). A field not read, or read only by guessing, is listed to be checked.

use chrono::NaiveDate;
use lopdf::{Document, Object};
use unicode_normalization::UnicodeNormalization;

use crate::model::DocKind;

/// Where the fields came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// A file vanthu made: its metadata, exact.
    Vanthu,
    /// The words of the first page, best effort.
    Text,
    /// Nothing could be read (a scan, a file without text).
    Nothing,
}

impl ReadFrom {
    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            ReadFrom::Vanthu => "vanthu",
            ReadFrom::Text => "text",
            ReadFrom::Nothing => "none",
        }
    }
}

/// A register field an incoming entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Author,
    NumberSymbol,
    Date,
    KindSubject,
}

impl Field {
    /// As stored and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Field::Author => "author",
            Field::NumberSymbol => "number_symbol",
            Field::Date => "date",
            Field::KindSubject => "kind_subject",
        }
    }

    /// The column's name in the Sổ đăng ký văn bản đến.
    pub fn label(self) -> &'static str {
        match self {
            Field::Author => "tác giả",
            Field::NumberSymbol => "số, ký hiệu",
            Field::Date => "ngày tháng văn bản",
            Field::KindSubject => "tên loại và trích yếu",
        }
    }
}

/// The fields read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub from: ReadFrom,
    pub author: Option<String>,
    /// The stored agency the author names.
    pub author_agency: Option<String>,
    pub number_symbol: Option<String>,
    pub date: Option<NaiveDate>,
    pub kind_subject: Option<String>,
    /// The fields the văn thư should check (not read, or read by guessing).
    pub to_check: Vec<Field>,
}

/// Reads the fields of `pdf` (`text`: its first page's words, [`first_page_text`]);
/// `agencies` are the stored `(id, name)` an author is matched against. Every field is one clean line: what a sender's file holds may reach
/// a page (the book) and a header, so line breaks, tabs and forbidden characters
/// (control, zero-width, bidi) become spaces.
pub fn read(pdf: &Document, text: &str, agencies: &[(String, String)]) -> Read {
    let mut r = read_raw(pdf, text, agencies);
    for field in [&mut r.author, &mut r.number_symbol, &mut r.kind_subject] {
        *field = field.as_deref().and_then(clean);
    }
    r
}

/// `s` as one clean line (None when nothing is left).
pub fn clean(s: &str) -> Option<String> {
    let line = crate::text::header_safe(&crate::text::nfc(s))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!line.is_empty()).then_some(line)
}

fn read_raw(pdf: &Document, text: &str, agencies: &[(String, String)]) -> Read {
    if info_text(pdf, b"Creator").as_deref() == Some("vanthu") {
        return from_vanthu(pdf, agencies);
    }
    if text.trim().is_empty() {
        return Read {
            from: ReadFrom::Nothing,
            author: None,
            author_agency: None,
            number_symbol: None,
            date: None,
            kind_subject: None,
            to_check: vec![
                Field::Author,
                Field::NumberSymbol,
                Field::Date,
                Field::KindSubject,
            ],
        };
    }
    from_text(text, agencies)
}

/// The fields of a file vanthu made, from what its renderer wrote in `/Info`.
fn from_vanthu(pdf: &Document, agencies: &[(String, String)]) -> Read {
    let author = info_text(pdf, b"Author").filter(|s| !s.is_empty());
    let author_agency = author.as_deref().and_then(|a| agency_named(a, agencies));
    // An unnumbered file (a draft, an annex left blank) says "/UBND-NN".
    let keywords = info_text(pdf, b"Keywords").filter(|s| s.contains('/'));
    let number_symbol = keywords.clone().filter(|s| number_of(s).is_some());
    // An unnumbered file was never issued: its date may lack the day (the renderer
    // writes the 1st then), so it is left for the văn thư.
    let date = info_text(pdf, b"CreationDate")
        .and_then(|d| pdf_day(&d))
        .filter(|_| number_symbol.is_some());
    let subject = info_text(pdf, b"Title").filter(|s| !s.is_empty());
    // The symbol names the kind even before it has a number ("/KH-UBND").
    let kind = keywords.as_deref().map(kind_of_symbol);
    let kind_subject = match (kind, subject) {
        (Some(k), Some(s)) => Some(kind_and_subject(k, &s)),
        _ => None,
    };
    let mut to_check = vec![];
    if author_agency.is_none() {
        to_check.push(Field::Author);
    }
    for (missing, field) in [
        (number_symbol.is_none(), Field::NumberSymbol),
        (date.is_none(), Field::Date),
        (kind_subject.is_none(), Field::KindSubject),
    ] {
        if missing {
            to_check.push(field);
        }
    }
    Read {
        from: ReadFrom::Vanthu,
        author,
        author_agency,
        number_symbol,
        date,
        kind_subject,
        to_check,
    }
}

/// The fields found in the words of a first page; what is found by a pattern is read,
/// the rest (and the author when no stored agency is named) is to be checked.
pub fn from_text(text: &str, agencies: &[(String, String)]) -> Read {
    let head = head_of(text);
    let number_symbol = symbol_in(text);
    let date = date_in(text);
    let found = agencies_in(head, agencies);
    // The issuer is the first agency named at the top of the page (a parent agency's
    // line comes first on the page, so the longest name found wins over its parent).
    let author_agency = found.first().cloned();
    let author = author_agency.as_ref().and_then(|id| {
        agencies
            .iter()
            .find(|(a, _)| a == id)
            .map(|(_, n)| n.clone())
    });
    let kind = number_symbol.as_deref().map(kind_of_symbol);
    let kind_subject = match (kind, subject_in(text, kind)) {
        (Some(k), Some(s)) => Some(kind_and_subject(k, &s)),
        (Some(k), None) => Some(crate::text::capitalize_first(k.name())),
        _ => None,
    };
    let mut to_check = vec![];
    if author_agency.is_none() {
        to_check.push(Field::Author);
    }
    if number_symbol.is_none() {
        to_check.push(Field::NumberSymbol);
    }
    if date.is_none() {
        to_check.push(Field::Date);
    }
    // A subject read from free text may run on or stop short: always checked.
    to_check.push(Field::KindSubject);
    Read {
        from: ReadFrom::Text,
        author,
        author_agency,
        number_symbol,
        date,
        kind_subject,
        to_check,
    }
}

/// `Kế hoạch triển khai …`, `Công văn V/v …`: the kind's name, then the subject.
fn kind_and_subject(kind: DocKind, subject: &str) -> String {
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.starts_with("V/v") {
        return format!("{} {subject}", crate::text::capitalize_first(kind.name()));
    }
    let mut chars = subject.chars();
    let first = chars.next().map(|c| c.to_lowercase().collect::<String>());
    format!(
        "{} {}{}",
        crate::text::capitalize_first(kind.name()),
        first.unwrap_or_default(),
        chars.as_str()
    )
}

/// The kind a symbol names: `KH` in `115/KH-UBND`; a symbol without a kind's
/// abbreviation (`332/UBND-KT`) is a công văn.
pub fn kind_of_symbol(symbol: &str) -> DocKind {
    let after = symbol.split_once('/').map_or(symbol, |(_, s)| s);
    let first = after.split('-').next().unwrap_or("");
    DocKind::parse(first)
        .filter(|k| k.abbreviation().is_some())
        .unwrap_or(DocKind::CongVan)
}

/// The number of a `123/KH-UBND` symbol (`None` when unnumbered or not a symbol).
fn number_of(symbol: &str) -> Option<u32> {
    let (n, rest) = symbol.split_once('/')?;
    (!rest.is_empty()).then_some(())?;
    n.trim().parse().ok().filter(|n| *n > 0)
}

/// The top of the page, where the issuer's lines are: up to the number line.
fn head_of(text: &str) -> &str {
    let end = text.find("Số:").or_else(|| text.find("Số :"));
    &text[..end.unwrap_or(text.len().min(400))]
}

/// `123/UBND-NN` after "Số:".
fn symbol_in(text: &str) -> Option<String> {
    let at = text
        .find("Số:")
        .map(|i| i + "Số:".len())
        .or_else(|| text.find("Số :").map(|i| i + "Số :".len()))?;
    let token: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',')
        .collect();
    number_of(&token).map(|_| token)
}

/// The first "ngày D tháng M năm Y" of the page.
fn date_in(text: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(6).find_map(|w| {
        let key = |s: &str| s.nfc().collect::<String>().to_lowercase();
        if key(w[0]) != "ngày" || key(w[2]) != "tháng" || key(w[4]) != "năm" {
            return None;
        }
        let digits = |s: &str| s.trim_end_matches([',', '.', ';']).parse::<u32>().ok();
        NaiveDate::from_ymd_opt(digits(w[5])? as i32, digits(w[3])?, digits(w[1])?)
    })
}

/// The subject: "V/v …" up to "Kính gửi" for a công văn; for a titled kind, the words
/// after its title (`KẾ HOẠCH`) up to the first line that starts the body.
fn subject_in(text: &str, kind: Option<DocKind>) -> Option<String> {
    let kind = kind?;
    let rest = match kind.title() {
        None => &text[text.find("V/v")?..],
        Some(title) => &text[text.find(&title)? + title.len()..],
    };
    // The subject's lines end at the place-and-date line, the addressees or the body.
    let stops = ["Kính gửi", "Căn cứ", "Thực hiện", ", ngày "];
    let mut words = vec![];
    for (i, line) in rest.lines().enumerate() {
        let cut = stops
            .iter()
            .filter_map(|s| line.find(s))
            .min()
            .unwrap_or(line.len());
        if cut < line.len() || (i > 0 && line.trim().is_empty()) {
            // Only the place's name stands before ", ngày " on its own line.
            let place_and_date = i > 0 && line[cut..].starts_with(", ngày ");
            if !place_and_date {
                words.extend(line[..cut].split_whitespace());
            }
            break;
        }
        words.extend(line.split_whitespace());
        if words.len() > 60 {
            break;
        }
    }
    let subject = words.join(" ");
    (!subject.is_empty()).then_some(subject)
}

/// The stored agencies whose name appears in `text` (compared without accents, case
/// or spaces), longest name first.
fn agencies_in(text: &str, agencies: &[(String, String)]) -> Vec<String> {
    let hay = loose(text);
    let mut found: Vec<(usize, &String)> = agencies
        .iter()
        .filter_map(|(id, name)| {
            let n = loose(name);
            (!n.is_empty() && hay.contains(&n)).then_some((n.len(), id))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, id)| id.clone()).collect()
}

/// The stored agency whose name is exactly `name` (loosely compared).
fn agency_named(name: &str, agencies: &[(String, String)]) -> Option<String> {
    let key = loose(name);
    agencies
        .iter()
        .find(|(_, n)| loose(n) == key)
        .map(|(id, _)| id.clone())
}

/// Text without accents, case or spaces: "Ủy ban nhân dân" and "UỶ BAN NHÂN DÂN" meet.
fn loose(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c) && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// A text entry of the document's `/Info`.
fn info_text(pdf: &Document, key: &[u8]) -> Option<String> {
    let info = pdf.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => pdf.get_dictionary(*id).ok()?,
        Object::Dictionary(d) => d,
        _ => return None,
    };
    let value = info.get(key).ok()?;
    let bytes = match value {
        Object::String(b, _) => b.clone(),
        Object::Reference(id) => pdf.get_object(*id).ok()?.as_str().ok()?.to_vec(),
        _ => return None,
    };
    Some(pdf_string(&bytes))
}

/// A PDF text string: UTF-16BE with its byte-order mark, or PDFDocEncoding (read as
/// Latin-1, which it equals for the characters a date or a symbol uses).
fn pdf_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

/// The day of a PDF date (`D:20230317000000Z`).
fn pdf_day(d: &str) -> Option<NaiveDate> {
    let digits = d.strip_prefix("D:").unwrap_or(d);
    let part = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(part(0..4)? as i32, part(4..6)?, part(6..8)?)
}

/// The words of the first page (empty when it has none that can be read).
pub(crate) fn first_page_text(pdf: &Document) -> String {
    pdf.extract_text_with_limit(&[1], 8 * 1024 * 1024)
        .unwrap_or_default()
        .nfc()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agencies() -> Vec<(String, String)> {
        vec![
            (
                "ubnd-hoa-binh".into(),
                "Ủy ban nhân dân tỉnh Hòa Bình".into(),
            ),
            (
                "ubnd-lac-son".into(),
                "Ủy ban nhân dân huyện Lạc Sơn".into(),
            ),
        ]
    }

    #[test]
    fn a_first_page_reads_its_number_date_subject_and_issuer() {
        let page = "UỶ BAN NHÂN DÂN\nHUYỆN LẠC SƠN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\
                    Độc lập - Tự do - Hạnh phúc\nSố: 45/UBND-NN\nLạc Sơn, ngày 3 tháng 11 năm 2026\n\
                    V/v báo cáo kết quả thực hiện\nChương trình OCOP năm 2026\n\
                    Kính gửi: Ủy ban nhân dân tỉnh Hòa Bình.\nThực hiện Công văn số 12/UBND-KT …";
        let r = from_text(page, &agencies());
        assert_eq!(r.number_symbol.as_deref(), Some("45/UBND-NN"));
        assert_eq!(r.date, NaiveDate::from_ymd_opt(2026, 11, 3));
        assert_eq!(r.author_agency.as_deref(), Some("ubnd-lac-son"));
        assert_eq!(
            r.kind_subject.as_deref(),
            Some("Công văn V/v báo cáo kết quả thực hiện Chương trình OCOP năm 2026")
        );
        assert_eq!(r.to_check, vec![Field::KindSubject]);
        // LibreOffice's PDF puts the place-and-date line after the subject's lines.
        let word = "Số: 01/UBND-KT\nV/v đôn đốc báo cáo kết quả\nChương trình OCOP năm 2026\n\
                    Hòa Bình, ngày 02 tháng 12 năm 2026\nKính gửi: UBND các huyện";
        assert_eq!(
            from_text(word, &agencies()).kind_subject.as_deref(),
            Some("Công văn V/v đôn đốc báo cáo kết quả Chương trình OCOP năm 2026")
        );
    }

    #[test]
    fn what_is_not_found_is_to_be_checked() {
        let r = from_text(
            "BÁO CÁO\nTình hình thực hiện\nnội dung không có số",
            &agencies(),
        );
        assert_eq!(r.number_symbol, None);
        assert_eq!(r.date, None);
        assert_eq!(r.author, None);
        assert_eq!(
            r.to_check,
            vec![
                Field::Author,
                Field::NumberSymbol,
                Field::Date,
                Field::KindSubject
            ]
        );
        // "Số: /UBND-NN" (unnumbered) is no number.
        assert_eq!(from_text("Số: /UBND-NN", &agencies()).number_symbol, None);
    }

    #[test]
    fn hidden_characters_in_a_senders_text_do_not_reach_the_register() {
        assert_eq!(
            clean("V/v báo\u{202E}cáo\u{200B} năm\n2026\t").as_deref(),
            Some("V/v báo cáo năm 2026")
        );
        assert_eq!(clean("\u{200B}\u{202E}"), None);
    }

    #[test]
    fn a_symbol_names_its_kind() {
        assert_eq!(kind_of_symbol("115/KH-UBND"), DocKind::KeHoach);
        assert_eq!(kind_of_symbol("12/QĐ-UBND"), DocKind::QuyetDinh);
        assert_eq!(kind_of_symbol("332/UBND-KT"), DocKind::CongVan);
        assert_eq!(
            kind_and_subject(DocKind::KeHoach, "Triển khai Chương trình OCOP"),
            "Kế hoạch triển khai Chương trình OCOP"
        );
    }
}
