//! Certificate path validation (RFC 5280 §6) by OpenSSL's `X509_STORE`, at a given
//! time: each certificate within its validity then, every issuer a CA
//! (`basicConstraints cA`, `keyCertSign`) within its `pathLenConstraint`, no unknown
//! critical extension, every signature of the path, ending at a configured root. Then
//! what OpenSSL leaves to the application: the end certificate's key usage
//! (`digitalSignature` or `nonRepudiation` for a signer; the `timeStamping` extended
//! key usage for a time-stamping authority) and its extended key usage when present.

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::nid::Nid;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509Ref, X509StoreContext};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};

/// What the end certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A PDF signature's signer.
    Signature,
    /// A time-stamping authority (RFC 3161).
    Timestamp,
}

/// Why a path does not stand, with whose certificate.
#[derive(Debug, Clone)]
pub(super) enum CertProblem {
    /// No path to a configured root.
    Untrusted,
    Expired {
        who: String,
        until: DateTime<Utc>,
    },
    NotYetValid {
        who: String,
        from: DateTime<Utc>,
    },
    /// A certificate in an issuer's place that may not issue (not a CA, no keyCertSign).
    NotAnIssuer {
        who: String,
    },
    PathLength {
        who: String,
    },
    CriticalExtension {
        who: String,
    },
    /// The end certificate lacks the key usage of its purpose.
    KeyUsage {
        who: String,
        need: &'static str,
    },
    Other(String),
}

/// A validated (or refused) path.
pub(super) struct Path {
    /// Leaf first, as far as it was built.
    pub chain: Vec<X509>,
    pub problem: Option<CertProblem>,
}

// X509_V_ERR_* as the linked OpenSSL numbers them (some moved between 1.1 and 3).
use openssl_sys::{
    X509_V_ERR_CERT_HAS_EXPIRED as ERR_CERT_HAS_EXPIRED,
    X509_V_ERR_CERT_NOT_YET_VALID as ERR_CERT_NOT_YET_VALID,
    X509_V_ERR_CERT_SIGNATURE_FAILURE as ERR_CERT_SIGNATURE_FAILURE,
    X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT as ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    X509_V_ERR_INVALID_CA as ERR_INVALID_CA,
    X509_V_ERR_KEYUSAGE_NO_CERTSIGN as ERR_KEYUSAGE_NO_CERTSIGN,
    X509_V_ERR_PATH_LENGTH_EXCEEDED as ERR_PATH_LENGTH_EXCEEDED,
    X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN as ERR_SELF_SIGNED_CERT_IN_CHAIN,
    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT as ERR_UNABLE_TO_GET_ISSUER_CERT,
    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY as ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE as ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION as ERR_UNHANDLED_CRITICAL_EXTENSION,
};

const ANY_EKU: &str = "2.5.29.37.0";
const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// Extended key usages under which a certificate may sign documents.
const DOCUMENT_EKUS: [&str; 6] = [
    ANY_EKU,
    "1.3.6.1.5.5.7.3.4",       // emailProtection
    "1.3.6.1.5.5.7.3.2",       // clientAuth (Vietnamese CAs' personal certificates)
    "1.3.6.1.5.5.7.3.36",      // id-kp-documentSigning (RFC 9336)
    "1.2.840.113583.1.1.5",    // Adobe Authentic Documents Trust
    "1.3.6.1.4.1.311.10.3.12", // Microsoft document signing
];

/// Validates the path from `leaf` through `untrusted` to one of `roots` at `at`, for
/// `purpose`.
pub(super) fn validate(
    leaf: &X509,
    untrusted: &[X509],
    roots: &[X509],
    at: DateTime<Utc>,
    purpose: Purpose,
) -> Path {
    match build(leaf, untrusted, roots, at) {
        Ok((chain, None)) => {
            let problem = end_usage(leaf, purpose);
            Path { chain, problem }
        }
        Ok((chain, problem)) => Path { chain, problem },
        Err(e) => Path {
            chain: vec![leaf.clone()],
            problem: Some(CertProblem::Other(format!("lỗi thư viện OpenSSL: {e}"))),
        },
    }
}

type Built = (Vec<X509>, Option<CertProblem>);

