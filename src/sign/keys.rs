//! Keys in PKCS#12 files (`.p12`/`.pfx`), and the keyring that finds the key of a
//! person or an agency from `[signing]` in the configuration: in a file, on a token
//! ([`super::pkcs11`]) or at a remote service ([`super::remote`]).
//!
//! Invariants: a password is read from the environment (or the configuration) when a
//! key is first needed and never printed, logged or kept in an error; a token's PIN comes
//! with the request ([`Unlock`]) and is never stored; a certificate is checked (validity
//! period, key usage, the configured CRLs) each time it signs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::{Decode, oid::ObjectIdentifier};

use x509_cert::spki::AlgorithmIdentifierOwned;

use secrecy::SecretString;

use super::pkcs11::{TokenKey, TokenSetting};
use super::remote::{Progress, RemoteKey, RemoteKeySetting, ServiceSetting};
use super::{SignError, Signer, subject};

/// sha256WithRSAEncryption (RFC 4055).
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// ecdsa-with-SHA256 (RFC 5758).
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

enum Key {
    Rsa(ring::rsa::KeyPair),
    Ecdsa(ring::signature::EcdsaKeyPair),
}

/// A private key and its certificate chain, read from a PKCS#12 file.
pub struct KeyFile {
    key: Key,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("KeyFile")
            .field("subject", &subject(&self.cert))
            .finish_non_exhaustive()
    }
}

impl KeyFile {
    /// Reads a PKCS#12 file. `label` names it in messages (its path).
    pub fn from_pkcs12(bytes: &[u8], password: &str, label: &str) -> Result<KeyFile, SignError> {
        let path = label.to_string();
        let store = KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Relaxed).map_err(
            |e| match e {
                p12_keystore::error::Error::MacError(_) => {
                    SignError::WrongPassword { path: path.clone() }
                }
                // A wrong password also shows as undecryptable or unpaddable content.
                p12_keystore::error::Error::UnpadError
                | p12_keystore::error::Error::Pkcs5Error(_) => {
                    SignError::WrongPassword { path: path.clone() }
                }
                other => SignError::KeyFile {
                    path: path.clone(),
                    message: other.to_string(),
                },
            },
        )?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| SignError::NoKey { path: path.clone() })?;
        let key_der = chain.key().as_der();
        let (key, public) =
            decode_key(key_der).ok_or(SignError::UnsupportedKey { path: path.clone() })?;
        let mut certs = vec![];
        for c in chain.certs() {
            certs.push(
                Certificate::from_der(c.as_der()).map_err(|e| SignError::KeyFile {
                    path: path.clone(),
                    message: e.to_string(),
                })?,
            );
        }
        // The leaf is the certificate of this key, wherever the file put it.
        let position = certs
            .iter()
            .position(|c| {
                c.tbs_certificate()
                    .subject_public_key_info()
                    .subject_public_key
                    .raw_bytes()
                    == public
            })
            .ok_or(SignError::NoKey { path: path.clone() })?;
        let cert = certs.remove(position);
        Ok(KeyFile {
            key,
            cert,
            chain: certs,
        })
    }

    /// Reads a PKCS#12 file from disk.
    pub fn open(path: &Path, password: &str) -> Result<KeyFile, SignError> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SignError::KeyFile {
            path: label.clone(),
            message: e.to_string(),
        })?;
        KeyFile::from_pkcs12(&bytes, password, &label)
    }
}

/// The key of a PKCS#8 document and its public key as a certificate's
/// `subjectPublicKey` holds it (RSAPublicKey DER, or the uncompressed EC point).
fn decode_key(der: &[u8]) -> Option<(Key, Vec<u8>)> {
    use ring::signature::KeyPair;
    if let Ok(key) = ring::rsa::KeyPair::from_pkcs8(der) {
        let public = key.public().as_ref().to_vec();
        return Some((Key::Rsa(key), public));
    }
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        der,
        &rng,
    )
    .ok()?;
    let public = key.public_key().as_ref().to_vec();
    Some((Key::Ecdsa(key), public))
}

impl Signer for KeyFile {
    fn certificate(&self) -> &Certificate {
        &self.cert
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        match self.key {
            Key::Rsa(_) => super::algorithm::KeyKind::Rsa,
            Key::Ecdsa(_) => super::algorithm::KeyKind::EcdsaP256,
        }
        .identifier()
    }

