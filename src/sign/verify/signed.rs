//! The cryptography of one CMS `SignedData`, for a PDF signature and an RFC 3161
//! timestamp token alike: which certificate signed, the digest of the signed content
//! against the `message-digest` attribute, the `signing-certificate` attribute against
//! that certificate, and the signature value with its key (OpenSSL).
//!
//! Algorithms: RSA PKCS#1 v1.5 and RSASSA-PSS, ECDSA on P-256, P-384 and P-521, each
//! with SHA-224, SHA-256, SHA-384 or SHA-512. Anything else is *unsupported* and said
//! so, never reported as a signature that does not match.

use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::Sequence;
use openssl::hash::{Hasher, MessageDigest};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};
use openssl::x509::X509;
use x509_cert::Certificate;
use x509_cert::der::asn1::{ObjectIdentifier, OctetString};
use x509_cert::der::{Any, Encode, Tag, Tagged};
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::super::cms::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, Parsed};

/// Why a `SignedData` does not stand.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// Not a well-formed signature (the message says what is missing).
    Malformed(String),
    /// An algorithm vanthu does not check.
    Unsupported(String),
    /// The signed content or the signature value does not match.
    Mismatch(String),
}

/// What checking one `SignedData` found.
pub(super) struct Checked {
    /// The signing certificate, when the signature names one it carries.
    pub signer: Option<(X509, Certificate)>,
    /// Every certificate the signature carries (for building the path).
    pub embedded: Vec<X509>,
    /// The signature algorithm in words, e.g. "RSA PKCS#1 v1.5, SHA-256".
    pub algorithm: String,
    pub failure: Option<Failure>,
    pub info: Option<SignerInfo>,
}

const SHA1: &str = "1.3.14.3.2.26";
const SHA224: &str = "2.16.840.1.101.3.4.2.4";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const MGF1: &str = "1.2.840.113549.1.1.8";
const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
const SHA224_WITH_RSA: &str = "1.2.840.113549.1.1.14";
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ECDSA_WITH_SHA224: &str = "1.2.840.10045.4.3.1";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";

/// A digest algorithm by OID: its OpenSSL digest and its name.
pub(super) fn digest_of(oid: &str) -> Result<(MessageDigest, &'static str), Failure> {
    match oid {
        SHA224 => Ok((MessageDigest::sha224(), "SHA-224")),
        SHA256 => Ok((MessageDigest::sha256(), "SHA-256")),
        SHA384 => Ok((MessageDigest::sha384(), "SHA-384")),
        SHA512 => Ok((MessageDigest::sha512(), "SHA-512")),
        SHA1 => Err(Failure::Unsupported(
            "thuật toán băm SHA-1 không còn an toàn, không được chấp nhận".into(),
        )),
        other => Err(Failure::Unsupported(format!(
            "thuật toán băm {other} chưa được hỗ trợ"
        ))),
    }
}

/// The digest of `parts` (in order) with `md`.
pub(super) fn hash(md: MessageDigest, parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Hasher::new(md).expect("a digest OpenSSL names");
    for p in parts {
        h.update(p).expect("hashing in memory");
    }
    h.finish().expect("hashing in memory").to_vec()
}

/// Checks the first signer of `parsed` over `content` (the signed bytes, in parts).
pub(super) fn check(parsed: &Parsed, content: &[&[u8]]) -> Checked {
    let embedded: Vec<X509> = parsed
        .certificates()
        .iter()
        .filter_map(|c| c.to_der().ok().and_then(|d| X509::from_der(&d).ok()))
        .collect();
    let mut out = Checked {
        signer: None,
        embedded,
        algorithm: String::new(),
        failure: None,
        info: None,
    };
    let certs = parsed.certificates();
    let Some(info) = parsed.signed.signer_infos.0.iter().next() else {
        out.failure = Some(Failure::Malformed("CMS không có người ký".into()));
        return out;
    };
    out.info = Some(info.clone());
    let signer = match &info.sid {
        SignerIdentifier::IssuerAndSerialNumber(is) => certs.iter().find(|c| {
            c.tbs_certificate().issuer() == &is.issuer
                && c.tbs_certificate().serial_number() == &is.serial_number
        }),
        SignerIdentifier::SubjectKeyIdentifier(ski) => certs.iter().find(|c| {
            c.tbs_certificate()
                .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, k)| k.0 == ski.0)
        }),
    };
    let Some(signer) = signer else {
        out.failure = Some(Failure::Malformed(
            "chữ ký không kèm chứng thư số của người ký".into(),
        ));
        return out;
    };
    let Some(x509) = signer.to_der().ok().and_then(|d| X509::from_der(&d).ok()) else {
        out.failure = Some(Failure::Malformed("chứng thư số của người ký hỏng".into()));
        return out;
    };
    out.signer = Some((x509.clone(), signer.clone()));
    if let Err(f) = verify_info(
        info,
        &parsed.signed.encap_content_info.econtent_type,
        &x509,
        signer,
        content,
        &mut out.algorithm,
    ) {
        out.failure = Some(f);
    }
    out
}

