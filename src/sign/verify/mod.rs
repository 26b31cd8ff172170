//! Reading back every signature and document timestamp of a PDF, whoever made them,
//! and saying in one Vietnamese line whether each holds.
//!
//! For each signature dictionary, step by step:
//! 1. [`revisions`]: its byte range is `[0 a b c]` ending a revision, its gap exactly
//!    this dictionary's one `/Contents`;
//! 2. [`signed`]: the CMS signature over those bytes, with a supported algorithm;
//! 3. [`changes`]: what every later revision changed beyond signatures, form fields
//!    for them, the DSS and document timestamps;
//! 4. the time that counts: the signature's own trusted timestamp, else the earliest
//!    trusted document timestamp after it, else now;
//! 5. [`path`]: the certificate path to a configured root at that time, and
//!    [`revocation`]: whether any certificate of it was revoked by then;
//! 6. [`words`]: the verdict (a stable code and a line a clerk reads) and the
//!    technical detail.

mod changes;
mod judging;
mod metadata;
mod path;
mod reading;
mod revisions;
pub(crate) mod revocation;
mod signed;
mod words;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openssl::x509::X509;
use x509_cert::der::Encode;

use super::keys::Trust;

pub use words::{Code, Lines, ReportView, SignatureView, day, lines, summary};

use judging::Context;
use reading::{Dss, Revisions, count, integrity, signature_dictionaries};

/// Every signature of one PDF.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file's size in bytes.
    pub size: usize,
    /// The file is encrypted with a password needed to open it: nothing was checked.
    pub encrypted: bool,
    /// Signatures and document timestamps, in the order they were added.
    pub signatures: Vec<SignatureCheck>,
}

/// What a signature dictionary is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A signature (`/Type /Sig`).
    Signature,
    /// A document timestamp (`/Type /DocTimeStamp`, RFC 3161).
    DocumentTimestamp,
}

/// What was found about the revocation of a signature's certificates; answered as a
/// [`words::RevocationView`] (`{"state": …}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(into = "words::RevocationView")]
pub enum Revocation {
    /// Not looked at: the signature failed before.
    NotChecked,
    /// Every certificate answered for (by these sources), none revoked in time.
    Good(Vec<String>),
    /// `who`'s certificate was revoked on `on` (Vietnamese date).
    Revoked { who: String, on: String },
    /// `who`'s certificate could not be checked.
    Unknown { who: String },
}

/// One signature (or document timestamp), checked; serialized as the report's fields
/// (inside [`words::SignatureView`]).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SignatureCheck {
    pub kind: Kind,
    /// The field's name (`/T`), when the signature sits in a field.
    pub field: String,
    pub sub_filter: String,
    /// The baseline level the signature's structure meets (`PAdES B-B` … `PAdES B-LTA`),
    /// or what it is otherwise (e.g. `CMS (adbe.pkcs7.detached)`).
    pub level: String,
    /// The signer's (or time-stamping authority's) common name and organisation.
    pub name: String,
    pub organisation: Option<String>,
    /// The certificate's subject and issuer (RFC 4514) and serial ("" when not found).
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// The signing time claimed (`/M`, or the CMS signing-time), ISO 8601 +07:00.
    pub signed_at: Option<String>,
    /// The time of the signature's own trusted RFC 3161 timestamp (PAdES B-T), or of a
    /// document timestamp.
    pub timestamp: Option<String>,
    /// Who stamped that time, and when that authority's certificate expires (when it
    /// runs out, a document timestamp must renew the archive).
    pub timestamp_authority: Option<String>,
    #[serde(skip)]
    pub timestamp_expires: Option<DateTime<Utc>>,
    /// The time the certificates were validated at, ISO 8601 +07:00, and why that one.
    pub validated_at: Option<String>,
    #[serde(skip)]
    pub validated_by: &'static str,
    /// The signed bytes are intact and the signature verifies with the certificate's key.
    pub intact: bool,
    /// The byte range is the whole file up to the end of a revision.
    pub covers_revision: bool,
    /// The byte range reaches the end of the file: nothing was added after it.
    pub covers_whole_file: bool,
    /// Bytes after the signed revision, and how many later revisions and signatures.
    pub later_bytes: usize,
    pub later_revisions: usize,
    pub later_signatures: usize,
    /// What later revisions changed that a signature does not allow, in words.
    pub changes: Vec<String>,
    /// The certificate path, from the signer up (common names).
    pub chain: Vec<String>,
    /// The path ends at a root of the trust store (whatever else is wrong with it).
    pub trusted: bool,
    #[schema(value_type = words::RevocationView)]
    pub revocation: Revocation,
    /// The signature algorithm in words.
    pub algorithm: String,
    /// The verdict: a stable code and the line a clerk reads.
    #[serde(serialize_with = "words::code_name")]
    #[schema(value_type = String, example = "valid")]
    pub code: Code,
    pub verdict: String,
    /// Why it is not valid (the verdict's reason), if it is not.
    pub problem: Option<String>,
}