    fn sign(&self, data: &[u8], _purpose: &str) -> Result<Vec<u8>, SignError> {
        let rng = ring::rand::SystemRandom::new();
        let failed = |_| SignError::Crypto("khóa không ký được dữ liệu".into());
        match &self.key {
            Key::Rsa(k) => {
                let mut signature = vec![0; k.public().modulus_len()];
                k.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &rng,
                    data,
                    &mut signature,
                )
                .map_err(failed)?;
                Ok(signature)
            }
            Key::Ecdsa(k) => Ok(k.sign(&rng, data).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

pub use super::trust::{RevocationMode, Trust, read_certificates};

/// `[signing]` in `vanthu.toml`.
///
/// ```toml
/// [signing]
/// trust = ["khoa/root.pem"]          # roots `verify` accepts
/// crls = ["khoa/ca.crl"]             # revoked certificates are refused
/// revocation = "soft"                # "hard": unknown revocation status is not valid
/// fetch_revocation = false           # true: fetch CRLs/OCSP named by certificates
/// level = "B-LTA"                    # B-B, B-T, B-LT (adds a DSS), B-LTA (and a document timestamp)
/// require_signature = ["ubnd-hb"]    # agencies whose documents are never sent unsigned
/// [[signing.keys]]
/// agency = "ubnd-hb"                 # the agency's key (ô 8), used by its clerks at issue
/// p12 = "khoa/ubnd.p12"
/// password_env = "VANTHU_KEY_UBND"   # the file's password, from the environment
/// [[signing.keys]]
/// person = "nguyen-van-a"            # a signer's key kept on the server (ô 7c)
/// p12 = "khoa/nva.p12"
/// password_env = "VANTHU_KEY_NVA"
/// [[signing.keys]]
/// person = "tran-thi-b"              # a signer's key on a USB token (the PIN asked at issue)
/// pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "TTB", key_id = "01" }
/// [[signing.keys]]
/// person = "le-van-c"                # a signer's key at a remote signing service
/// remote = { service = "smartca", user = "012345678901" }
/// [[signing.remote]]
/// name = "smartca"
/// url = "https://ky-so.example.vn/api"
/// token_env = "VANTHU_SMARTCA_TOKEN"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigningSettings {
    pub trust: Vec<PathBuf>,
    pub crls: Vec<PathBuf>,
    /// `soft` (default) or `hard`: see [`RevocationMode`].
    pub revocation: RevocationMode,
    /// Fetch CRLs and OCSP responses named by certificates when verifying (and when
    /// adding long-term validation data).
    pub fetch_revocation: bool,
    /// The PAdES baseline level of issued signatures (default B-T with a TSA, else B-B).
    pub level: Option<super::Level>,
    pub require_signature: Vec<String>,
    pub keys: Vec<KeySetting>,
    /// `[signing.tsa]`: timestamps from an RFC 3161 authority (PAdES B-T).
    pub tsa: Option<super::tsa::TsaSetting>,
    /// `[[signing.remote]]`: remote signing services.
    pub remote: Vec<ServiceSetting>,
}

/// One key of `[[signing.keys]]`: for exactly one agency or one person, in exactly one
/// place (`p12`, `pkcs11` or `remote`).
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySetting {
    pub agency: Option<String>,
    pub person: Option<String>,
    /// A PKCS#12 file.
    pub p12: Option<PathBuf>,
    /// A key on a token or HSM.
    pub pkcs11: Option<TokenSetting>,
    /// A key at a remote signing service.
    pub remote: Option<RemoteKeySetting>,
    /// The environment variable holding the file's password.
    pub password_env: Option<String>,
    /// The password itself (a file readable by the service only; prefer `password_env`).
    pub password: Option<String>,
}

impl std::fmt::Debug for KeySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySetting")
            .field("agency", &self.agency)
            .field("person", &self.person)
            .field("p12", &self.p12)
            .field("pkcs11", &self.pkcs11)
            .field("remote", &self.remote)
            .field("password_env", &self.password_env)
            .finish_non_exhaustive()
    }
}

/// Whose key to look for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Agency(String),
    Person(String),
}

