//! Whether the certificates of a path were revoked at the time that counts: from the
//! configured CRLs, the CRLs and OCSP responses a document carries in its DSS, and,
//! when `[signing] fetch_revocation` allows it, the certificate's CRL distribution
//! points and OCSP responder.
//!
//! A CRL answers for a certificate when its issuer issued the certificate, it is
//! signed by that issuer's key (which may sign CRLs) and it was current at the time
//! that counts or issued after it (its `nextUpdate` is not before that time). An OCSP
//! response answers when OpenSSL verifies it against the configured roots.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspResponse, OcspResponseStatus,
};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{CrlStatus, X509, X509Crl};
use x509_cert::der::Decode;
use x509_cert::ext::pkix::KeyUsage;

use super::path::{common_name, time_of};

/// Where revocation information comes from for one verification.
pub(super) struct Sources {
    crls: Vec<X509Crl>,
    ocsps: Vec<OcspResponse>,
    roots: Vec<X509>,
    fetch: bool,
    fetched: RefCell<HashMap<String, Option<Vec<u8>>>>,
}

/// The status of one path.
#[derive(Debug, Clone)]
pub(super) enum Status {
    /// Every certificate answered for, none revoked before the time that counts.
    Good { how: Vec<String> },
    /// A certificate of the path was revoked at or before the time that counts.
    Revoked { who: String, on: DateTime<Utc> },
    /// Some certificate of the path could not be checked.
    Unknown { who: String },
}

impl Sources {
    /// `crls` and `ocsps` in DER (configured and from the document), checked against
    /// `roots`; `fetch`: ask the addresses certificates name when these do not answer.
    pub(super) fn new(crls: &[Vec<u8>], ocsps: &[Vec<u8>], roots: &[X509], fetch: bool) -> Sources {
        Sources {
            crls: crls.iter().filter_map(|d| read_crl(d)).collect(),
            ocsps: ocsps
                .iter()
                .filter_map(|d| OcspResponse::from_der(d).ok())
                .collect(),
            roots: roots.to_vec(),
            fetch,
            fetched: RefCell::new(HashMap::new()),
        }
    }

    /// The status of `chain` (leaf first; its last certificate is the anchor, not
    /// checked) at `at`.
    pub(super) fn status(&self, chain: &[X509], at: DateTime<Utc>) -> Status {
        let mut how = vec![];
        let mut unknown = None;
        for pair in chain.windows(2) {
            let (cert, issuer) = (&pair[0], &pair[1]);
            match self.one(cert, issuer, at) {
                One::Good(h) => how.push(h),
                One::Revoked(on) => {
                    return Status::Revoked {
                        who: common_name(cert),
                        on,
                    };
                }
                One::Unknown => {
                    unknown.get_or_insert_with(|| common_name(cert));
                }
            }
        }
        match unknown {
            Some(who) => Status::Unknown { who },
            None => Status::Good { how },
        }
    }

