//! The first pass of verification: the signature dictionaries of the file, the file's
//! revisions read once each, the DSS, and for each signature its bytes, its
//! cryptography and what later revisions changed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lopdf::Object;
use openssl::x509::X509;
use x509_cert::der::Decode;

use super::super::cms::Parsed;
use super::judging::{Stamp, check_token, signature_stamp};
use super::signed::{self, Failure};
use super::{Code, Kind, MAX_SIGNATURES, SignatureCheck, VerifyError, changes, path, revisions};

/// A signature dictionary found in the file, before it is checked.
pub(super) struct Found {
    pub(super) id: lopdf::ObjectId,
    pub(super) kind: Kind,
    pub(super) range: Vec<i64>,
    pub(super) end: usize,
    pub(super) field: String,
}

/// The signature dictionaries of the final document, in the order of their revisions.
pub(super) fn signature_dictionaries(doc: &lopdf::Document) -> Result<Vec<Found>, VerifyError> {
    // Field names by the signature value they point at.
    let mut names = HashMap::new();
    for (_, obj) in doc.objects.iter() {
        if let Ok(d) = obj.as_dict()
            && let (Ok(v), Ok(t)) = (d.get(b"V"), d.get(b"T"))
            && let (Ok(v), Ok(t)) = (v.as_reference(), t.as_str())
        {
            names.insert(
                v,
                lopdf::decode_text_string(&Object::string_literal(t)).unwrap_or_default(),
            );
        }
    }
    let mut found = vec![];
    for (id, obj) in doc.objects.iter() {
        let Ok(d) = obj.as_dict() else { continue };
        let (Ok(range), Ok(_)) = (d.get(b"ByteRange"), d.get(b"Contents")) else {
            continue;
        };
        if found.len() == MAX_SIGNATURES {
            return Err(VerifyError::TooManySignatures(found.len() + 1));
        }
        let range: Vec<i64> = range
            .as_array()
            .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
            .unwrap_or_default();
        let name_of = |key: &[u8]| {
            d.get(key)
                .and_then(Object::as_name)
                .map(|n| n.to_vec())
                .unwrap_or_default()
        };
        let kind =
            if name_of(b"Type") == b"DocTimeStamp" || name_of(b"SubFilter") == b"ETSI.RFC3161" {
                Kind::DocumentTimestamp
            } else {
                Kind::Signature
            };
        let end = range
            .get(2)
            .copied()
            .unwrap_or(0)
            .saturating_add(range.get(3).copied().unwrap_or(0))
            .max(0) as usize;
        found.push(Found {
            id: *id,
            kind,
            range,
            end,
            field: names.get(id).cloned().unwrap_or_default(),
        });
    }
    found.sort_by_key(|f| f.end);
    Ok(found)
}

/// The file's revisions, each read once.
pub(super) struct Revisions<'a> {
    pub(super) pdf: &'a [u8],
    pub(super) loaded: HashMap<usize, Result<lopdf::Document, String>>,
}

impl Revisions<'_> {
    pub(super) fn at(&mut self, end: usize) -> Result<&lopdf::Document, String> {
        let pdf = self.pdf;
        self.loaded
            .entry(end)
            .or_insert_with(|| {
                lopdf::Document::load_mem(&pdf[..end])
                    .map_err(|e| format!("không đọc được phiên bản kết thúc ở byte {end}: {e}"))
            })
            .as_ref()
            .map_err(|e| e.clone())
    }
}

/// What the document's DSS holds (PAdES B-LT).
#[derive(Default)]
pub(super) struct Dss {
    pub(super) present: bool,
    pub(super) certs: Vec<X509>,
    pub(super) crls: Vec<Vec<u8>>,
    pub(super) ocsps: Vec<Vec<u8>>,
}

impl Dss {
    pub(super) fn of(doc: &lopdf::Document) -> Dss {
        let mut dss = Dss::default();
        let Some(d) = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .and_then(|r| doc.get_dictionary(r))
            .ok()
            .and_then(|c| c.get(b"DSS").ok())
            .and_then(|d| match d {
                Object::Reference(r) => doc.get_dictionary(*r).ok(),
                Object::Dictionary(d) => Some(d),
                _ => None,
            })
        else {
            return dss;
        };
        dss.present = true;
        let streams = |key: &[u8]| -> Vec<Vec<u8>> {
            let list = match d.get(key) {
                Ok(Object::Array(a)) => a.clone(),
                Ok(Object::Reference(r)) => doc
                    .get_object(*r)
                    .and_then(Object::as_array)
                    .cloned()
                    .unwrap_or_default(),
                _ => vec![],
            };
            list.iter()
                .take(1000)
                .filter_map(|o| o.as_reference().ok())
                .filter_map(|r| doc.get_object(r).ok())
                .filter_map(|o| o.as_stream().ok())
                .map(|s| {
                    s.decompressed_content()
                        .unwrap_or_else(|_| s.content.clone())
                })
                .collect()
        };
        dss.certs = streams(b"Certs")
            .iter()
            .filter_map(|d| X509::from_der(d).ok())
            .collect();
        dss.crls = streams(b"CRLs");
        dss.ocsps = streams(b"OCSPs");
        dss
    }
}