fn build(
    leaf: &X509,
    untrusted: &[X509],
    roots: &[X509],
    at: DateTime<Utc>,
) -> Result<Built, openssl::error::ErrorStack> {
    let mut builder = X509StoreBuilder::new()?;
    for root in roots {
        builder.add_cert(root.clone())?;
    }
    let mut param = X509VerifyParam::new()?;
    param.set_time(at.timestamp() as _);
    param.set_depth(12);
    // A configured anchor may be an issuing CA, not only a self-signed root.
    param.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
    builder.set_param(&param)?;
    let store = builder.build();
    let mut stack = Stack::new()?;
    for c in untrusted {
        stack.push(c.clone())?;
    }
    let mut ctx = X509StoreContext::new()?;
    ctx.init(&store, leaf, &stack, |c| {
        let ok = c.verify_cert()?;
        let chain: Vec<X509> = c
            .chain()
            .map(|s| s.iter().map(|x| x.to_owned()).collect())
            .unwrap_or_default();
        if ok {
            return Ok((chain, None));
        }
        let who = c
            .current_cert()
            .map(|x| x.to_owned())
            .unwrap_or_else(|| leaf.clone());
        let name = common_name(&who);
        let chain = if chain.is_empty() {
            vec![leaf.clone()]
        } else {
            chain
        };
        let problem = match c.error().as_raw() {
            ERR_CERT_HAS_EXPIRED => CertProblem::Expired {
                until: time_of(who.not_after()),
                who: name,
            },
            ERR_CERT_NOT_YET_VALID => CertProblem::NotYetValid {
                from: time_of(who.not_before()),
                who: name,
            },
            ERR_UNABLE_TO_GET_ISSUER_CERT
            | ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            | ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
            | ERR_DEPTH_ZERO_SELF_SIGNED_CERT
            | ERR_SELF_SIGNED_CERT_IN_CHAIN => {
                // A would-be issuer that was passed over because it may not issue.
                match passed_over(&who, untrusted) {
                    Some(issuer) => CertProblem::NotAnIssuer {
                        who: common_name(&issuer),
                    },
                    None => CertProblem::Untrusted,
                }
            }
            ERR_INVALID_CA | ERR_KEYUSAGE_NO_CERTSIGN => CertProblem::NotAnIssuer { who: name },
            ERR_PATH_LENGTH_EXCEEDED => CertProblem::PathLength { who: name },
            ERR_UNHANDLED_CRITICAL_EXTENSION => CertProblem::CriticalExtension { who: name },
            ERR_CERT_SIGNATURE_FAILURE => CertProblem::Other(format!(
                "chữ ký của tổ chức cấp trên chứng thư số của {name} không đúng"
            )),
            _ => CertProblem::Other(format!(
                "chứng thư số của {name}: {}",
                c.error().error_string()
            )),
        };
        Ok((chain, Some(problem)))
    })
}

/// The embedded certificate named as `cert`'s issuer whose key signed it, but which is
/// not a CA or may not sign certificates (OpenSSL then reports only "no issuer").
fn passed_over(cert: &X509Ref, untrusted: &[X509]) -> Option<X509> {
    untrusted
        .iter()
        .find(|c| {
            c.subject_name()
                .try_cmp(cert.issuer_name())
                .is_ok_and(|o| o.is_eq())
                && c.public_key()
                    .is_ok_and(|k| cert.verify(&k).unwrap_or(false))
                && !may_issue(c)
        })
        .cloned()
}

/// Whether `cert` says it is a CA that signs certificates.
fn may_issue(cert: &X509Ref) -> bool {
    let Some(parsed) = parse(cert) else {
        return false;
    };
    let tbs = parsed.tbs_certificate();
    let ca = tbs
        .get_extension::<x509_cert::ext::pkix::BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, b)| b.ca);
    let signs = match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.key_cert_sign(),
        _ => true,
    };
    ca && signs
}

/// The end certificate's key usage and extended key usage for `purpose`.
fn end_usage(leaf: &X509, purpose: Purpose) -> Option<CertProblem> {
    let who = common_name(leaf);
    let Some(parsed) = parse(leaf) else {
        return Some(CertProblem::Other("chứng thư số không đọc được".into()));
    };
    let tbs = parsed.tbs_certificate();
    let ku = match tbs.get_extension::<KeyUsage>() {
        Ok(v) => v.map(|(_, k)| k),
        Err(_) => return Some(CertProblem::Other("phần mở rộng keyUsage hỏng".into())),
    };
    let eku: Option<Vec<String>> = match tbs.get_extension::<ExtendedKeyUsage>() {
        Ok(v) => v.map(|(_, e)| e.0.iter().map(|o| o.to_string()).collect()),
        Err(_) => {
            return Some(CertProblem::Other(
                "phần mở rộng extendedKeyUsage hỏng".into(),
            ));
        }
    };
    let signs = ku
        .as_ref()
        .is_none_or(|k| k.digital_signature() || k.non_repudiation());
    match purpose {
        Purpose::Signature => {
            if !signs {
                return Some(CertProblem::KeyUsage {
                    who,
                    need: "digitalSignature hoặc nonRepudiation",
                });
            }
            if let Some(eku) = eku
                && !eku.iter().any(|o| DOCUMENT_EKUS.contains(&o.as_str()))
            {
                return Some(CertProblem::KeyUsage {
                    who,
                    need: "mục đích mở rộng cho phép ký văn bản",
                });
            }
        }
        Purpose::Timestamp => {
            if !signs || !eku.is_some_and(|e| e.iter().any(|o| o == EKU_TIME_STAMPING)) {
                return Some(CertProblem::KeyUsage {
                    who,
                    need: "timeStamping (cấp dấu thời gian)",
                });
            }
        }
    }
    None
}

fn parse(cert: &X509Ref) -> Option<Certificate> {
    cert.to_der()
        .ok()
        .and_then(|d| Certificate::from_der(&d).ok())
}

/// A certificate's common name (its subject in full when it has none).
pub(super) fn common_name(cert: &X509Ref) -> String {
    entry(cert, Nid::COMMONNAME).unwrap_or_else(|| {
        parse(cert)
            .map(|c| c.tbs_certificate().subject().to_string())
            .unwrap_or_default()
    })
}

/// A certificate's organisation (`O`), when it names one.
pub(super) fn organisation(cert: &X509Ref) -> Option<String> {
    entry(cert, Nid::ORGANIZATIONNAME)
}

fn entry(cert: &X509Ref, nid: Nid) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(nid)
        .next()
        .and_then(|e| e.data().to_string().ok())
}

/// An ASN.1 time as a UTC time.
pub(super) fn time_of(t: &Asn1TimeRef) -> DateTime<Utc> {
    let epoch = Asn1Time::from_unix(0).expect("the epoch");
    let secs = epoch
        .diff(t)
        .map(|d| d.days as i64 * 86_400 + d.secs as i64)
        .unwrap_or(0);
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
