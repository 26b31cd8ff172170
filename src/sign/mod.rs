//! Ký số: the digital signatures that give an electronic document the legal force of
//! its paper original (Nghị định 30/2020/NĐ-CP Điều 5 and 14).
//!
//! Issuing an electronic document, in the register's one transaction:
//! 1. the register gives the number and date, and the PDF is rendered with the
//!    signer's signature image (ô 7c) and the agency's seal image at its real size
//!    (ô 8), see [`image`] and [`crate::render::Marks`];
//! 2. the signer's key signs that PDF ([`pades::sign`]): a PAdES baseline B-B
//!    signature, a detached CMS `SignedData` over SHA-256 ([`cms`]), written in an
//!    incremental update after the rendered file;
//! 3. the agency's key signs the result in a second incremental update, so the
//!    signer's signature stays valid and the agency's covers the whole file;
//! 4. the register stores that signed PDF and one row per signature; it is the file
//!    that is downloaded, verified and e-mailed.
//!
//! With `[signing.tsa]`, each signature also carries an RFC 3161 timestamp ([`tsa`]):
//! PAdES B-T. [`verify`] reads every signature in any PDF back, whoever made it. Keys sit behind
//! the small [`Signer`] trait; [`keys::KeyFile`] is the PKCS#12 (`.p12`/`.pfx`) one,
//! and [`keys::Keyring`] finds the key of a person or an agency from the configuration.

pub mod algorithm;
pub mod cms;
pub mod health;
/// The signature and seal images (kept with the renderer that places them).
pub use crate::render::image;
pub mod issue;
pub mod keys;
pub mod ltv;
pub mod pades;
pub mod pkcs11;
pub mod remote;
pub mod trust;
pub mod tsa;
pub mod verify;

use x509_cert::Certificate;
use x509_cert::spki::AlgorithmIdentifierOwned;

pub use keys::{KeyFile, Keyring, Unlock};
pub use verify::{Report, SignatureCheck};

/// A key that signs: one implementation per key store ([`KeyFile`] for PKCS#12 files,
/// [`pkcs11::TokenKey`] for USB tokens and HSMs, [`remote::RemoteKey`] for remote
/// signing services), called by the PAdES code.
pub trait Signer: Send + Sync {
    /// The certificate of the signing key.
    fn certificate(&self) -> &Certificate;
    /// The certificates between it and its root (intermediates), embedded in the signature.
    fn chain(&self) -> &[Certificate];
    /// The signature algorithm as CMS names it (e.g. sha256WithRSAEncryption).
    fn algorithm(&self) -> AlgorithmIdentifierOwned;
    /// Signs `data` (the DER of the signed attributes) and returns the signature value;
    /// `purpose` says what is signed, for a signer asked to confirm.
    fn sign(&self, data: &[u8], purpose: &str) -> Result<Vec<u8>, SignError>;
}

/// The PAdES baseline level of the signatures vanthu issues (ETSI EN 319 142-1):
/// B-B, B-T (a signature timestamp), B-LT (the validation data in a DSS after the
/// agency's signature), B-LTA (and a document timestamp over it all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub enum Level {
    #[serde(rename = "B-B")]
    BB,
    #[serde(rename = "B-T")]
    BT,
    #[serde(rename = "B-LT")]
    BLT,
    #[serde(rename = "B-LTA")]
    BLTA,
}

impl Level {
    /// The level's name, e.g. "B-LTA".
    pub fn name(self) -> &'static str {
        match self {
            Level::BB => "B-B",
            Level::BT => "B-T",
            Level::BLT => "B-LT",
            Level::BLTA => "B-LTA",
        }
    }
}

/// Who a signature stands for, in the decree's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The person with authority (ô 7c).
    Signer,
    /// The issuing agency (ô 8).
    Agency,
}

impl Role {
    /// The code stored in the register.
    pub fn code(self) -> &'static str {
        match self {
            Role::Signer => "signer",
            Role::Agency => "agency",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Signer => "người ký",
            Role::Agency => "cơ quan",
        }
    }
}

/// One signature the register keeps about an issued document.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub role: Role,
    /// The certificate's subject (RFC 4514).
    pub subject: String,
    /// The certificate's serial number in hex.
    pub serial: String,
    /// The signing time, ISO 8601 with +07:00.
    pub signed_at: String,
}

