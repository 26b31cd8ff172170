//! RFC 3161 timestamps for PAdES B-T: the SHA-256 of a signature value is sent to a
//! time-stamping authority, and the token it returns becomes the signature's unsigned
//! `signature-time-stamp-token` attribute (ETSI EN 319 142-1).
//!
//! A token is accepted only when the authority granted it (status 0 or 1) and its
//! `TSTInfo` stamps exactly the hash that was sent, with the nonce that was sent.

use std::time::Duration;

use der::Sequence;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{Int, ObjectIdentifier, OctetString};
use x509_cert::der::{Any, Decode, Encode, Tagged};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::SignError;
use super::cms::{ID_SHA256, Parsed};

/// id-ct-TSTInfo (RFC 3161).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// `[signing.tsa]`: where timestamps come from.
///
/// ```toml
/// [signing.tsa]
/// url = "http://tsa.ca.gov.vn"   # the authority's RFC 3161 endpoint
/// fallback = false               # true: sign B-B (no timestamp) when it does not answer
/// timeout_secs = 10
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsaSetting {
    pub url: String,
    #[serde(default)]
    pub fallback: bool,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    10
}

#[derive(Clone, Debug, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    nonce: Option<Int>,
    cert_req: bool,
}

/// A granted timestamp token (a CMS `ContentInfo`) and the time it states.
pub struct Token {
    pub der: Vec<u8>,
    /// The authority's time, ISO 8601 in Vietnam time.
    pub time: String,
}

/// Whether the authority answers: a timestamp asked for a fixed hash, its time said
/// (`vanthu doctor`), or why not.
pub fn check(setting: &TsaSetting) -> Result<String, SignError> {
    let token = stamp(setting, b"vanthu doctor")?;
    Ok(format!(
        "máy chủ dấu thời gian {}: trả lời được, giờ {}",
        setting.url, token.time
    ))
}

/// Asks the authority at `setting.url` to stamp `signature` (a CMS signature value).
pub fn stamp(setting: &TsaSetting, signature: &[u8]) -> Result<Token, SignError> {
    stamp_hash(setting, Sha256::digest(signature).to_vec())
}

/// Asks the authority at `setting.url` to stamp `hash` (a SHA-256 digest).
pub fn stamp_hash(setting: &TsaSetting, hash: Vec<u8>) -> Result<Token, SignError> {
    let fail = |m: String| SignError::Tsa {
        url: setting.url.clone(),
        message: m,
    };
    let mut nonce_bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce_bytes)
        .map_err(|_| fail("không tạo được số ngẫu nhiên".into()))?;
    let nonce = nonce(nonce_bytes).map_err(|e| fail(e.to_string()))?;
    let imprint = MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        },
        hashed_message: OctetString::new(hash.clone()).map_err(|e| fail(e.to_string()))?,
    };
    let request = TimeStampReq {
        version: 1,
        message_imprint: imprint,
        nonce: Some(nonce.clone()),
        cert_req: true,
    }
    .to_der()
    .map_err(|e| fail(e.to_string()))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(setting.timeout_secs.max(1))))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&setting.url)
        .header("Content-Type", "application/timestamp-query")
        .send(&request[..])
        .map_err(|e| fail(format!("không kết nối được: {e}")))?;
    if !response.status().is_success() {
        return Err(fail(format!("máy chủ trả lời {}", response.status())));
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .map_err(|e| fail(format!("không đọc được câu trả lời: {e}")))?;
    let token = granted_token(&body).map_err(fail)?;
    let time = check_token(&token, &hash, &nonce).map_err(fail)?;
    Ok(Token { der: token, time })
}

/// The request's nonce from 8 random bytes: positive and minimally encoded, its first
/// byte forced into 0x40..=0x7f (a zero first byte made a non-DER INTEGER, which
/// authorities reject: 1 request in 128 failed).
fn nonce(mut bytes: [u8; 8]) -> Result<Int, x509_cert::der::Error> {
    bytes[0] = (bytes[0] & 0x3f) | 0x40;
    Int::new(&bytes)
}

/// The token of a TimeStampResp whose status grants it.
fn granted_token(body: &[u8]) -> Result<Vec<u8>, String> {
    let bad = |e: x509_cert::der::Error| format!("câu trả lời không phải TimeStampResp: {e}");
    let parts: Vec<Any> = Vec::<Any>::from_der(body).map_err(bad)?;
    let status_info: Vec<Any> = parts
        .first()
        .ok_or("câu trả lời rỗng")?
        .decode_as()
        .map_err(bad)?;
    let status: u8 = status_info
        .first()
        .ok_or("thiếu trạng thái")?
        .decode_as()
        .map_err(bad)?;
    if status > 1 {
        return Err(format!(
            "máy chủ từ chối cấp dấu thời gian (trạng thái {status})"
        ));
    }
    let token = parts.get(1).ok_or("câu trả lời không có dấu thời gian")?;
    token.to_der().map_err(bad)
}

