//! Certificates of a decision: recorded when the decision is issued, and printed one
//! landscape page per product (Giấy chứng nhận sản phẩm OCOP).

use super::*;

/// Issues a certification decision through the register and records the certificates
/// it grants (one per certified product, 36 months from the signing date, month ends
/// clamped, certified by `issuer`) in the same transaction: either the decision and its
/// certificates are stored together, or neither is. Returns the register entry and the
/// number of certificates.
pub fn issue_decision(
    store: &mut Store,
    renderer: &crate::Renderer,
    decision: &Composed,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<(crate::store::register::Entry, usize), OcopError> {
    let mut n = 0;
    let entry = crate::store::register::issue_then(
        store,
        &decision.document,
        &decision.letter,
        date,
        |doc| crate::store::register::render_files(renderer, doc),
        |tx, entry| {
            n = certify(tx, entry, issuer, date, evaluated)?;
            Ok(())
        },
    )?;
    Ok((entry, n))
}

/// Records the certificates an issued decision grants, dated the day it was signed
/// (`date` when the entry's own date cannot be read); the caller owns the transaction.
pub fn certify(
    conn: &rusqlite::Connection,
    entry: &crate::store::register::Entry,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<usize, rusqlite::Error> {
    let signed = NaiveDate::parse_from_str(&entry.date, "%Y-%m-%d").unwrap_or(date);
    insert_certificates(conn, &entry.number_symbol, issuer, signed, evaluated)
}

/// Inserts the certificates of the certified products of `evaluated` under `decision`
/// (36 months from `date`); the caller owns the transaction.
pub fn insert_certificates(
    conn: &rusqlite::Connection,
    decision: &str,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<usize, rusqlite::Error> {
    let expires = date
        .checked_add_months(chrono::Months::new(36))
        .unwrap_or(NaiveDate::MAX);
    let mut n = 0;
    for e in evaluated {
        if let tiers::Outcome::Certify { stars } = e.outcome {
            crate::store::ocop::insert_certificate(
                conn,
                &crate::store::ocop::NewCertificate {
                    product_id: &e.product_id,
                    decision,
                    stars,
                    issued_on: date,
                    expires_on: expires,
                    issuer_id: Some(issuer),
                },
            )?;
            n += 1;
        }
    }
    Ok(n)
}

/// The data of one certificate page, as the certificate layout reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificatePage {
    pub stem: String,
    pub issuer: Vec<String>,
    pub number: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub stars: u8,
    pub decision_line: String,
    pub valid_until: String,
    pub date_line: String,
    pub signature: Vec<String>,
    pub signer: String,
}

/// (product id, product, producer, address, group, stars, issued, expires)
type CertificateRow = (
    String,
    String,
    String,
    String,
    String,
    u8,
    NaiveDate,
    NaiveDate,
);

/// Every certificate of a decision, ready to render.
pub struct CertificateSet {
    pub decision: String,
    pub issuer_name: String,
    pub issued_on: NaiveDate,
    pub pages: Vec<CertificatePage>,
}

/// Builds the certificates of the products recognised by `decision`, issued by
/// `issuer` (default: the agency stored with the certificates) and signed by `signer`
/// (default: the agency's first person).
pub fn certificate_set(
    store: &Store,
    decision: &str,
    issuer: Option<&str>,
    signer: Option<&str>,
) -> Result<CertificateSet, OcopError> {
    use crate::letter::Lookup;
    let stored: Option<String>;
    let issuer = match issuer {
        Some(i) => i,
        None => {
            let issuers = crate::store::ocop::decision_issuers(store.conn(), decision)?;
            stored = match issuers.as_slice() {
                [] => return Err(OcopError::NoCertificates(decision.to_string())),
                [Some(one)] => Some(one.clone()),
                _ => return Err(OcopError::UnknownCertifier(decision.to_string())),
            };
            stored.as_deref().expect("set above")
        }
    };
    let agency = store
        .agency(issuer)
        .ok_or_else(|| OcopError::UnknownAgency(issuer.to_string()))?;
    let signer_id: String = match signer {
        Some(s) => s.to_string(),
        None => crate::store::agencies::head_of(store.conn(), issuer)?
            .ok_or_else(|| OcopError::NoSigner(issuer.to_string()))?,
    };
    let person = store
        .person(&signer_id)
        .ok_or_else(|| OcopError::NoSigner(issuer.to_string()))?;
    let signature: Vec<String> = person
        .authority
        .iter()
        .filter_map(|a| crate::model::AuthorityLine::parse(a).map(|a| a.text()))
        .chain(std::iter::once(person.title.to_uppercase()))
        .collect();
    let rows: Vec<CertificateRow> = crate::store::ocop::certified_by(store.conn(), decision)?
        .into_iter()
        .map(|c| {
            (
                c.product_id,
                c.product,
                c.producer,
                c.address,
                c.group,
                c.stars,
                c.issued_on,
                c.expires_on,
            )
        })
        .collect();
    let Some(issued_on) = rows.first().map(|r| r.6) else {
        return Err(OcopError::NoCertificates(decision.to_string()));
    };
    let issuer_lines: Vec<String> = agency.name.iter().map(|l| l.to_uppercase()).collect();
    let pages = rows
        .into_iter()
        .enumerate()
        .map(
            |(i, (id, product, producer, address, group, stars, issued, expires))| {
                CertificatePage {
                    stem: format!("{:03}-{id}", i + 1),
                    issuer: issuer_lines.clone(),
                    number: format!("Số: {:03}/GCN-OCOP", i + 1),
                    product,
                    producer,
                    address,
                    group,
                    stars,
                    decision_line: format!(
                        "Theo Quyết định số {decision} ngày {} của {}",
                        DocDate::full(issued).short_form(),
                        agency.short_name
                    ),
                    valid_until: format!(
                        "Giấy chứng nhận có giá trị đến ngày {}",
                        DocDate::full(expires).short_form()
                    ),
                    date_line: format!("{}, {}", agency.place, DocDate::full(issued).long_form()),
                    signature: signature.clone(),
                    signer: person.name.clone(),
                }
            },
        )
        .collect();
    Ok(CertificateSet {
        decision: decision.to_string(),
        issuer_name: agency.name.join(" "),
        issued_on,
        pages,
    })
}

/// How many certificates are laid out together when exporting them one by one: small
/// enough to keep memory low, large enough to share fonts and layout work.
const CERTIFICATE_CHUNK: usize = 100;

/// Renders the certificates: all of them laid out once as the combined PDF (returned),
/// then each as its own PDF, handed to `sink` as soon as it exists (laid out
/// `CERTIFICATE_CHUNK` at a time, pages exported on `threads` threads).
pub fn render_certificates(
    renderer: &crate::Renderer,
    set: &CertificateSet,
    threads: usize,
    mut sink: impl FnMut(&CertificatePage, Vec<u8>) -> std::io::Result<()>,
) -> Result<Vec<u8>, crate::render::RenderError> {
    use chrono::Datelike;
    let day = (
        set.issued_on.year(),
        set.issued_on.month(),
        set.issued_on.day(),
    );
    let title = format!(
        "Giấy chứng nhận sản phẩm OCOP theo Quyết định số {}",
        set.decision
    );
    let data = |pages: &[CertificatePage]| {
        serde_json::to_vec(&json!({
            "meta": {"title": title, "author": set.issuer_name, "keywords": set.decision,
                     "year": day.0, "month": day.1, "day": day.2},
            "certificates": pages,
        }))
        .expect("certificate data serializes")
    };
    let layout = crate::render::pdf::Layout::Certificate;
    // The combined layout first: its memory is freed before the threads start, so
    // they reuse it instead of adding to the peak.
    let (combined, _) = renderer.pdf_layout(layout, data(&set.pages), &set.decision, day)?;
    typst::comemo::evict(0);
    for part in set.pages.chunks(CERTIFICATE_CHUNK) {
        let pdfs = renderer.pdf_layout_pages(layout, data(part), &set.decision, day, threads)?;
        for (page, pdf) in part.iter().zip(pdfs) {
            sink(page, pdf)?;
        }
    }
    Ok(combined)
}
