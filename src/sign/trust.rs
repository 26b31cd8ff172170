//! The trust of `[signing]`: the roots verification accepts, the configured CRLs, and
//! what to do when revocation cannot be checked; and the certificate check every key
//! passes each time it signs.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem};
use x509_cert::ext::pkix::KeyUsage;

use super::{SignError, subject};

/// The revocation lists and trusted roots of `[signing]`, read once.
#[derive(Debug, Default)]
pub struct Trust {
    /// Roots that verification accepts as the end of a chain.
    pub roots: Vec<Certificate>,
    crls: Vec<(String, x509_cert::crl::CertificateList)>,
    /// What verification does when no revocation information answers for a certificate.
    pub revocation: RevocationMode,
    /// Whether verification may fetch CRLs and OCSP responses from the addresses
    /// certificates name.
    pub fetch: bool,
}

/// `[signing] revocation`: a signature whose certificates' revocation could not be
/// checked is valid with a warning (`soft`, the default) or not valid (`hard`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationMode {
    #[default]
    Soft,
    Hard,
}

impl Trust {
    /// Reads PEM or DER roots and CRLs.
    pub fn load(roots: &[PathBuf], crls: &[PathBuf]) -> Result<Trust, SignError> {
        let mut trust = Trust::default();
        for path in roots {
            trust.roots.extend(read_certificates(path)?);
        }
        for path in crls {
            let label = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| SignError::TrustFile {
                path: label.clone(),
                message: e.to_string(),
            })?;
            let crl = if bytes.starts_with(b"-----") {
                x509_cert::crl::CertificateList::from_pem(&bytes)
            } else {
                x509_cert::crl::CertificateList::from_der(&bytes)
            }
            .map_err(|e| SignError::TrustFile {
                path: label.clone(),
                message: e.to_string(),
            })?;
            trust.crls.push((label, crl));
        }
        Ok(trust)
    }

    /// The configured CRLs in DER.
    pub(crate) fn crl_ders(&self) -> Vec<Vec<u8>> {
        use x509_cert::der::Encode;
        self.crls
            .iter()
            .filter_map(|(_, c)| c.to_der().ok())
            .collect()
    }

    /// Refuses a certificate that is outside its validity period at `at`, lacks the key
    /// usage of a signature, or is revoked by a configured CRL of its issuer.
    pub fn check(
        &self,
        cert: &Certificate,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), SignError> {
        let tbs = cert.tbs_certificate();
        let who = subject(cert);
        let secs = at.timestamp();
        let not_before = tbs.validity().not_before.to_unix_duration().as_secs() as i64;
        let not_after = tbs.validity().not_after.to_unix_duration().as_secs() as i64;
        let day = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .map(super::vietnam_time)
                .unwrap_or_default()
        };
        if secs < not_before {
            return Err(SignError::NotYetValid {
                subject: who,
                from: day(not_before),
            });
        }
        if secs > not_after {
            return Err(SignError::Expired {
                subject: who,
                until: day(not_after),
            });
        }
        match tbs.get_extension::<KeyUsage>() {
            Ok(Some((_, usage))) if usage.digital_signature() || usage.non_repudiation() => {}
            // A certificate without the extension may be used for anything (RFC 5280).
            Ok(None) => {}
            _ => return Err(SignError::KeyUsage { subject: who }),
        }
        for (label, crl) in &self.crls {
            if crl.tbs_cert_list.issuer != *tbs.issuer() {
                continue;
            }
            for revoked in crl.tbs_cert_list.revoked_certificates.iter().flatten() {
                if revoked.serial_number.as_bytes() == tbs.serial_number().as_bytes() {
                    let when = revoked.revocation_date.to_unix_duration().as_secs() as i64;
                    return Err(SignError::Revoked {
                        subject: who,
                        date: day(when),
                        crl: label.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Every certificate in a PEM file (or the one in a DER file).
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>, SignError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SignError::TrustFile {
        path: label.clone(),
        message: e.to_string(),
    })?;
    let bad = |e: x509_cert::der::Error| SignError::TrustFile {
        path: label.clone(),
        message: e.to_string(),
    };
    if bytes.starts_with(b"-----") || bytes.starts_with(b"\n-----") {
        Certificate::load_pem_chain(&bytes).map_err(bad)
    } else {
        Certificate::from_der(&bytes).map(|c| vec![c]).map_err(bad)
    }
}
