//! Reading back every signature of a PDF, whoever made it: who signed (the certificate's
//! subject, issuer, serial), when, whether the signed bytes are intact, whether they
//! cover the whole file up to that revision, what was added after, and whether the
//! chain reaches a trusted root.

use lopdf::Object;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::der::Encode;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::cms::{ID_MESSAGE_DIGEST, ID_SHA256, ID_SHA384, ID_SHA512, Parsed};
use super::keys::{ECDSA_WITH_SHA256, SHA256_WITH_RSA, Trust};
use super::{serial_hex, subject};

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const ID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";

/// Every signature of one PDF.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file's size in bytes.
    pub size: usize,
    pub signatures: Vec<SignatureCheck>,
}

/// One signature, checked.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    /// The field's name (`/T`), when the signature sits in a field.
    pub field: String,
    pub sub_filter: String,
    /// The baseline level the signature's structure meets (`PAdES B-B`, `PAdES B-T`),
    /// or what it is otherwise (e.g. `CMS (adbe.pkcs7.detached)`).
    pub level: String,
    /// The signer's certificate subject, issuer and serial ("" when not found).
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// The signing time claimed (`/M`, or the CMS signing-time), ISO 8601 +07:00.
    pub signed_at: Option<String>,
    /// The time of the signature's RFC 3161 timestamp (PAdES B-T), when it has one
    /// that stamps this very signature value.
    pub timestamp: Option<String>,
    /// The digest of the signed bytes equals the signed one and the signature verifies
    /// with the certificate's key.
    pub intact: bool,
    /// Why it is not intact.
    pub problem: Option<String>,
    /// The byte range is the whole file up to the end of a revision (`%%EOF`).
    pub covers_revision: bool,
    /// The byte range reaches the end of the file: nothing was added after it.
    pub covers_whole_file: bool,
    /// Bytes after the signed revision, and how many later revisions and signatures.
    pub later_bytes: usize,
    pub later_revisions: usize,
    pub later_signatures: usize,
    /// The certificate chain, from the signer up (subjects).
    pub chain: Vec<String>,
    /// The chain ends at a root of the trust store.
    pub trusted: bool,
}

impl SignatureCheck {
    /// A signature of field `field` not checked yet: nothing known, nothing valid.
    fn unread(field: String) -> SignatureCheck {
        SignatureCheck {
            field,
            sub_filter: String::new(),
            level: String::new(),
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            signed_at: None,
            timestamp: None,
            intact: false,
            problem: None,
            covers_revision: false,
            covers_whole_file: false,
            later_bytes: 0,
            later_revisions: 0,
            later_signatures: 0,
            chain: vec![],
            trusted: false,
        }
    }

    /// Intact, covering its revision, with only signatures added after, and trusted.
    pub fn valid(&self) -> bool {
        self.intact
            && self.covers_revision
            && self.trusted
            && self.later_revisions <= self.later_signatures
    }
}

impl Report {
    /// Whether the file has signatures and every one is valid.
    pub fn all_valid(&self) -> bool {
        !self.signatures.is_empty() && self.signatures.iter().all(SignatureCheck::valid)
    }

