//! Keys on a USB token or an HSM, through its PKCS#11 module (`cryptoki`).
//!
//! Invariants: the PIN is typed by the person at signing time, handed in as a
//! [`SecretString`] and given to the token only (never kept, printed or logged); a
//! session is opened and logged in for one issue and closed (logged out) when the key
//! is dropped; every signature the token returns is checked against the certificate
//! before it is used, so a token holding another key than its certificate is refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use secrecy::SecretString;
use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::algorithm::{self, KeyKind};
use super::{SignError, Signer};

/// `pkcs11 = { … }` of a `[[signing.keys]]` entry.
///
/// ```toml
/// [[signing.keys]]
/// agency = "ubnd-hb"
/// pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "UBND HB", key_id = "01" }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSetting {
    /// The token's PKCS#11 module (the `.so` its vendor ships).
    pub module: PathBuf,
    /// The token's label, as its tools show it.
    pub token: String,
    /// The key's `CKA_ID` in hex (the id the CA's tool gave it).
    pub key_id: String,
    /// The certificate (and its chain) as a PEM file, when the token does not hold it.
    pub certificate: Option<PathBuf>,
}

impl TokenSetting {
    /// How the token is named to the person asked for its PIN.
    pub fn describe(&self) -> String {
        device_name(&self.token)
    }
}

/// A logged-in key on a token, for one issue.
///
/// The key is looked up by its id again at each signature: PKCS#11 login is shared by
/// all sessions of a process, and a later login (another key on the same token, whose
/// PIN is checked by logging out and in again) invalidates the handles found before.
pub struct TokenKey {
    session: Mutex<Session>,
    id: Vec<u8>,
    kind: KeyKind,
    cert: Certificate,
    chain: Vec<Certificate>,
    token: String,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("token", &self.token)
            .field("subject", &super::subject(&self.cert))
            .finish_non_exhaustive()
    }
}

/// The modules loaded in this process: a PKCS#11 module is initialised once.
fn module(path: &Path) -> Result<Pkcs11, SignError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(m) = modules.get(path) {
        return Ok(m.clone());
    }
    let fail = |message: String| SignError::Module {
        path: path.display().to_string(),
        message,
    };
    if !path.exists() {
        return Err(fail(
            "không có tệp này (đã cài phần mềm của thiết bị chưa?)".into(),
        ));
    }
    let ctx = Pkcs11::new(path).map_err(|e| fail(e.to_string()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(e.to_string())),
    }
    modules.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// A hex `key_id` as bytes.
fn key_id(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim();
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

impl TokenKey {
    /// Finds the token, logs in with `pin` and finds the key and its certificate.
    pub fn open(setting: &TokenSetting, pin: &SecretString) -> Result<TokenKey, SignError> {
        let token = setting.token.clone();
        let device = |e: CkError| SignError::Token {
            token: token.clone(),
            message: e.to_string(),
        };
        let id = key_id(&setting.key_id).ok_or_else(|| SignError::Token {
            token: token.clone(),
            message: format!(
                "key_id \"{}\" không phải số hex (ví dụ \"01\")",
                setting.key_id
            ),
        })?;
        let ctx = module(&setting.module)?;
        let slot = ctx
            .get_slots_with_token()
            .map_err(device)?
            .into_iter()
            .find(|s| {
                ctx.get_token_info(*s)
                    .map(|i| i.label() == setting.token)
                    .unwrap_or(false)
            })
            .ok_or_else(|| SignError::NoToken {
                token: token.clone(),
            })?;
        let session = ctx.open_ro_session(slot).map_err(device)?;
        let login = |session: &Session| session.login(UserType::User, Some(pin));
        match login(&session) {
            Ok(()) => {}
            // Another session of this process is logged in: log in again, so the PIN
            // typed now is the one checked.
            Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                session.logout().map_err(device)?;
                login(&session).map_err(|e| pin_error(&token, e))?;
            }
            Err(e) => return Err(pin_error(&token, e)),
        }
        if private_key(&session, &id).map_err(device)?.is_none() {
            return Err(SignError::NoTokenKey {
                token: token.clone(),
                id: setting.key_id.clone(),
            });
        }
        let (cert, chain) = match &setting.certificate {
            Some(path) => {
                let mut certs = super::keys::read_certificates(path)?;
                if certs.is_empty() {
                    return Err(SignError::TrustFile {
                        path: path.display().to_string(),
                        message: "không có chứng thư số nào".into(),
                    });
                }
                let cert = certs.remove(0);
                (cert, certs)
            }
            None => token_certificates(&session, &id).map_err(device)?.ok_or_else(|| {
                SignError::Token {
                    token: token.clone(),
                    message: format!(
                        "không có chứng thư số cùng mã khóa {}; ghi `certificate = \"…pem\"` trong cấu hình",
                        setting.key_id
                    ),
                }
            })?,
        };
        let kind = KeyKind::of(&cert).ok_or_else(|| SignError::UnsupportedKey {
            path: setting.token.clone(),
        })?;
        Ok(TokenKey {
            session: Mutex::new(session),
            id,
            kind,
            cert,
            chain,
            token,
        })
    }
}