    fn one(&self, cert: &X509, issuer: &X509, at: DateTime<Utc>) -> One {
        let local = self
            .by_crls(&self.crls, cert, issuer, at)
            .or_else(|| self.by_ocsps(&self.ocsps, cert, issuer, at));
        if let Some(found) = local {
            return found;
        }
        if !self.fetch {
            return One::Unknown;
        }
        let crls: Vec<X509Crl> = distribution_points(cert)
            .iter()
            .filter_map(|url| self.get(url, None))
            .filter_map(|d| read_crl(&d))
            .collect();
        if let Some(found) = self.by_crls(&crls, cert, issuer, at) {
            return found;
        }
        let ocsps: Vec<OcspResponse> = cert
            .ocsp_responders()
            .map(|s| s.iter().map(|u| u.to_string()).collect::<Vec<_>>())
            .unwrap_or_default()
            .iter()
            .filter_map(|url| {
                let id = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer).ok()?;
                let mut req = OcspRequest::new().ok()?;
                req.add_id(id).ok()?;
                self.get(url, Some(req.to_der().ok()?))
            })
            .filter_map(|d| OcspResponse::from_der(&d).ok())
            .collect();
        self.by_ocsps(&ocsps, cert, issuer, at)
            .unwrap_or(One::Unknown)
    }

    fn by_crls(
        &self,
        crls: &[X509Crl],
        cert: &X509,
        issuer: &X509,
        at: DateTime<Utc>,
    ) -> Option<One> {
        let key = issuer.public_key().ok()?;
        if !signs_crls(issuer) {
            return None;
        }
        for crl in crls {
            if !crl
                .issuer_name()
                .try_cmp(issuer.subject_name())
                .is_ok_and(|o| o.is_eq())
            {
                continue;
            }
            if !crl.verify(&key).unwrap_or(false) {
                continue;
            }
            if crl.next_update().is_some_and(|n| time_of(n) < at) {
                continue;
            }
            let issued = time_of(crl.last_update());
            // A CA may drop an expired certificate from its later CRLs (RFC 5280
            // §3.3): a CRL issued after the certificate expired cannot vouch for it.
            if time_of(cert.not_after()) < issued {
                continue;
            }
            let how = format!(
                "danh sách thu hồi của {} ngày {}",
                common_name(issuer),
                super::words::day(issued)
            );
            return Some(match crl.get_by_cert(cert) {
                CrlStatus::Revoked(r) => {
                    let on = time_of(r.revocation_date());
                    if on <= at {
                        One::Revoked(on)
                    } else {
                        One::Good(format!(
                            "{how} (thu hồi sau thời điểm ký, ngày {})",
                            super::words::day(on)
                        ))
                    }
                }
                _ => One::Good(how),
            });
        }
        None
    }

    fn by_ocsps(
        &self,
        ocsps: &[OcspResponse],
        cert: &X509,
        issuer: &X509,
        at: DateTime<Utc>,
    ) -> Option<One> {
        let mut store = X509StoreBuilder::new().ok()?;
        for r in &self.roots {
            store.add_cert(r.clone()).ok()?;
        }
        let store = store.build();
        let mut certs = Stack::new().ok()?;
        certs.push(issuer.clone()).ok()?;
        for digest in [MessageDigest::sha1(), MessageDigest::sha256()] {
            let id = OcspCertId::from_cert(digest, cert, issuer).ok()?;
            for response in ocsps {
                if response.status() != OcspResponseStatus::SUCCESSFUL {
                    continue;
                }
                let Ok(basic) = response.basic() else {
                    continue;
                };
                let Some(status) = basic.find_status(&id) else {
                    continue;
                };
                if basic.verify(&certs, &store, OcspFlag::empty()).is_err() {
                    continue;
                }
                if status
                    .next_update()
                    .and_then(generalized)
                    .is_some_and(|n| n < at)
                {
                    continue;
                }
                let how = format!("OCSP của {}", common_name(issuer));
                if status.status == OcspCertStatus::REVOKED {
                    let on = status.revocation_time.and_then(generalized).unwrap_or(at);
                    return Some(if on <= at {
                        One::Revoked(on)
                    } else {
                        One::Good(how)
                    });
                }
                if status.status == OcspCertStatus::GOOD {
                    return Some(One::Good(how));
                }
            }
        }
        None
    }

    /// The body at `url` (a POST of `body` when given), once per verification, at most
    /// 10 MB within 10 s; only `http` and `https`.
    fn get(&self, url: &str, body: Option<Vec<u8>>) -> Option<Vec<u8>> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return None;
        }
        let key = format!(
            "{url}#{:?}",
            body.as_ref()
                .map(|b| super::signed::hash(MessageDigest::sha256(), &[b]))
        );
        if let Some(hit) = self.fetched.borrow().get(&key) {
            return hit.clone();
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let response = match &body {
            None => agent.get(url).call(),
            Some(b) => agent
                .post(url)
                .header("Content-Type", "application/ocsp-request")
                .send(&b[..]),
        };
        let got = response.ok().and_then(|mut r| {
            r.body_mut()
                .with_config()
                .limit(10 * 1024 * 1024)
                .read_to_vec()
                .ok()
        });
        if got.is_none() {
            tracing::warn!(url, "revocation information not fetched");
        }
        self.fetched.borrow_mut().insert(key, got.clone());
        got
    }
}