/// Why a document could not be signed. The messages are for the clerk.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("không đọc được tệp khóa {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("mật khẩu của tệp khóa {path} không đúng")]
    WrongPassword { path: String },
    #[error("tệp {path} không chứa khóa bí mật cùng chứng thư số của nó")]
    NoKey { path: String },
    #[error("loại khóa của tệp {path} chưa được hỗ trợ: dùng RSA hoặc ECDSA P-256")]
    UnsupportedKey { path: String },
    #[error("chưa đặt mật khẩu của tệp khóa {path}: đặt biến môi trường {var}")]
    NoPassword { path: String, var: String },
    #[error(
        "chứng thư số của {subject} đã hết hạn từ {until}; hãy gia hạn hoặc dùng chứng thư mới"
    )]
    Expired { subject: String, until: String },
    #[error("chứng thư số của {subject} chưa có hiệu lực (từ {from})")]
    NotYetValid { subject: String, from: String },
    #[error("chứng thư số của {subject} đã bị thu hồi ngày {date} (danh sách thu hồi {crl})")]
    Revoked {
        subject: String,
        date: String,
        crl: String,
    },
    #[error(
        "chứng thư số của {subject} không dùng để ký được: thiếu mục đích digitalSignature hoặc nonRepudiation"
    )]
    KeyUsage { subject: String },
    #[error("không đọc được danh sách thu hồi hoặc chứng thư tin cậy {path}: {message}")]
    TrustFile { path: String, message: String },
    #[error("cấu hình ký số (mục [signing] trong vanthu.toml): {0}")]
    Config(String),
    #[error("chưa cấu hình khóa ký số cho {0} (mục [signing] trong vanthu.toml)")]
    NoKeyFor(String),
    #[error("{0}")]
    Image(String),
    #[error(
        "văn bản của {0} phải được ký số trước khi gửi (require_signature); hãy ban hành lại với --sign"
    )]
    Unsigned(String),
    #[error("không nạp được thư viện PKCS#11 {path} của thiết bị ký số: {message}")]
    Module { path: String, message: String },
    #[error(
        "không thấy thiết bị ký số \"{token}\": hãy cắm thiết bị (USB token) vào máy chủ rồi thử lại"
    )]
    NoToken { token: String },
    #[error("thiết bị ký số \"{token}\" không có khóa bí mật mã {id}")]
    NoTokenKey { token: String, id: String },
    #[error("mã PIN của thiết bị ký số \"{token}\" không đúng; văn bản chưa được ban hành")]
    WrongPin { token: String },
    #[error(
        "thiết bị ký số \"{token}\" đã bị khóa vì nhập sai mã PIN nhiều lần; liên hệ nơi cấp thiết bị"
    )]
    PinLocked { token: String },
    #[error("chưa nhập mã PIN của {0}")]
    NoPin(String),
    #[error("lỗi thiết bị ký số \"{token}\": {message}")]
    Token { token: String, message: String },
    #[error("{source_name} trả về chữ ký không khớp với chứng thư số; văn bản chưa được ban hành")]
    Mismatch { source_name: String },
    #[error("dịch vụ ký số từ xa {service}: {message}")]
    Remote { service: String, message: String },
    #[error("người ký đã từ chối ký trên điện thoại (dịch vụ {service}){}; văn bản chưa được ban hành", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Refused { service: String, message: String },
    #[error(
        "người ký chưa xác nhận trên điện thoại sau {secs} giây (dịch vụ {service}); văn bản chưa được ban hành, chưa lấy số"
    )]
    Timeout { service: String, secs: u64 },
    #[error("không lấy được dấu thời gian từ {url}: {message}")]
    Tsa { url: String, message: String },
    #[error("không ký được tệp PDF: {0}")]
    Pdf(String),
    #[error("lỗi khi tạo chữ ký số: {0}")]
    Crypto(String),
}

/// Whether a document of `issuer` with `signatures` digital signatures may be e-mailed:
/// refused unsigned where `[signing] require_signature` names the agency; otherwise an
/// unsigned one goes with the warning returned.
pub fn send_check(
    keyring: &Keyring,
    issuer: &str,
    signatures: u32,
) -> Result<Option<&'static str>, SignError> {
    if signatures > 0 {
        return Ok(None);
    }
    if keyring.requires_signature(issuer) {
        return Err(SignError::Unsigned(issuer.to_string()));
    }
    Ok(Some(
        "cảnh báo: văn bản chưa ký số; bản điện tử gửi đi chưa có giá trị pháp lý như bản gốc",
    ))
}

/// The time of a signature as the decree shows it: ISO 8601 in Vietnam's zone,
/// e.g. `2021-05-17T09:30:12+07:00`.
pub fn vietnam_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let vn = crate::vietnam_offset();
    at.with_timezone(&vn)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The name (CN) and organisation (O) a subject written as a distinguished name
/// (`C=VN,O=Sở Nông nghiệp,CN=Dương Thanh Tùng`, RFC 4514) stands for, for people
/// to read; escaped commas (`\,`) stay in their value.
pub fn dn_names(dn: &str) -> (Option<String>, Option<String>) {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in dn.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' | '+' if !escaped => parts.push(String::new()),
            c => {
                escaped = false;
                parts.last_mut().expect("one part at least").push(c);
            }
        }
    }
    let get = |key: &str| {
        parts.iter().rev().find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().to_string())
        })
    };
    (get("CN"), get("O"))
}

/// A certificate's serial number in upper-case hex, as CAs print it.
pub fn serial_hex(cert: &Certificate) -> String {
    cert.tbs_certificate()
        .serial_number()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A certificate's subject (RFC 4514).
pub fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_come_out_of_a_distinguished_name() {
        assert_eq!(
            super::dn_names("C=VN,O=Sở Nông nghiệp\\, PTNT,CN=Dương Thanh Tùng"),
            (
                Some("Dương Thanh Tùng".to_string()),
                Some("Sở Nông nghiệp, PTNT".to_string())
            )
        );
        assert_eq!(super::dn_names("CN=UBND"), (Some("UBND".into()), None));
        assert_eq!(super::dn_names(""), (None, None));
    }
}