impl Owner {
    /// The role its key signs in: a person's as the signer, an agency's as the agency.
    pub fn role(&self) -> super::Role {
        match self {
            Owner::Agency(_) => super::Role::Agency,
            Owner::Person(_) => super::Role::Signer,
        }
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Agency(a) => write!(f, "cơ quan {a}"),
            Owner::Person(p) => write!(f, "người ký {p}"),
        }
    }
}

/// What the person issuing gives for this one signing: the PIN of each token key (typed
/// at the web form or the CLI prompt) and who is told while a remote service waits for the
/// signer's phone. Dropped after the issue; nothing of it is stored.
#[derive(Clone, Default)]
pub struct Unlock {
    pins: HashMap<super::Role, SecretString>,
    progress: Option<Progress>,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the PINs.
        f.debug_struct("Unlock")
            .field("pins_for", &self.pins.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Unlock {
    /// The PIN typed for the token of the key signing as `role`.
    pub fn with_pin(mut self, role: super::Role, pin: SecretString) -> Unlock {
        self.pins.insert(role, pin);
        self
    }

    /// Who hears "chờ xác nhận trên điện thoại" while a remote signer confirms.
    pub fn on_wait(mut self, progress: Progress) -> Unlock {
        self.progress = Some(progress);
        self
    }
}

/// Where a configured key is kept, as the person issuing meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlace {
    /// A PKCS#12 file on the server: nothing to ask.
    File,
    /// A token: its PIN is asked, naming the token.
    Token(String),
    /// A remote service: the signer confirms on their phone.
    Remote(String),
}

/// Where passwords come from: the environment, or a stand-in in tests and benchmarks.
type Env = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The configured keys, each opened when first used and kept in memory after, with the
/// trust settings that check them.
pub struct Keyring {
    settings: SigningSettings,
    trust: Trust,
    env: Env,
    open: Mutex<HashMap<Owner, Arc<KeyFile>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.settings.keys)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Reads the trust files of `settings`; keys are opened when first asked for, with
    /// passwords from `env`.
    pub fn new(
        settings: SigningSettings,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Keyring, SignError> {
        let mut trust = Trust::load(&settings.trust, &settings.crls)?;
        trust.revocation = settings.revocation;
        trust.fetch = settings.fetch_revocation;
        if let Some(level) = settings.level
            && level >= super::Level::BT
            && settings.tsa.is_none()
        {
            return Err(SignError::Config(format!(
                "level = \"{}\" cần dấu thời gian: thêm mục [signing.tsa]",
                level.name()
            )));
        }
        for key in &settings.keys {
            let owner = match (&key.agency, &key.person) {
                (Some(a), None) => Owner::Agency(a.clone()),
                (None, Some(p)) => Owner::Person(p.clone()),
                _ => {
                    return Err(SignError::Config(
                        "mỗi mục [[signing.keys]] ghi đúng một trong agency hoặc person".into(),
                    ));
                }
            };
            let places = [
                key.p12.is_some(),
                key.pkcs11.is_some(),
                key.remote.is_some(),
            ];
            if places.iter().filter(|p| **p).count() != 1 {
                return Err(SignError::Config(format!(
                    "khóa của {owner} phải ghi đúng một trong p12, pkcs11 hoặc remote"
                )));
            }
            if let Some(r) = &key.remote
                && !settings.remote.iter().any(|s| s.name == r.service)
            {
                return Err(SignError::Config(format!(
                    "khóa của {owner} dùng dịch vụ \"{}\" nhưng không có mục [[signing.remote]] nào tên đó",
                    r.service
                )));
            }
        }
        Ok(Keyring {
            settings,
            trust,
            env: Box::new(env),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A keyring with no keys (signing refused, verification with no trusted root).
    pub fn empty() -> Keyring {
        Keyring::new(SigningSettings::default(), |_| None).expect("no files to read")
    }

    /// The time-stamping authority, when one is configured.
    pub fn tsa(&self) -> Option<&super::tsa::TsaSetting> {
        self.settings.tsa.as_ref()
    }

    /// The level issued signatures reach: `[signing] level`, else B-T with a
    /// time-stamping authority and B-B without.
    pub fn level(&self) -> super::Level {
        self.settings
            .level
            .unwrap_or(if self.settings.tsa.is_some() {
                super::Level::BT
            } else {
                super::Level::BB
            })
    }

    /// The authority that timestamps each signature (B-T and above).
    pub fn signature_tsa(&self) -> Option<&super::tsa::TsaSetting> {
        (self.level() >= super::Level::BT)
            .then_some(())
            .and(self.settings.tsa.as_ref())
    }

    /// The trusted roots and CRLs.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// The `[signing]` settings the keyring was made from.
    pub fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    /// The certificate of the PKCS#12 key `setting` (of `owner`), the file opened with
    /// its password as a signature would open it.
    pub(super) fn key_file_certificate(
        &self,
        owner: &Owner,
        setting: &KeySetting,
    ) -> Result<Certificate, SignError> {
        Ok(self.key_file(owner, setting)?.certificate().clone())
    }

    /// Whether the documents of `agency` must be signed before they are sent.
    pub fn requires_signature(&self, agency: &str) -> bool {
        self.settings.require_signature.iter().any(|a| a == agency)
    }

    fn setting(&self, owner: &Owner) -> Option<&KeySetting> {
        self.settings.keys.iter().find(|k| match owner {
            Owner::Agency(a) => k.agency.as_deref() == Some(a),
            Owner::Person(p) => k.person.as_deref() == Some(p),
        })
    }

    /// Where the key of `owner` is kept, if one is configured.
    pub fn place(&self, owner: &Owner) -> Option<KeyPlace> {
        let setting = self.setting(owner)?;
        Some(match (&setting.pkcs11, &setting.remote) {
            (Some(t), _) => KeyPlace::Token(t.describe()),
            (None, Some(r)) => KeyPlace::Remote(r.service.clone()),
            (None, None) => KeyPlace::File,
        })
    }

    /// The key of `owner`, checked for use at `at`: a token is logged in with the PIN of
    /// `unlock`, a remote service asked for the signer's certificate.
    pub fn key(
        &self,
        owner: &Owner,
        at: chrono::DateTime<chrono::Utc>,
        unlock: &Unlock,
    ) -> Result<Arc<dyn Signer>, SignError> {
        let setting = self
            .setting(owner)
            .ok_or_else(|| SignError::NoKeyFor(owner.to_string()))?;
        let key: Arc<dyn Signer> = if let Some(token) = &setting.pkcs11 {
            let pin = unlock
                .pins
                .get(&owner.role())
                .ok_or_else(|| SignError::NoPin(format!("{} ({owner})", token.describe())))?;
            Arc::new(TokenKey::open(token, pin)?)
        } else if let Some(remote) = &setting.remote {
            let service = self
                .settings
                .remote
                .iter()
                .find(|s| s.name == remote.service)
                .expect("checked by Keyring::new");
            let token = service.token_env.as_ref().and_then(|v| (self.env)(v));
            Arc::new(RemoteKey::open(
                service,
                &remote.user,
                token,
                unlock.progress.clone(),
            )?)
        } else {
            self.key_file(owner, setting)?
        };
        self.trust.check(key.certificate(), at)?;
        Ok(key)
    }

    /// A PKCS#12 key, opened once and kept.
    fn key_file(&self, owner: &Owner, setting: &KeySetting) -> Result<Arc<KeyFile>, SignError> {
        Ok({
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            match open.get(owner) {
                Some(k) => k.clone(),
                None => {
                    let p12 = setting.p12.as_ref().expect("checked by Keyring::new");
                    // Messages name the key by its owner; the server's path goes to the
                    // log only (a clerk reads these messages on the page).
                    let label = owner.to_string();
                    let password = match (&setting.password_env, &setting.password) {
                        (Some(var), _) => (self.env)(var).ok_or_else(|| SignError::NoPassword {
                            path: label.clone(),
                            var: var.clone(),
                        })?,
                        (None, Some(p)) => p.clone(),
                        (None, None) => String::new(),
                    };
                    let opened = std::fs::read(p12)
                        .map_err(|e| SignError::KeyFile {
                            path: label.clone(),
                            message: e.kind().to_string(),
                        })
                        .and_then(|bytes| KeyFile::from_pkcs12(&bytes, &password, &label));
                    if let Err(e) = &opened {
                        tracing::warn!(path = %p12.display(), error = %e, "the key file did not open");
                    }
                    let k = Arc::new(opened?);
                    open.insert(owner.clone(), k.clone());
                    k
                }
            }
        })
    }
}