/// One signature after the first pass.
pub(super) struct Pending {
    pub(super) check: SignatureCheck,
    /// The signing certificate and all the certificates the signature carries.
    pub(super) signer: Option<X509>,
    pub(super) embedded: Vec<X509>,
    /// The failure of the bytes or the cryptography, if any.
    pub(super) failure: Option<(Code, String)>,
    /// The signature's own timestamp token (B-T), to check in the second pass.
    pub(super) stamp: Option<Stamp>,
    /// For a document timestamp: its time (when its token checked out).
    pub(super) trusted_time: Option<DateTime<Utc>>,
}

/// The first pass for one signature dictionary.
pub(super) fn integrity(
    pdf: &[u8],
    f: &Found,
    ends: &[(usize, usize)],
    revisions: &mut Revisions,
    later_signatures: usize,
) -> Pending {
    let mut pending = Pending {
        check: SignatureCheck::unread(f.kind, f.field.clone()),
        signer: None,
        embedded: vec![],
        failure: None,
        stamp: None,
        trusted_time: None,
    };
    let c = &mut pending.check;
    c.later_signatures = later_signatures;
    let r = &f.range;
    let shape_ok = r.len() == 4
        && r.iter().all(|&n| n >= 0)
        && r[0] == 0
        && r[1] < r[2]
        && (r[2].saturating_add(r[3]) as usize) <= pdf.len();
    if !shape_ok {
        pending.failure = Some((Code::BadByteRange, "/ByteRange sai dạng".into()));
        return pending;
    }
    let (gap_start, gap_end, end) = (r[1] as usize, r[2] as usize, f.end);
    c.covers_whole_file = end == pdf.len();
    let Some(&(plain, full)) = ends.iter().find(|&&(p, e)| end == p || end == e) else {
        pending.failure = Some((
            Code::BadByteRange,
            "phạm vi ký không kết thúc ở cuối một phiên bản của tệp".into(),
        ));
        return pending;
    };
    c.covers_revision = true;
    c.later_bytes = pdf.len() - end;
    c.later_revisions = ends.iter().filter(|&&(p, _)| p > plain).count();
    // The dictionary as its revision holds it: the gap must be its one /Contents.
    let signed_rev = match revisions.at(full) {
        Ok(d) => d,
        Err(e) => {
            pending.failure = Some((Code::BadByteRange, e));
            return pending;
        }
    };
    let offset = match signed_rev.reference_table.get(f.id.0) {
        Some(lopdf::xref::XrefEntry::Normal { offset, .. }) => *offset as usize,
        _ => {
            pending.failure = Some((
                Code::BadByteRange,
                "từ điển chữ ký không nằm riêng trong phiên bản đã ký (nằm trong luồng nén hoặc thiếu)"
                    .into(),
            ));
            return pending;
        }
    };
    let dict = signed_rev.get_dictionary(f.id).ok().cloned();
    let raw = match revisions::signature_at(pdf, offset) {
        Ok(raw) => raw,
        Err(e) => {
            pending.failure = Some((Code::Malformed, e));
            return pending;
        }
    };
    if raw.contents != (gap_start, gap_end) {
        pending.failure = Some((
            Code::BadByteRange,
            "khoảng trống của /ByteRange không đúng là /Contents của chữ ký này".into(),
        ));
        return pending;
    }
    if let Some(d) = &dict {
        c.sub_filter = d
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).to_string())
            .unwrap_or_default();
        c.signed_at = d.get(b"M").and_then(Object::as_str).ok().and_then(pdf_date);
    }
    let contents = match revisions::hex_bytes(&pdf[gap_start + 1..gap_end - 1]) {
        Ok(b) => b,
        Err(e) => {
            pending.failure = Some((Code::Malformed, e));
            return pending;
        }
    };
    let parsed = match Parsed::from_der(&contents) {
        Ok(p) => p,
        Err(e) => {
            pending.failure = Some((Code::Malformed, format!("không đọc được CMS: {e}")));
            return pending;
        }
    };
    let signed_parts: [&[u8]; 2] = [&pdf[..gap_start], &pdf[gap_end..end]];
    match f.kind {
        Kind::Signature => {
            let checked = signed::check(&parsed, &signed_parts);
            c.algorithm = checked.algorithm.clone();
            if let Some((x509, cert)) = &checked.signer {
                describe_certificate(c, x509, cert);
                pending.signer = Some(x509.clone());
            }
            pending.embedded = checked.embedded.clone();
            if let Some(info) = &checked.info {
                c.level = level(&c.sub_filter, info);
                if c.signed_at.is_none() {
                    c.signed_at = signing_time(info);
                }
                pending.stamp = signature_stamp(info);
            }
            match checked.failure {
                None => c.intact = true,
                Some(f) => pending.failure = Some(failure_code(f)),
            }
        }
        Kind::DocumentTimestamp => {
            c.level = "Dấu thời gian tài liệu (RFC 3161)".into();
            let stamp = check_token(&parsed, &signed_parts);
            if let Some(tsa) = &stamp.tsa
                && let Some(cert) = tsa
                    .to_der()
                    .ok()
                    .and_then(|d| x509_cert::Certificate::from_der(&d).ok())
            {
                describe_certificate(c, tsa, &cert);
            }
            c.timestamp_authority = stamp.tsa.as_ref().map(|t| path::common_name(t));
            c.timestamp_expires = stamp.tsa.as_ref().map(|t| path::time_of(t.not_after()));
            pending.signer = stamp.tsa.clone();
            pending.embedded = stamp.embedded.clone();
            c.timestamp = stamp.time.map(super::super::vietnam_time);
            match &stamp.failure {
                None => {
                    c.intact = true;
                    pending.trusted_time = stamp.time;
                }
                Some(e) => pending.failure = Some((Code::SignatureMismatch, e.clone())),
            }
        }
    }
    if pending.failure.is_some() {
        return pending;
    }
    // What each later revision changed.
    let later: Vec<usize> = ends
        .iter()
        .filter(|&&(p, _)| p > plain)
        .map(|&(_, e)| e)
        .collect();
    let mut changes = vec![];
    for e in later {
        if revisions.at(full).is_err() {
            break;
        }
        let b = match revisions.at(e) {
            Ok(_) => e,
            Err(msg) => {
                changes.push(msg);
                continue;
            }
        };
        let (a_doc, b_doc) = (
            revisions.loaded[&full].as_ref(),
            revisions.loaded[&b].as_ref(),
        );
        if let (Ok(a_doc), Ok(b_doc)) = (a_doc, b_doc) {
            changes.extend(changes::changes(a_doc, b_doc));
        }
    }
    changes.sort();
    changes.dedup();
    pending.check.changes = changes;
    pending
}

