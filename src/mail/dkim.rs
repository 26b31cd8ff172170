//! DKIM signatures (RFC 6376) on outgoing messages, with the key of the sender's domain,
//! so that receiving servers can tell the message really comes from the agency's domain
//! and was not changed on the way.
//!
//! ```toml
//! [[mail.dkim]]
//! domain = "bacgiang.gov.vn"        # the From domain this key signs for
//! selector = "vanthu"               # published as vanthu._domainkey.bacgiang.gov.vn TXT
//! key = "khoa/dkim-bacgiang.pem"    # RSA private key, PKCS#1 PEM (`openssl genrsa -traditional`)
//! ```
//!
//! Invariants: a message is signed after its last header is written (the Vietnam-time
//! `Date`), over From, To, Subject, Date, Message-ID and Auto-Submitted with relaxed
//! canonicalisation of headers and body (which survives relays that re-fold headers); a
//! domain without a key is sent unsigned; the key never reaches a log or a page.

use std::path::PathBuf;
use std::sync::Arc;

use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use serde::Deserialize;

use super::settings::is_fqdn;

/// One `[[mail.dkim]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimKey {
    pub domain: String,
    pub selector: String,
    pub key: PathBuf,
}

/// A loaded key, ready to sign the messages of its domain.
#[derive(Debug, Clone)]
pub struct Signer(Arc<DkimConfig>);

impl DkimKey {
    /// Reads and parses the key; the message says what to fix.
    pub fn load(&self) -> Result<Signer, String> {
        if !is_fqdn(&self.domain) {
            return Err(format!(
                "mail.dkim: domain \"{}\" không phải tên miền đầy đủ",
                self.domain
            ));
        }
        let selector_ok = !self.selector.is_empty()
            && self.selector.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !selector_ok {
            return Err(format!(
                "mail.dkim: selector \"{}\" chỉ gồm chữ không dấu, số, dấu gạch ngang và dấu chấm",
                self.selector
            ));
        }
        let pem = std::fs::read_to_string(&self.key)
            .map_err(|e| format!("mail.dkim: không đọc được khóa {}: {e}", self.key.display()))?;
        let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).map_err(|_| {
            format!(
                "mail.dkim: {} không phải khóa RSA dạng PKCS#1 PEM (\"BEGIN RSA PRIVATE KEY\"); tạo bằng `openssl genrsa -traditional -out {} 2048`",
                self.key.display(),
                self.key.display()
            )
        })?;
        let headers = [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
        ]
        .into_iter()
        .map(HeaderName::new_from_ascii_str)
        .collect();
        Ok(Signer(Arc::new(DkimConfig::new(
            self.selector.clone(),
            self.domain.to_ascii_lowercase(),
            key,
            headers,
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        ))))
    }
}

/// The signer for messages from `domain`, if a key is configured for it.
pub fn for_domain(keys: &[DkimKey], domain: &str) -> Result<Option<Signer>, String> {
    keys.iter()
        .find(|k| k.domain.eq_ignore_ascii_case(domain))
        .map(DkimKey::load)
        .transpose()
}

impl Signer {
    /// Adds the `DKIM-Signature` header; call it once every other header is written.
    pub fn sign(&self, message: &mut Message) {
        message.sign(&self.0);
    }
}