impl SignatureCheck {
    fn unread(kind: Kind, field: String) -> SignatureCheck {
        SignatureCheck {
            kind,
            field,
            sub_filter: String::new(),
            level: String::new(),
            name: String::new(),
            organisation: None,
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            signed_at: None,
            timestamp: None,
            timestamp_authority: None,
            timestamp_expires: None,
            validated_at: None,
            validated_by: "",
            intact: false,
            covers_revision: false,
            covers_whole_file: false,
            later_bytes: 0,
            later_revisions: 0,
            later_signatures: 0,
            changes: vec![],
            chain: vec![],
            trusted: false,
            revocation: Revocation::NotChecked,
            algorithm: String::new(),
            code: Code::Malformed,
            verdict: String::new(),
            problem: None,
        }
    }

    /// Whether the verdict is valid (perhaps with revocation unchecked, when soft).
    pub fn valid(&self) -> bool {
        self.code.is_valid()
    }
}

impl Report {
    /// Whether the file has signatures and every one is valid.
    pub fn all_valid(&self) -> bool {
        !self.encrypted
            && !self.signatures.is_empty()
            && self.signatures.iter().all(SignatureCheck::valid)
    }

    /// The signatures proper (not document timestamps).
    pub fn signature_count(&self) -> usize {
        self.signatures
            .iter()
            .filter(|s| s.kind == Kind::Signature)
            .count()
    }

    /// The report in Vietnamese: one verdict line per signature, then its detail.
    pub fn text(&self) -> String {
        words::text(self)
    }

    /// The report as the API, the page and `vanthu verify --json` show it: per
    /// signature the stable `code`, the `verdict` line, the `facts` and `details` in
    /// words, then the fields they come from.
    pub fn view(&self) -> words::ReportView {
        words::view(self)
    }
}

/// The most signature dictionaries a file may hold: checking one hashes the file up to
/// it, so the work grows with their number (a file with 20,000 of them went on for
/// 100 s after its request had timed out). A real document carries two or three.
pub const MAX_SIGNATURES: usize = 64;
/// The most revisions a file may have (each later one is read to see what it changed).
pub const MAX_REVISIONS: usize = 2 * MAX_SIGNATURES + 8;

/// Why a file could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("tệp không phải PDF đọc được: {0}")]
    NotPdf(String),
    #[error(
        "tệp có {0} từ điển chữ ký số, quá giới hạn {MAX_SIGNATURES}: không phải văn bản hành chính bình thường, không kiểm tra"
    )]
    TooManySignatures(usize),
    #[error(
        "tệp có {0} lần cập nhật, quá giới hạn {MAX_REVISIONS}: không phải văn bản hành chính bình thường, không kiểm tra"
    )]
    TooManyRevisions(usize),
    #[error("kiểm tra chữ ký số chạy quá {0} giây nên đã dừng; tệp quá lớn hoặc quá phức tạp")]
    Deadline(u64),
}

/// Checks every signature in `pdf` against `trust` (no deadline but the signature
/// count's).
pub fn verify(pdf: &[u8], trust: &Trust) -> Result<Report, VerifyError> {
    verify_within(pdf, trust, std::time::Duration::from_secs(3600))
}

/// Checks every signature in `pdf` against `trust`, stopping once `within` has passed.
/// A file with more than [`MAX_SIGNATURES`] signature dictionaries is refused before it
/// is parsed (and again after, for dictionaries hidden in compressed object streams).
pub fn verify_within(
    pdf: &[u8],
    trust: &Trust,
    within: std::time::Duration,
) -> Result<Report, VerifyError> {
    verify_at(pdf, trust, within, Utc::now())
}