    /// The report in Vietnamese, one block per signature.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if self.signatures.is_empty() {
            out.push_str("Tệp không có chữ ký số nào.\n");
            return out;
        }
        out.push_str(&format!(
            "Tệp có {} chữ ký số ({} byte).\n",
            self.signatures.len(),
            self.size
        ));
        for (i, s) in self.signatures.iter().enumerate() {
            out.push_str(&format!("\nChữ ký {} ({}):\n", i + 1, s.field));
            out.push_str(&format!("  Người ký: {}\n", s.subject));
            out.push_str(&format!("  Tổ chức cấp: {}\n", s.issuer));
            out.push_str(&format!("  Số hiệu chứng thư: {}\n", s.serial));
            out.push_str(&format!(
                "  Thời gian ký: {}\n",
                s.signed_at.as_deref().unwrap_or("không ghi")
            ));
            out.push_str(&format!("  Định dạng: {} ({})\n", s.level, s.sub_filter));
            if let Some(t) = &s.timestamp {
                out.push_str(&format!("  Dấu thời gian: {t}\n"));
            }
            match (&s.problem, s.intact) {
                (_, true) => out.push_str("  Nội dung được ký: nguyên vẹn\n"),
                (Some(p), false) => {
                    out.push_str(&format!("  Nội dung được ký: KHÔNG nguyên vẹn ({p})\n"))
                }
                (None, false) => out.push_str("  Nội dung được ký: KHÔNG nguyên vẹn\n"),
            }
            if s.covers_whole_file {
                out.push_str("  Phạm vi: toàn bộ tệp\n");
            } else if s.covers_revision {
                out.push_str(&format!(
                    "  Phạm vi: tệp đến phiên bản đã ký; sau đó thêm {} byte trong {} lần cập nhật ({} chữ ký số khác)\n",
                    s.later_bytes, s.later_revisions, s.later_signatures
                ));
                if s.later_revisions > s.later_signatures {
                    out.push_str("  Cảnh báo: sau chữ ký có thay đổi không phải chữ ký số\n");
                }
            } else {
                out.push_str("  Phạm vi: KHÔNG trọn một phiên bản của tệp\n");
            }
            out.push_str(&format!("  Chuỗi chứng thư: {}\n", s.chain.join(" → ")));
            out.push_str(if s.trusted {
                "  Tin cậy: có (đến chứng thư gốc đã cấu hình)\n"
            } else {
                "  Tin cậy: KHÔNG (không đến chứng thư gốc nào đã cấu hình)\n"
            });
            out.push_str(if s.valid() {
                "  Kết luận: HỢP LỆ\n"
            } else {
                "  Kết luận: KHÔNG HỢP LỆ\n"
            });
        }
        out
    }
}

/// The most signature dictionaries a file may hold: checking one hashes the file up to
/// it, so the work grows with their number (a file with 20,000 of them went on for
/// 100 s after its request had timed out). A real document carries two or three.
pub const MAX_SIGNATURES: usize = 64;

/// Why a file could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("tệp không phải PDF đọc được: {0}")]
    NotPdf(String),
    #[error(
        "tệp có {0} từ điển chữ ký số, quá giới hạn {MAX_SIGNATURES}: không phải văn bản hành chính bình thường, không kiểm tra"
    )]
    TooManySignatures(usize),
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
    let started = std::time::Instant::now();
    let over =
        || (started.elapsed() > within).then(|| VerifyError::Deadline(within.as_secs().max(1)));
    let mentions = count(pdf, b"/ByteRange");
    if mentions > MAX_SIGNATURES {
        return Err(VerifyError::TooManySignatures(mentions));
    }
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| VerifyError::NotPdf(e.to_string()))?;
    if let Some(e) = over() {
        return Err(e);
    }
    let eofs = revision_ends(pdf);
    // Field names by the signature value they point at.
    let mut names = std::collections::HashMap::new();
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
        let (Ok(range), Ok(contents)) = (d.get(b"ByteRange"), d.get(b"Contents")) else {
            continue;
        };
        if found.len() == MAX_SIGNATURES {
            return Err(VerifyError::TooManySignatures(found.len() + 1));
        }
        let Ok(range) = range.as_array() else {
            continue;
        };
        let range: Vec<i64> = range.iter().filter_map(|o| o.as_i64().ok()).collect();
        let Ok(contents) = contents.as_str() else {
            continue;
        };
        let sub_filter = d
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).to_string())
            .unwrap_or_default();
        let m = d.get(b"M").and_then(Object::as_str).ok().and_then(pdf_date);
        let field = names.get(id).cloned().unwrap_or_default();
        found.push((range, contents.to_vec(), sub_filter, m, field));
    }
    // Where each signed range ends (a hostile file's numbers may be anything).
    let end_of = |r: &[i64]| {
        r.get(2)
            .copied()
            .unwrap_or(0)
            .saturating_add(r.get(3).copied().unwrap_or(0))
            .max(0) as usize
    };
    found.sort_by_key(|(r, ..)| end_of(r));
    let ends: Vec<usize> = found.iter().map(|(r, ..)| end_of(r)).collect();
    let mut signatures = vec![];
    for (i, (range, contents, sub_filter, m, field)) in found.into_iter().enumerate() {
        if let Some(e) = over() {
            return Err(e);
        }
        let end = ends[i];
        let later_signatures = ends.iter().filter(|&&e| e > end).count();
        signatures.push(check_one(
            pdf,
            &range,
            &contents,
            sub_filter,
            m,
            field,
            trust,
            &eofs,
            later_signatures,
        ));
    }
    // Signature dictionaries in the file that the parser could not read (a /ByteRange
    // with numbers past 2^64 makes the whole object unreadable): broken signatures, not
    // no signatures.
    for _ in signatures.len()..mentions {
        signatures.push(SignatureCheck {
            problem: Some(
                "từ điển chữ ký số không đọc được (/ByteRange sai dạng hoặc số quá lớn)".into(),
            ),
            ..SignatureCheck::unread(String::new())
        });
    }
    Ok(Report {
        size: pdf.len(),
        signatures,
    })
}