/// Checks that `token` stamps `hash` with `nonce`; returns its time.
fn check_token(token: &[u8], hash: &[u8], nonce: &Int) -> Result<String, String> {
    let parsed = Parsed::from_der(token).map_err(|e| format!("dấu thời gian hỏng: {e}"))?;
    let info = tst_info(&parsed)?;
    if info.imprint != hash {
        return Err("dấu thời gian không đóng cho chữ ký này (mã băm khác)".into());
    }
    let nonce_der = nonce.to_der().map_err(|e| e.to_string())?;
    let fields: Vec<Any> =
        Vec::<Any>::from_der(&info.der).map_err(|e| format!("TSTInfo hỏng: {e}"))?;
    if !fields
        .iter()
        .any(|f| f.to_der().is_ok_and(|d| d == nonce_der))
    {
        return Err("dấu thời gian không mang số nonce đã gửi".into());
    }
    Ok(chrono::DateTime::from_timestamp(info.time, 0)
        .map(super::vietnam_time)
        .unwrap_or_default())
}

/// What a timestamp token's `TSTInfo` says, for verification.
pub(crate) struct TstInfo {
    /// The digest algorithm of the stamped hash (an OID) and the hash.
    pub imprint_algorithm: String,
    pub imprint: Vec<u8>,
    /// The authority's time (Unix seconds).
    pub time: i64,
    /// The DER of the `TSTInfo`: what the token's CMS signature covers.
    pub der: Vec<u8>,
}

/// Reads the `TSTInfo` of a parsed timestamp token.
pub(crate) fn tst_info(parsed: &Parsed) -> Result<TstInfo, String> {
    let encap = &parsed.signed.encap_content_info;
    if encap.econtent_type != ID_CT_TST_INFO {
        return Err("dấu thời gian không chứa TSTInfo".into());
    }
    let econtent = encap
        .econtent
        .as_ref()
        .ok_or("dấu thời gian không có nội dung")?;
    let bad = |e: x509_cert::der::Error| format!("TSTInfo hỏng: {e}");
    let inner = OctetString::from_der(&econtent.to_der().map_err(bad)?).map_err(bad)?;
    let fields: Vec<Any> = Vec::<Any>::from_der(inner.as_bytes()).map_err(bad)?;
    let field = |i: usize| fields.get(i).ok_or("TSTInfo thiếu trường".to_string());
    let imprint: MessageImprint = field(2)?.decode_as().map_err(bad)?;
    let time = generalized_time(field(4)?).ok_or("TSTInfo: genTime hỏng")?;
    Ok(TstInfo {
        imprint_algorithm: imprint.hash_algorithm.oid.to_string(),
        imprint: imprint.hashed_message.as_bytes().to_vec(),
        time,
        der: inner.as_bytes().to_vec(),
    })
}

/// The time of a token's `genTime` (Unix seconds): `YYYYMMDDHHMMSS`, fractions of a
/// second allowed (RFC 3161 §2.4.2; DER's GeneralizedTime has none), then `Z`.
fn generalized_time(any: &Any) -> Option<i64> {
    if any.tag() != x509_cert::der::Tag::GeneralizedTime {
        return None;
    }
    let text = std::str::from_utf8(any.value()).ok()?;
    let text = text.strip_suffix('Z')?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if whole.len() != 14 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen_times_with_fractions_of_a_second_are_read() {
        let at = |s: &str| {
            generalized_time(&Any::new(x509_cert::der::Tag::GeneralizedTime, s.as_bytes()).unwrap())
        };
        assert_eq!(at("20261205105335Z"), Some(1_796_468_015));
        assert_eq!(at("20261205105335.123456Z"), Some(1_796_468_015));
        assert_eq!(at("20261205105335"), None);
        assert_eq!(at("2026120510Z"), None);
        assert_eq!(at("20261205105335.x1Z"), None);
    }

    #[test]
    fn every_nonce_is_a_minimal_positive_der_integer() {
        for first in [0x00, 0x01, 0x3f, 0x7f, 0x80, 0xff] {
            let der = nonce([first, 0, 0, 0, 0, 0, 0, 1])
                .unwrap()
                .to_der()
                .unwrap();
            // INTEGER, 8 content bytes, the first neither 0x00 nor >= 0x80.
            assert_eq!(&der[..2], &[0x02, 0x08], "{first:#x}: {der:02x?}");
            assert!((0x40..=0x7f).contains(&der[2]), "{first:#x}: {der:02x?}");
            assert_eq!(Int::from_der(&der).unwrap().to_der().unwrap(), der);
        }
    }
}
