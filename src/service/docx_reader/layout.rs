//! The lines of a Word draft read in the order of Nghị định 30's layout: issuer,
//! number, subject, place and date, the kind's title, "Kính gửi", the decision's
//! authority and grounds, the body, "Nơi nhận", the signer; the issuer and the signer
//! matched by name against the stored agencies and people.

use super::Line;
use super::Uploaded;
use crate::model::DocKind;
use crate::service::drafts::DraftError;
use crate::store::{Store, agencies};
use crate::text::fold_key;

pub(super) fn strip_stars(s: &str) -> String {
    s.replace("**", "").trim().to_string()
}

fn upper(s: &str) -> bool {
    s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)
}

/// `- Như trên;` → `Như trên`; a Word bullet paragraph ("Như trên;" with a bullet
/// from the numbering) likewise.
fn list_item(line: &Line, s: &str) -> Option<String> {
    let rest = s
        .strip_prefix("- ")
        .or_else(|| s.strip_prefix("+ "))
        .or(line.bullet.then_some(s))?;
    Some(
        rest.trim()
            .trim_end_matches([';', '.', ','])
            .trim()
            .to_string(),
    )
}

/// `Quảng Bình, ngày 17 tháng 5 năm 2021` → 2021-05-17 (None when a part is blank).
fn date_line(s: &str) -> Option<Option<String>> {
    let f = s.replace('*', "");
    let at = f.find("ngày")?;
    let rest = &f[at..];
    if !(rest.contains("tháng") && rest.contains("năm")) {
        return None;
    }
    let number_after = |word: &str| -> Option<u32> {
        let i = rest.find(word)? + word.len();
        rest[i..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
    };
    let date = match (
        number_after("ngày"),
        number_after("tháng"),
        number_after("năm"),
    ) {
        (Some(d), Some(m), Some(y)) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    Some(date.map(|d| d.to_string()))
}

fn authority_line(s: &str) -> bool {
    ["KT.", "TM.", "TL.", "TUQ.", "Q.", "UQ."]
        .iter()
        .any(|p| s.starts_with(p))
}

#[derive(PartialEq)]
enum Phase {
    Header,
    Subject,
    TitleSubject,
    Addressees,
    Preamble,
    Body,
    Recipients,
    Signature,
    /// After the signer's name: an annex (its title, then its body).
    Annex,
}

/// Reads the lines in the order of the layout into the composer's fields.
pub(super) fn layout(
    store: &Store,
    lines: &[Line],
    notes: &mut Vec<String>,
) -> Result<Uploaded, DraftError> {
    let mut issuer_lines = vec![];
    let mut subject = vec![];
    let mut kind: Option<&'static str> = None;
    let mut date = None;
    let mut addressees = vec![];
    // The symbol of the "Số: …/SNN-KH" line, for the drafting unit.
    let mut symbol: Option<String> = None;
    let mut authority = None;
    let mut grounds = vec![];
    let mut proposal = None;
    let mut body: Vec<&Line> = vec![];
    let mut recipients = vec![];
    let mut signature = vec![];
    let mut annex_title: Option<String> = None;
    let mut annex: Vec<&Line> = vec![];
    let mut phase = Phase::Header;
    for line in lines {
        let plain = strip_stars(&line.plain);
        let folded = fold_key(&plain);
        if line.blank() {
            match phase {
                Phase::Subject | Phase::TitleSubject => phase = Phase::Header,
                Phase::Body => body.push(line),
                Phase::Annex => annex.push(line),
                _ => {}
            }
            continue;
        }
        if phase != Phase::Body && phase != Phase::Recipients && phase != Phase::Signature {
            if folded.starts_with("cộng hòa xã hội")
                || folded.starts_with("cộng hoà xã hội")
                || folded.starts_with("độc lập - tự do")
                || folded.starts_with("độc lập – tự do")
                || plain
                    .chars()
                    .all(|c| c == '-' || c == '_' || c.is_whitespace())
            {
                phase = Phase::Header;
                continue;
            }
            if folded.starts_with("số:") || folded.starts_with("số ") && plain.contains('/') {
                symbol = plain
                    .rsplit_once('/')
                    .map(|(_, s)| s.trim().to_string())
                    .filter(|s| !s.is_empty());
                phase = Phase::Header;
                continue;
            }
            if let Some(d) = date_line(&plain).filter(|_| plain.len() < 120) {
                date = d;
                phase = Phase::Header;
                continue;
            }
            if plain.starts_with("V/v") || plain.starts_with("v/v") {
                subject.push(plain.clone());
                kind = kind.or(Some("công văn"));
                phase = Phase::Subject;
                continue;
            }
            if let Some(k) = upper(&plain)
                .then(|| DocKind::parse(&plain.to_lowercase()))
                .flatten()
                .filter(|_| kind.is_none() || subject.is_empty())
            {
                kind = Some(k.name());
                phase = Phase::TitleSubject;
                continue;
            }
            if folded.starts_with("kính gửi") {
                let rest = plain
                    .split_once(':')
                    .map(|(_, r)| r.trim())
                    .unwrap_or_default();
                if !rest.is_empty() {
                    addressees.push(rest.trim_end_matches(['.', ';']).to_string());
                }
                phase = Phase::Addressees;
                continue;
            }
            if folded.starts_with("quyết định:") {
                phase = Phase::Body;
                continue;
            }
            if folded.starts_with("căn cứ") {
                grounds.push(plain.trim_end_matches([';', '.', ',']).to_string());
                phase = Phase::Preamble;
                continue;
            }
            if folded.starts_with("theo đề nghị") || folded.starts_with("xét đề nghị") {
                proposal = Some(plain.trim_end_matches([';', '.', ',']).to_string());
                phase = Phase::Preamble;
                continue;
            }
            match phase {
                Phase::Subject | Phase::TitleSubject => {
                    subject.push(plain);
                    continue;
                }
                Phase::Addressees => {
                    if let Some(a) = list_item(line, &plain) {
                        addressees.push(a);
                        continue;
                    }
                    phase = Phase::Body;
                }
                Phase::Header if upper(&plain) && date.is_none() && subject.is_empty() => {
                    issuer_lines.push(plain);
                    continue;
                }
                Phase::Header | Phase::Preamble
                    if upper(&plain) && kind == Some("quyết định") && authority.is_none() =>
                {
                    authority = Some(plain);
                    continue;
                }
                _ => phase = Phase::Body,
            }
        }
        if folded.starts_with("nơi nhận") {
            phase = Phase::Recipients;
            continue;
        }
        match phase {
            Phase::Recipients => match list_item(line, &plain) {
                Some(r) => recipients.push(r),
                None => {
                    phase = Phase::Signature;
                    signature.push(plain);
                }
            },
            // Authority and title lines are upper case; the name that ends the block is not.
            Phase::Signature if upper(&plain) || authority_line(&plain) => signature.push(plain),
            Phase::Signature => {
                signature.push(plain);
                phase = Phase::Annex;
            }
            Phase::Annex => {
                if folded.starts_with("(kèm theo") {
                    continue;
                }
                if annex_title.is_none() && line.table.is_none() {
                    annex_title = Some(plain);
                } else {
                    annex.push(line);
                }
            }
            _ if authority_line(&plain) && upper(&plain) => {
                phase = Phase::Signature;
                signature.push(plain);
            }
            _ => body.push(line),
        }
    }

    let mut fields = std::collections::BTreeMap::new();
    if let Some(k) = kind {
        fields.insert("kind".into(), k.to_string());
    }
    if let Some(d) = date {
        fields.insert("date".into(), d);
    }
    let put_lines =
        |fields: &mut std::collections::BTreeMap<String, String>, k: &str, v: &[String]| {
            if !v.is_empty() {
                fields.insert(k.to_string(), v.join("\n"));
            }
        };
    put_lines(&mut fields, "subject", &subject);
    put_lines(&mut fields, "addressees", &addressees);
    put_lines(&mut fields, "grounds", &grounds);
    put_lines(&mut fields, "recipients", &recipients);
    if let Some(a) = authority {
        fields.insert("authority".into(), a);
    }
    if let Some(p) = proposal {
        fields.insert("proposal".into(), p);
    }
    let body = body_markup(&body);
    if !body.is_empty() {
        fields.insert("body".into(), body);
    }
    if let Some(t) = annex_title {
        fields.insert("annex_title".into(), t);
    }
    let annex = body_markup(&annex);
    if !annex.is_empty() {
        fields.insert("annex_body".into(), annex);
    }

    // Who issues and who signs, by name.
    let issuer = (!issuer_lines.is_empty())
        .then(|| match_agency(store, &issuer_lines.join(" ")))
        .transpose()?
        .flatten();
    let name = signature.iter().rev().find(|l| !upper(l)).cloned();
    let signer = match &name {
        Some(n) if !upper(n) => match_person(store, n, issuer.as_deref())?,
        _ => None,
    };
    let issuer = match (issuer, &signer) {
        (Some(i), _) => Some(i),
        (None, Some((_, agency))) => {
            notes.push(format!(
                "cơ quan ban hành lấy theo người ký ({agency}); hãy kiểm tra"
            ));
            Some(agency.clone())
        }
        (None, None) => None,
    };
    match &issuer {
        Some(i) => {
            fields.insert("issuer".into(), i.clone());
            if let Some(unit) = symbol.as_deref().and_then(|s| drafting_unit(store, i, s)) {
                notes.push(format!(
                    "ký hiệu trong tệp ghi đơn vị soạn thảo {unit}: đã điền ô \"Đơn vị soạn thảo\", hãy kiểm tra"
                ));
                fields.insert("unit".into(), unit);
            }
        }
        None if !issuer_lines.is_empty() => notes.push(format!(
            "không tìm thấy cơ quan \"{}\" trong dữ liệu: hãy chọn cơ quan ban hành",
            issuer_lines.join(" ")
        )),
        None => notes.push("không nhận ra cơ quan ban hành: hãy chọn".into()),
    }
    match (&signer, &name) {
        (Some((id, _)), _) => {
            fields.insert("signer".into(), id.clone());
        }
        (None, Some(n)) => notes.push(format!(
            "không tìm thấy người ký \"{n}\" trong dữ liệu: hãy chọn người ký"
        )),
        (None, None) => notes.push("không nhận ra người ký: hãy chọn".into()),
    }
    if !fields.contains_key("date") {
        notes.push(
            "văn bản chưa ghi ngày: bản nháp lấy ngày hôm nay, hãy sửa ngày ban hành nếu cần"
                .into(),
        );
    }
    Ok(Uploaded {
        fields,
        notes: vec![],
    })
}

/// The drafting unit a symbol (`SNN-KH`, `KH-UBND-KT`) names after the agency's
/// abbreviation, when it is not the agency's own default unit.
fn drafting_unit(store: &Store, agency: &str, symbol: &str) -> Option<String> {
    let stored = agencies::agency(store.conn(), agency).ok()??;
    let (abbreviation, units) = (stored.abbreviation, stored.units);
    let parts: Vec<&str> = symbol.split('-').map(str::trim).collect();
    let at = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case(&abbreviation))?;
    let unit = parts[at + 1..].join("-");
    let default = units.split(',').map(str::trim).find(|u| !u.is_empty());
    (!unit.is_empty() && Some(unit.as_str()) != default).then_some(unit)
}

/// The body lines as markup: paragraphs apart, list items of one list together.
fn body_markup(lines: &[&Line]) -> String {
    let mut out = String::new();
    let mut prev_item = false;
    let mut prev_blank = true;
    let mut rows: Vec<String> = vec![];
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        i += 1;
        // Lines of tab-separated cells (a table typed with tabs, or kept so by a
        // conversion from text) become one pipe table.
        if l.table.is_none() && l.markup.contains('\t') {
            let cells: Vec<String> = l
                .markup
                .split('\t')
                .map(|c| c.trim().replace('|', "\\|"))
                .collect();
            rows.push(format!("| {} |", cells.join(" | ")));
            if rows.len() == 1 {
                rows.push(format!("|{}", "---|".repeat(cells.len())));
            }
            let next_is_row = lines
                .get(i)
                .is_some_and(|n| n.table.is_none() && n.markup.contains('\t'));
            if next_is_row {
                continue;
            }
        }
        let table = (!rows.is_empty()).then(|| std::mem::take(&mut rows).join("\n"));
        if l.blank() && table.is_none() {
            prev_blank = true;
            continue;
        }
        let text = if let Some(t) = table.as_ref().or(l.table.as_ref()) {
            t.clone()
        } else if let Some(h) = l.heading {
            format!("{} {}", "#".repeat(h), strip_stars(&l.markup))
        } else if l.bullet {
            format!("- {}", l.markup)
        } else if l.numbered {
            format!("1. {}", l.markup)
        } else {
            l.markup.replace('\t', " ")
        };
        let item = l.table.is_none()
            && table.is_none()
            && (l.bullet || l.numbered || text.starts_with("- ") || text.starts_with("+ "));
        if !out.is_empty() {
            out.push_str(if item && prev_item && !prev_blank {
                "\n"
            } else {
                "\n\n"
            });
        }
        out.push_str(&text);
        prev_item = item;
        prev_blank = false;
    }
    out
}