fn verify_info(
    info: &SignerInfo,
    content_type: &ObjectIdentifier,
    x509: &X509,
    cert: &Certificate,
    content: &[&[u8]],
    algorithm: &mut String,
) -> Result<(), Failure> {
    let (md, md_name) = digest_of(&info.digest_alg.oid.to_string())?;
    let key = x509.public_key().map_err(|_| {
        Failure::Unsupported("khóa công khai của chứng thư chưa được hỗ trợ".into())
    })?;
    let scheme = Scheme::of(&info.signature_algorithm, md, &key)?;
    *algorithm = format!("{}, {md_name}", scheme.name);
    let digest = hash(md, content);
    let Some(attrs) = &info.signed_attrs else {
        // No signed attributes: the signature is over the content itself.
        return scheme.verify(&key, content, info.signature.as_bytes());
    };
    let attr = |oid: &str| {
        attrs
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .and_then(|a| a.values.iter().next())
    };
    let signed_type = attr(&ID_CONTENT_TYPE.to_string())
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| Failure::Malformed("thiếu thuộc tính content-type".into()))?;
    if &signed_type != content_type {
        return Err(Failure::Mismatch(
            "thuộc tính content-type khác loại nội dung được ký".into(),
        ));
    }
    let signed_digest = attr(&ID_MESSAGE_DIGEST.to_string())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| Failure::Malformed("thiếu thuộc tính message-digest".into()))?;
    if signed_digest.as_bytes() != digest.as_slice() {
        return Err(Failure::Mismatch(
            "mã băm của nội dung khác mã băm đã ký: tệp đã bị sửa".into(),
        ));
    }
    signing_certificate(
        attr(SIGNING_CERTIFICATE_V2),
        attr(SIGNING_CERTIFICATE),
        cert,
    )?;
    let der = attrs
        .to_der()
        .map_err(|_| Failure::Malformed("không mã hóa lại được thuộc tính được ký".into()))?;
    scheme.verify(&key, &[&der], info.signature.as_bytes())
}

/// The signing-certificate(-v2) attribute, when present, names the certificate that
/// signed (its hash): otherwise a certificate could be swapped for another with the
/// same key.
fn signing_certificate(
    v2: Option<&Any>,
    v1: Option<&Any>,
    cert: &Certificate,
) -> Result<(), Failure> {
    let (value, default_md) = match (v2, v1) {
        (Some(v), _) => (v, MessageDigest::sha256()),
        (None, Some(v)) => (v, MessageDigest::sha1()),
        (None, None) => return Ok(()),
    };
    let bad = || Failure::Malformed("thuộc tính signing-certificate hỏng".into());
    let outer: Vec<Any> = value.decode_as().map_err(|_| bad())?;
    let ids: Vec<Any> = outer
        .first()
        .ok_or_else(bad)?
        .decode_as()
        .map_err(|_| bad())?;
    let first: Vec<Any> = ids
        .first()
        .ok_or_else(bad)?
        .decode_as()
        .map_err(|_| bad())?;
    let (md, hash_at) = match first.first() {
        Some(a) if a.tag() == Tag::Sequence => {
            let alg: AlgorithmIdentifierOwned = a.decode_as().map_err(|_| bad())?;
            (digest_of(&alg.oid.to_string())?.0, 1)
        }
        _ => (default_md, 0),
    };
    let expected: OctetString = first
        .get(hash_at)
        .ok_or_else(bad)?
        .decode_as()
        .map_err(|_| bad())?;
    let der = cert.to_der().map_err(|_| bad())?;
    if hash(md, &[&der]) != expected.as_bytes() {
        return Err(Failure::Mismatch(
            "thuộc tính signing-certificate không khớp chứng thư số đi kèm".into(),
        ));
    }
    Ok(())
}

/// RSASSA-PSS-params (RFC 4055).
#[derive(Clone, Debug, Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

/// How a signature value is checked.
struct Scheme {
    md: MessageDigest,
    pss: Option<(MessageDigest, i32)>,
    name: String,
}