/// The private key with `id`, when the session sees it (logged in).
fn private_key(session: &Session, id: &[u8]) -> Result<Option<ObjectHandle>, CkError> {
    Ok(session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Id(id.to_vec()),
        ])?
        .into_iter()
        .next())
}

/// The token's certificate with `id` and its chain: the token's certificates that
/// issued it, up to a root (other people's certificates on the token are left out).
fn token_certificates(
    session: &Session,
    id: &[u8],
) -> Result<Option<(Certificate, Vec<Certificate>)>, CkError> {
    let mut leaf = None;
    let mut others = vec![];
    for object in session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])? {
        let attributes =
            session.get_attributes(object, &[AttributeType::Id, AttributeType::Value])?;
        let mut object_id = vec![];
        let mut value = vec![];
        for a in attributes {
            match a {
                Attribute::Id(v) => object_id = v,
                Attribute::Value(v) => value = v,
                _ => {}
            }
        }
        let Ok(cert) = Certificate::from_der(&value) else {
            continue;
        };
        if object_id == id && leaf.is_none() {
            leaf = Some(cert);
        } else {
            others.push(cert);
        }
    }
    Ok(leaf.map(|leaf| {
        let chain = issuers(&leaf, others);
        (leaf, chain)
    }))
}

/// The certificates of `pool` that issued `leaf`, in order, up to a self-signed one.
fn issuers(leaf: &Certificate, mut pool: Vec<Certificate>) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = vec![];
    loop {
        let last = chain.last().unwrap_or(leaf);
        let tbs = last.tbs_certificate();
        if tbs.issuer() == tbs.subject() {
            return chain;
        }
        let Some(at) = pool
            .iter()
            .position(|c| c.tbs_certificate().subject() == tbs.issuer())
        else {
            return chain;
        };
        chain.push(pool.swap_remove(at));
    }
}

fn pin_error(token: &str, e: CkError) -> SignError {
    let token = token.to_string();
    match e {
        CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _) => {
            SignError::WrongPin { token }
        }
        CkError::Pkcs11(RvError::PinLocked, _) => SignError::PinLocked { token },
        other => SignError::Token {
            token,
            message: other.to_string(),
        },
    }
}

impl Signer for TokenKey {
    fn certificate(&self) -> &Certificate {
        &self.cert
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        self.kind.identifier()
    }

    fn sign(&self, data: &[u8], _purpose: &str) -> Result<Vec<u8>, SignError> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let device = |e: CkError| SignError::Token {
            token: self.token.clone(),
            message: e.to_string(),
        };
        let key = private_key(&session, &self.id)
            .map_err(device)?
            .ok_or_else(|| SignError::Token {
                token: self.token.clone(),
                message: "phiên đăng nhập đã kết thúc; nhập lại mã PIN".into(),
            })?;
        let signature = match self.kind {
            KeyKind::Rsa => session
                .sign(&Mechanism::Sha256RsaPkcs, key, data)
                .map_err(device)?,
            KeyKind::EcdsaP256 => {
                let digest = ring::digest::digest(&ring::digest::SHA256, data);
                let raw = session
                    .sign(&Mechanism::Ecdsa, key, digest.as_ref())
                    .map_err(device)?;
                algorithm::ecdsa_der(&raw).ok_or_else(|| SignError::Token {
                    token: self.token.clone(),
                    message: "chữ ký ECDSA có độ dài không hợp lệ".into(),
                })?
            }
        };
        if !algorithm::verifies(&self.cert, data, &signature) {
            return Err(SignError::Mismatch {
                source_name: device_name(&self.token),
            });
        }
        Ok(signature)
    }
}

/// A token as the person is told of it.
fn device_name(token: &str) -> String {
    format!("thiết bị ký số \"{token}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_hex() {
        assert_eq!(key_id("01"), Some(vec![1]));
        assert_eq!(key_id("a0ff"), Some(vec![0xa0, 0xff]));
        assert_eq!(key_id("1"), None);
        assert_eq!(key_id("zz"), None);
        assert_eq!(key_id(""), None);
    }

    #[test]
    fn a_missing_module_says_so() {
        let e = module(Path::new("/khong/co/libtoken.so")).unwrap_err();
        assert!(e.to_string().contains("/khong/co/libtoken.so"), "{e}");
    }
}