/// The stored agency whose printed name the header holds (the longest that matches).
pub(crate) fn match_agency(store: &Store, header: &str) -> Result<Option<String>, DraftError> {
    let header = fold_key(header);
    // Two departments of one name (Sở Nông nghiệp … of two provinces) are told apart by
    // their place in the line above ("UBND TỈNH BẮC GIANG").
    let mut best: Option<(usize, String)> = None;
    for a in agencies::agencies(store.conn())? {
        let (id, name, place) = (a.id, a.name, a.place);
        let name = fold_key(&name.replace('\n', " "));
        let place = fold_key(&place);
        let score = name.len()
            + if !place.is_empty() && header.contains(&place) {
                1000
            } else {
                0
            };
        if !name.is_empty()
            && header.contains(&name)
            && best.as_ref().is_none_or(|(n, _)| score > *n)
        {
            best = Some((score, id));
        }
    }
    Ok(best.map(|(_, id)| id))
}

/// The stored person of that name (of `issuer` first): their id and agency.
pub(crate) fn match_person(
    store: &Store,
    name: &str,
    issuer: Option<&str>,
) -> Result<Option<(String, String)>, DraftError> {
    let wanted = fold_key(name);
    let mut found: Vec<(String, String)> = vec![];
    for p in agencies::people(store.conn(), None)? {
        let (id, agency, n) = (p.id, p.agency_id, p.name);
        if fold_key(&n) == wanted {
            found.push((id, agency));
        }
    }
    found.sort_by_key(|(_, a)| Some(a.as_str()) != issuer);
    Ok(found.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_items_are_read() {
        assert_eq!(
            date_line("Quảng Bình, ngày **17** tháng **5** năm 2021"),
            Some(Some("2021-05-17".into()))
        );
        assert_eq!(date_line("Bắc Giang, ngày tháng 9 năm 2020"), Some(None));
        assert_eq!(date_line("Đề nghị các đơn vị"), None);
        let typed = Line::default();
        assert_eq!(
            list_item(&typed, "- Như trên;").as_deref(),
            Some("Như trên")
        );
        assert_eq!(
            list_item(&typed, "- Lưu: VT, KT.").as_deref(),
            Some("Lưu: VT, KT")
        );
        assert_eq!(list_item(&typed, "Lưu: VT, KT."), None);
        let bullet = Line {
            bullet: true,
            ..Line::default()
        };
        assert_eq!(
            list_item(&bullet, "Lưu: VT, KT.").as_deref(),
            Some("Lưu: VT, KT")
        );
    }
}