/// The revocation information to keep for `cert` issued by `issuer` (PAdES B-LT):
/// the configured CRLs of its issuer and, when `fetch`, those at its CRL
/// distribution points and an OCSP response from its responder. Returns (CRLs, OCSP
/// responses) in DER.
pub(crate) fn gather(
    cert: &X509,
    issuer: &X509,
    configured: &[Vec<u8>],
    fetch: bool,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mine = |der: &Vec<u8>| {
        read_crl(der).is_some_and(|c| {
            c.issuer_name()
                .try_cmp(issuer.subject_name())
                .is_ok_and(|o| o.is_eq())
                && issuer
                    .public_key()
                    .is_ok_and(|k| c.verify(&k).unwrap_or(false))
        })
    };
    let mut crls: Vec<Vec<u8>> = configured
        .iter()
        .filter(|d| mine(d))
        .filter_map(|d| read_crl(d).and_then(|c| c.to_der().ok()))
        .collect();
    let mut ocsps = vec![];
    if fetch {
        let sources = Sources::new(&[], &[], &[], true);
        for url in distribution_points(cert) {
            if let Some(d) = sources.get(&url, None)
                && mine(&d)
                && let Some(der) = read_crl(&d).and_then(|c| c.to_der().ok())
            {
                crls.push(der);
            }
        }
        for url in cert
            .ocsp_responders()
            .map(|s| s.iter().map(|u| u.to_string()).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let request = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer)
                .ok()
                .and_then(|id| {
                    let mut req = OcspRequest::new().ok()?;
                    req.add_id(id).ok()?;
                    req.to_der().ok()
                });
            if let Some(body) = request
                && let Some(d) = sources.get(&url, Some(body))
                && OcspResponse::from_der(&d)
                    .is_ok_and(|r| r.status() == OcspResponseStatus::SUCCESSFUL)
            {
                ocsps.push(d);
            }
        }
    }
    (crls, ocsps)
}

enum One {
    Good(String),
    Revoked(DateTime<Utc>),
    Unknown,
}

fn read_crl(der_or_pem: &[u8]) -> Option<X509Crl> {
    X509Crl::from_der(der_or_pem)
        .or_else(|_| X509Crl::from_pem(der_or_pem))
        .ok()
}

/// Whether `issuer` may sign CRLs (no key usage extension: anything).
fn signs_crls(issuer: &X509) -> bool {
    let Some(cert) = issuer
        .to_der()
        .ok()
        .and_then(|d| x509_cert::Certificate::from_der(&d).ok())
    else {
        return false;
    };
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.crl_sign(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// The URLs of `cert`'s CRL distribution points.
fn distribution_points(cert: &X509) -> Vec<String> {
    let mut out = vec![];
    for dp in cert.crl_distribution_points().iter().flat_map(|s| s.iter()) {
        for name in dp
            .distpoint()
            .and_then(|d| d.fullname())
            .iter()
            .flat_map(|s| s.iter())
        {
            if let Some(uri) = name.uri() {
                out.push(uri.to_string());
            }
        }
    }
    out
}

/// An OCSP GeneralizedTime ("Dec  5 10:00:00 2026 GMT" as OpenSSL prints it).
fn generalized(t: &openssl::asn1::Asn1GeneralizedTimeRef) -> Option<DateTime<Utc>> {
    let s = t.to_string();
    let s = s.trim().trim_end_matches("GMT").trim();
    let squeezed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    chrono::NaiveDateTime::parse_from_str(&squeezed, "%b %d %H:%M:%S %Y")
        .ok()
        .map(|n| n.and_utc())
}