impl Scheme {
    /// The scheme of `algorithm` (the digest `md` of the signer info for the bare key
    /// algorithms), for `key`.
    fn of(
        algorithm: &AlgorithmIdentifierOwned,
        md: MessageDigest,
        key: &PKey<Public>,
    ) -> Result<Scheme, Failure> {
        let oid = algorithm.oid.to_string();
        let rsa = |md: MessageDigest| Scheme {
            md,
            pss: None,
            name: "RSA PKCS#1 v1.5".into(),
        };
        let ecdsa = |md: MessageDigest| Scheme {
            md,
            pss: None,
            name: "ECDSA".into(),
        };
        let scheme = match oid.as_str() {
            RSA_ENCRYPTION => rsa(md),
            SHA224_WITH_RSA => rsa(MessageDigest::sha224()),
            SHA256_WITH_RSA => rsa(MessageDigest::sha256()),
            SHA384_WITH_RSA => rsa(MessageDigest::sha384()),
            SHA512_WITH_RSA => rsa(MessageDigest::sha512()),
            SHA1_WITH_RSA => {
                return Err(Failure::Unsupported(
                    "thuật toán ký sha1WithRSAEncryption không còn an toàn, không được chấp nhận"
                        .into(),
                ));
            }
            RSA_PSS => {
                let params: PssParams = algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as().ok())
                    .ok_or_else(|| Failure::Malformed("tham số RSASSA-PSS hỏng".into()))?;
                let hash_oid = params
                    .hash
                    .map(|h| h.oid.to_string())
                    .unwrap_or(SHA1.into());
                let (pss_md, _) = digest_of(&hash_oid)?;
                let mgf_md = match params.mask {
                    None => digest_of(SHA1)?.0,
                    Some(m) if m.oid.to_string() == MGF1 => {
                        let inner: AlgorithmIdentifierOwned = m
                            .parameters
                            .as_ref()
                            .and_then(|p| p.decode_as().ok())
                            .ok_or_else(|| Failure::Malformed("tham số MGF1 hỏng".into()))?;
                        digest_of(&inner.oid.to_string())?.0
                    }
                    Some(m) => {
                        return Err(Failure::Unsupported(format!(
                            "hàm sinh mặt nạ {} của RSASSA-PSS chưa được hỗ trợ",
                            m.oid
                        )));
                    }
                };
                if params.trailer.is_some_and(|t| t != 1) {
                    return Err(Failure::Unsupported(
                        "trường trailer của RSASSA-PSS khác 1".into(),
                    ));
                }
                Scheme {
                    md: pss_md,
                    pss: Some((mgf_md, params.salt.unwrap_or(20) as i32)),
                    name: "RSASSA-PSS".into(),
                }
            }
            EC_PUBLIC_KEY => ecdsa(md),
            ECDSA_WITH_SHA224 => ecdsa(MessageDigest::sha224()),
            ECDSA_WITH_SHA256 => ecdsa(MessageDigest::sha256()),
            ECDSA_WITH_SHA384 => ecdsa(MessageDigest::sha384()),
            ECDSA_WITH_SHA512 => ecdsa(MessageDigest::sha512()),
            other => {
                return Err(Failure::Unsupported(format!(
                    "thuật toán ký {other} chưa được hỗ trợ"
                )));
            }
        };
        // The key must be of the algorithm's kind, and of a size and curve checked here.
        match key.id() {
            Id::RSA if scheme.name != "ECDSA" => {
                let bits = key.bits();
                if bits < 2048 {
                    return Err(Failure::Unsupported(format!(
                        "khóa RSA {bits} bit quá ngắn (cần từ 2048 bit)"
                    )));
                }
            }
            Id::EC if scheme.name == "ECDSA" => {
                let curve = key.ec_key().ok().and_then(|k| k.group().curve_name());
                if !matches!(
                    curve,
                    Some(Nid::X9_62_PRIME256V1) | Some(Nid::SECP384R1) | Some(Nid::SECP521R1)
                ) {
                    return Err(Failure::Unsupported(
                        "đường cong elliptic của khóa chưa được hỗ trợ (chỉ P-256, P-384, P-521)"
                            .into(),
                    ));
                }
            }
            _ => {
                return Err(Failure::Malformed(
                    "khóa của chứng thư số không hợp với thuật toán ký ghi trong chữ ký".into(),
                ));
            }
        }
        Ok(scheme)
    }

    fn verify(
        &self,
        key: &PKey<Public>,
        message: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), Failure> {
        let unsupported =
            |_| Failure::Unsupported(format!("không kiểm tra được chữ ký {}", self.name));
        let mut v = Verifier::new(self.md, key).map_err(unsupported)?;
        if let Some((mgf, salt)) = self.pss {
            v.set_rsa_padding(Padding::PKCS1_PSS).map_err(unsupported)?;
            v.set_rsa_mgf1_md(mgf).map_err(unsupported)?;
            v.set_rsa_pss_saltlen(RsaPssSaltlen::custom(salt))
                .map_err(unsupported)?;
        }
        for part in message {
            v.update(part).map_err(unsupported)?;
        }
        match v.verify(signature) {
            Ok(true) => Ok(()),
            _ => Err(Failure::Mismatch(
                "giá trị chữ ký không khớp với khóa công khai của chứng thư số".into(),
            )),
        }
    }
}