/// [`verify_within`] as if it were `now`.
pub fn verify_at(
    pdf: &[u8],
    trust: &Trust,
    within: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Report, VerifyError> {
    let started = std::time::Instant::now();
    let over =
        || (started.elapsed() > within).then(|| VerifyError::Deadline(within.as_secs().max(1)));
    let mentions = count(pdf, b"/ByteRange");
    if mentions > MAX_SIGNATURES {
        return Err(VerifyError::TooManySignatures(mentions));
    }
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| VerifyError::NotPdf(e.to_string()))?;
    if doc.trailer.get(b"Encrypt").is_ok() {
        // lopdf opens what needs no password; this one needs the user's.
        return Ok(Report {
            size: pdf.len(),
            encrypted: true,
            signatures: vec![],
        });
    }
    if let Some(e) = over() {
        return Err(e);
    }
    let ends = revisions::revision_ends(pdf);
    if ends.len() > MAX_REVISIONS {
        return Err(VerifyError::TooManyRevisions(ends.len()));
    }
    let found = signature_dictionaries(&doc)?;
    let mut revisions = Revisions {
        pdf,
        loaded: HashMap::new(),
    };
    let dss = Dss::of(&doc);
    let roots: Vec<X509> = trust
        .roots
        .iter()
        .filter_map(|c| c.to_der().ok().and_then(|d| X509::from_der(&d).ok()))
        .collect();
    let mut crls = trust.crl_ders();
    crls.extend(dss.crls.iter().cloned());
    let sources = revocation::Sources::new(&crls, &dss.ocsps, &roots, trust.fetch);
    let context = Context {
        roots,
        dss_certs: dss.certs,
        sources,
        mode: trust.revocation,
        now,
    };

    // First pass: each one's bytes, signature and later changes.
    let ends_of: Vec<usize> = found.iter().map(|f| f.end).collect();
    let mut checks = vec![];
    for f in &found {
        if let Some(e) = over() {
            return Err(e);
        }
        let later_signatures = ends_of.iter().filter(|&&e| e > f.end).count();
        checks.push(integrity(pdf, f, &ends, &mut revisions, later_signatures));
    }
    // Second pass, from the last: the time that counts, the paths, the verdicts.
    let has_dss = dss.present;
    let mut archive: Option<(DateTime<Utc>, usize)> = None;
    let mut out = vec![];
    for (i, mut c) in checks.into_iter().enumerate().rev() {
        if let Some(e) = over() {
            return Err(e);
        }
        let end = ends_of[i];
        context.judge(&mut c, archive.map(|(t, _)| t));
        if c.check.kind == Kind::DocumentTimestamp && c.check.valid() {
            archive = c.trusted_time.map(|t| (t, end));
        }
        if c.check.kind == Kind::Signature && c.check.level == "PAdES B-T" && has_dss {
            c.check.level = if archive.is_some() {
                "PAdES B-LTA".into()
            } else {
                "PAdES B-LT".into()
            };
        }
        out.push(c.check);
    }
    out.reverse();
    // Signature dictionaries in the file that the parser could not read (a /ByteRange
    // with numbers past 2^64 makes the whole object unreadable): broken signatures, not
    // no signatures.
    for _ in found.len()..mentions {
        let mut s = SignatureCheck::unread(Kind::Signature, String::new());
        words::judge_failure(
            &mut s,
            Code::Malformed,
            "từ điển chữ ký số không đọc được (/ByteRange sai dạng hoặc số quá lớn)".into(),
        );
        out.push(s);
    }
    Ok(Report {
        size: pdf.len(),
        encrypted: false,
        signatures: out,
    })
}

#[cfg(test)]
mod tests {
    use super::reading::pdf_date;
    use super::*;

    #[test]
    fn pdf_dates_read_in_vietnam_time() {
        assert_eq!(
            pdf_date(b"D:20261202093012+07'00'").as_deref(),
            Some("2026-12-02T09:30:12+07:00")
        );
        assert_eq!(
            pdf_date(b"D:20261202023012Z").as_deref(),
            Some("2026-12-02T09:30:12+07:00")
        );
        assert_eq!(
            pdf_date(b"D:20261202013012-01'00'").as_deref(),
            Some("2026-12-02T09:30:12+07:00")
        );
        assert_eq!(pdf_date(b"D:2026"), None);
        assert_eq!(pdf_date(b"hom nay"), None);
    }

    /// A small PDF whose one signature dictionary has the byte range `range`.
    fn pdf_with_range(range: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>".to_string(),
            format!(
                "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange {range} /Contents <3003020100> >>"
            ),
        ];
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = vec![];
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).into_bytes());
        }
        let xref = out.len();
        out.extend(b"xref\n0 5\n0000000000 65535 f\r\n");
        for o in offsets {
            out.extend(format!("{o:010} 00000 n\r\n").into_bytes());
        }
        out.extend(
            format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").into_bytes(),
        );
        out
    }

    #[test]
    fn hostile_byte_ranges_are_reported_not_followed() {
        let trust = Trust::default();
        for range in [
            "[0 0 0 0]",
            "[0 -5 10 10]",
            "[0 10 5 1]",
            "[0 10 20 9223372036854775807]",
            "[1 2 3 4]",
            "[0 1 2]",
            "[0 99999999999999999999999 100 100]",
            "[0 10 18446744073709551617 5]",
            "[0 10 20 -18446744073709551617]",
        ] {
            let report = verify(&pdf_with_range(range), &trust).expect("a readable PDF");
            assert_eq!(report.signatures.len(), 1, "{range}");
            let s = &report.signatures[0];
            assert!(!s.intact && !s.valid(), "{range}");
            assert!(s.problem.is_some(), "{range}");
        }
        // A range around the right place whose CMS is not a signature.
        let pdf = pdf_with_range("[0 0000000000 0000000000 0000000000]");
        let report = verify(&pdf, &trust).unwrap();
        assert!(!report.signatures[0].intact);
        assert!(!report.all_valid());
    }

    #[test]
    fn a_file_without_signatures_has_an_empty_report() {
        let trust = Trust::default();
        assert!(verify(b"not a pdf", &trust).is_err());
    }
}