pub(super) fn failure_code(f: Failure) -> (Code, String) {
    match f {
        Failure::Malformed(m) => (Code::Malformed, m),
        Failure::Unsupported(m) => (Code::UnsupportedAlgorithm, m),
        Failure::Mismatch(m) => (Code::SignatureMismatch, m),
    }
}

pub(super) fn describe_certificate(
    c: &mut SignatureCheck,
    x509: &X509,
    cert: &x509_cert::Certificate,
) {
    c.name = path::common_name(x509);
    c.organisation = path::organisation(x509);
    c.subject = super::super::subject(cert);
    c.issuer = cert.tbs_certificate().issuer().to_string();
    c.serial = super::super::serial_hex(cert);
}

/// PAdES B-B: `ETSI.CAdES.detached`, a signing-certificate(-v2) attribute and no
/// signing-time attribute (the time is the dictionary's `/M`); B-T adds a signature
/// time-stamp token as an unsigned attribute (ETSI EN 319 142-1, 6.3).
pub(super) fn level(sub_filter: &str, info: &cms::signed_data::SignerInfo) -> String {
    const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
    let signed: Vec<String> = info
        .signed_attrs
        .iter()
        .flat_map(|a| a.iter())
        .map(|a| a.oid.to_string())
        .collect();
    let unsigned: Vec<String> = info
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .map(|a| a.oid.to_string())
        .collect();
    let has = |v: &[String], oid: &str| v.iter().any(|o| o == oid);
    let v2 = super::super::cms::ID_SIGNING_CERTIFICATE_V2.to_string();
    if sub_filter != "ETSI.CAdES.detached" {
        return format!("CMS ({sub_filter})");
    }
    if !(has(&signed, &v2) || has(&signed, SIGNING_CERTIFICATE)) || has(&signed, ID_SIGNING_TIME) {
        return "CAdES, không đạt PAdES baseline".into();
    }
    if has(
        &unsigned,
        &super::super::cms::ID_SIGNATURE_TIME_STAMP_TOKEN.to_string(),
    ) {
        "PAdES B-T".into()
    } else {
        "PAdES B-B".into()
    }
}

pub(super) const ID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";

/// The CMS signing-time attribute, ISO 8601 +07:00.
pub(super) fn signing_time(info: &cms::signed_data::SignerInfo) -> Option<String> {
    let t = info
        .signed_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid.to_string() == ID_SIGNING_TIME)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())?;
    DateTime::from_timestamp(t.to_unix_duration().as_secs() as i64, 0)
        .map(super::super::vietnam_time)
}

/// How many times `needle` occurs in `hay`.
pub(super) fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` as ISO 8601 in Vietnam time.
pub(super) fn pdf_date(raw: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(raw).ok()?.trim_start_matches("D:");
    let digits: String = s.chars().take(14).collect();
    if digits.len() < 14 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let naive = chrono::NaiveDateTime::parse_from_str(&digits, "%Y%m%d%H%M%S").ok()?;
    let rest = &s[14..];
    let offset_secs = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: String = rest[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let h: i32 = nums.get(0..2)?.parse().ok()?;
            let m: i32 = nums.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let v = h * 3600 + m * 60;
            if sign == '-' { -v } else { v }
        }
        _ => 0,
    };
    let offset = chrono::FixedOffset::east_opt(offset_secs)?;
    let at = naive.and_local_timezone(offset).single()?;
    Some(super::super::vietnam_time(at.with_timezone(&Utc)))
}