#[allow(clippy::too_many_arguments)]
fn check_one(
    pdf: &[u8],
    range: &[i64],
    contents: &[u8],
    sub_filter: String,
    m: Option<String>,
    field: String,
    trust: &Trust,
    eofs: &[(usize, usize)],
    later_signatures: usize,
) -> SignatureCheck {
    let mut check = SignatureCheck {
        sub_filter,
        signed_at: m,
        later_signatures,
        ..SignatureCheck::unread(field)
    };
    let valid_range = range.len() == 4
        && range.iter().all(|&n| n >= 0)
        && range[0] == 0
        && range[1] < range[2]
        && (range[2].saturating_add(range[3]) as usize) <= pdf.len();
    if !valid_range {
        check.problem = Some("/ByteRange sai".into());
        return check;
    }
    let (b, c, d) = (range[1] as usize, range[2] as usize, range[3] as usize);
    let end = c + d;
    check.covers_whole_file = end == pdf.len();
    check.covers_revision = eofs
        .iter()
        .any(|&(plain, full)| end == plain || end == full);
    check.later_bytes = pdf.len() - end;
    check.later_revisions = eofs.iter().filter(|&&(plain, _)| plain > end).count();
    // The gap must be exactly the /Contents hex string.
    if pdf.get(b) != Some(&b'<') || pdf.get(c - 1) != Some(&b'>') {
        check.problem = Some("/ByteRange không bao quanh đúng /Contents".into());
        return check;
    }
    let parsed = match Parsed::from_der(contents) {
        Ok(p) => p,
        Err(e) => {
            check.problem = Some(format!("không đọc được CMS: {e}"));
            return check;
        }
    };
    let certs = parsed.certificates();
    let Some(info) = parsed.signed.signer_infos.0.iter().next() else {
        check.problem = Some("CMS không có người ký".into());
        return check;
    };
    let signer = match &info.sid {
        cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(is) => certs.iter().find(|c| {
            c.tbs_certificate().issuer() == &is.issuer
                && c.tbs_certificate().serial_number() == &is.serial_number
        }),
        cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(ski) => certs.iter().find(|c| {
            c.tbs_certificate()
                .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, k)| k.0 == ski.0)
        }),
    };
    let Some(signer) = signer else {
        check.problem = Some("CMS không kèm chứng thư của người ký".into());
        return check;
    };
    check.subject = subject(signer);
    check.issuer = signer.tbs_certificate().issuer().to_string();
    check.serial = serial_hex(signer);
    let (chain, trusted) = chain_of(signer, &certs, trust);
    check.chain = chain;
    check.trusted = trusted;

    let digest_oid = info.digest_alg.oid;
    let digest = {
        let parts = [&pdf[..b], &pdf[c..end]];
        if digest_oid == ID_SHA256 {
            hash::<Sha256>(&parts)
        } else if digest_oid == ID_SHA384 {
            hash::<Sha384>(&parts)
        } else if digest_oid == ID_SHA512 {
            hash::<Sha512>(&parts)
        } else {
            check.problem = Some(format!("thuật toán băm {digest_oid} chưa hỗ trợ"));
            return check;
        }
    };
    let Some(attrs) = &info.signed_attrs else {
        check.problem = Some("CMS không có thuộc tính được ký".into());
        return check;
    };
    let signed_digest = attrs
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .map(|v| v.value().to_vec());
    if let Some(t) = attrs
        .iter()
        .find(|a| a.oid.to_string() == ID_SIGNING_TIME)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())
        && check.signed_at.is_none()
    {
        check.signed_at =
            chrono::DateTime::from_timestamp(t.to_unix_duration().as_secs() as i64, 0)
                .map(super::vietnam_time);
    }
    check.level = level(&check.sub_filter, info);
    check.timestamp = timestamp_of(info);
    if signed_digest.as_deref() != Some(&digest[..]) {
        check.problem = Some("mã băm của tệp khác mã băm đã ký: tệp đã bị sửa".into());
        return check;
    }
    let Ok(to_verify) = attrs.to_der() else {
        check.problem = Some("không mã hóa lại được thuộc tính".into());
        return check;
    };
    match verify_signature(
        signer.tbs_certificate().subject_public_key_info(),
        &info.signature_algorithm.oid.to_string(),
        &digest_oid.to_string(),
        &to_verify,
        info.signature.as_bytes(),
    ) {
        Ok(()) => check.intact = true,
        Err(e) => check.problem = Some(e),
    }
    check
}

/// PAdES B-B: `ETSI.CAdES.detached`, a signing-certificate(-v2) attribute and no
/// signing-time attribute (the time is the dictionary's `/M`); B-T adds a signature
/// time-stamp token as an unsigned attribute (ETSI EN 319 142-1, 6.3).
fn level(sub_filter: &str, info: &cms::signed_data::SignerInfo) -> String {
    const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
    const TIME_STAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
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
    let v2 = super::cms::ID_SIGNING_CERTIFICATE_V2.to_string();
    if sub_filter != "ETSI.CAdES.detached" {
        return format!("CMS ({sub_filter})");
    }
    if !(has(&signed, &v2) || has(&signed, SIGNING_CERTIFICATE)) || has(&signed, ID_SIGNING_TIME) {
        return "CAdES, không đạt PAdES baseline".into();
    }
    if has(&unsigned, TIME_STAMP_TOKEN) {
        "PAdES B-T".into()
    } else {
        "PAdES B-B".into()
    }
}

/// The time of the signature-time-stamp-token, when the token stamps this signature
/// value.
fn timestamp_of(info: &cms::signed_data::SignerInfo) -> Option<String> {
    let attr = info
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == super::cms::ID_SIGNATURE_TIME_STAMP_TOKEN)?;
    let token = attr.values.iter().next()?.to_der().ok()?;
    super::tsa::token_time(&token, info.signature.as_bytes())
}

/// How many times `needle` occurs in `hay`.
fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

fn hash<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// Verifies `signature` over `message` with the key of `spki`, for the CMS or X.509
/// `algorithm` (and, for a bare rsaEncryption, the `digest` of the signer info).
fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &str,
    digest: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use ring::signature as rs;
    let rsa_for = |d: &str| -> &'static dyn rs::VerificationAlgorithm {
        if d == ID_SHA384.to_string() {
            &rs::RSA_PKCS1_2048_8192_SHA384
        } else if d == ID_SHA512.to_string() {
            &rs::RSA_PKCS1_2048_8192_SHA512
        } else {
            &rs::RSA_PKCS1_2048_8192_SHA256
        }
    };
    let alg: &'static dyn rs::VerificationAlgorithm = match algorithm {
        a if a == SHA256_WITH_RSA.to_string() => &rs::RSA_PKCS1_2048_8192_SHA256,
        SHA384_WITH_RSA => &rs::RSA_PKCS1_2048_8192_SHA384,
        SHA512_WITH_RSA => &rs::RSA_PKCS1_2048_8192_SHA512,
        RSA_ENCRYPTION => rsa_for(digest),
        a if a == ECDSA_WITH_SHA256.to_string() => &rs::ECDSA_P256_SHA256_ASN1,
        ECDSA_WITH_SHA384 => &rs::ECDSA_P384_SHA384_ASN1,
        _ => return Err(format!("thuật toán ký {algorithm} chưa hỗ trợ")),
    };
    rs::UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes())
        .verify(message, signature)
        .map_err(|_| "chữ ký không khớp với khóa công khai của chứng thư".to_string())
}

/// The chain from `leaf` up through the embedded certificates and the trust store, and
/// whether it ends at a trusted root (every link's signature checked).
fn chain_of(leaf: &Certificate, embedded: &[Certificate], trust: &Trust) -> (Vec<String>, bool) {
    let mut chain = vec![subject(leaf)];
    let mut current = leaf.clone();
    for _ in 0..8 {
        if trust.roots.iter().any(|r| r == &current) {
            return (chain, true);
        }
        let tbs = current.tbs_certificate();
        let issuer = trust
            .roots
            .iter()
            .chain(embedded)
            .find(|c| c.tbs_certificate().subject() == tbs.issuer() && signed_by(&current, c));
        match issuer {
            Some(i) if i != &current => {
                chain.push(subject(i));
                current = i.clone();
            }
            // Self-signed and not trusted, or no issuer found.
            _ => return (chain, false),
        }
    }
    (chain, false)
}

/// Whether `cert` carries a valid signature of `issuer`'s key.
pub(crate) fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(tbs) = cert.tbs_certificate().to_der() else {
        return false;
    };
    let Some(sig) = cert.signature().as_bytes() else {
        return false;
    };
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &cert.signature_algorithm().oid.to_string(),
        &ID_SHA256.to_string(),
        &tbs,
        sig,
    )
    .is_ok()
}

/// Where each revision ends: just after its `%%EOF` marker, and after the end of line
/// that follows it (CR, LF or CRLF), which a byte range may or may not include.
fn revision_ends(pdf: &[u8]) -> Vec<(usize, usize)> {
    let mut ends = vec![];
    let mut from = 0;
    while let Some(p) = super::pades::find(&pdf[from..], b"%%EOF") {
        let mut end = from + p + 5;
        let plain = end;
        if pdf.get(end) == Some(&b'\r') {
            end += 1;
        }
        if pdf.get(end) == Some(&b'\n') {
            end += 1;
        }
        ends.push((plain, end));
        from = end;
    }
    ends
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` as ISO 8601 in Vietnam time.
fn pdf_date(raw: &[u8]) -> Option<String> {
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
    Some(super::vietnam_time(at.with_timezone(&chrono::Utc)))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn revisions_end_after_each_eof_with_or_without_its_line_break() {
        let pdf = b"%PDF-1.7\n...%%EOF\nupdate%%EOF\r\nlast%%EOF";
        let ends = revision_ends(pdf);
        assert_eq!(ends.len(), 3);
        assert_eq!(ends[0], (17, 18));
        assert_eq!(&pdf[ends[1].0 - 5..ends[1].1], b"%%EOF\r\n");
        assert_eq!(ends[2], (pdf.len(), pdf.len()));
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
