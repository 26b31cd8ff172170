//! Whether the configured keys will sign tomorrow: each key's certificate read (a
//! PKCS#12 file opened, a token's certificate file read), checked against the trust
//! settings as a signature would be, and its expiry said ahead of time (`vanthu
//! doctor`). A key on a token without a certificate file, or at a remote service, is
//! checked when it signs (it needs the PIN or the signer's phone).

use chrono::{DateTime, Utc};
use x509_cert::Certificate;

use super::SignError;
use super::keys::{KeySetting, Keyring, Owner};

/// How many days ahead an expiry is warned of.
pub const WARN_DAYS: i64 = 60;

/// What was found of one configured key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyHealth {
    pub owner: Owner,
    pub state: KeyState,
}

/// The state of a key's certificate.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyState {
    /// Trusted, and valid past the warning window.
    Good { until: DateTime<Utc> },
    /// Trusted, but expires within [`WARN_DAYS`].
    Expiring { until: DateTime<Utc>, days: i64 },
    /// It would not sign now (expired, untrusted, revoked, the file or password wrong).
    Bad(String),
    /// Checked only when it signs (a token's PIN, a remote signer's phone).
    Later(String),
}

impl KeyHealth {
    /// One line for a person reading the doctor's report, in Vietnamese.
    pub fn line(&self) -> String {
        let day = |t: &DateTime<Utc>| {
            t.with_timezone(&crate::vietnam_offset())
                .format("%d/%m/%Y")
                .to_string()
        };
        match &self.state {
            KeyState::Good { until } => {
                format!(
                    "khóa của {}: dùng được, hết hạn ngày {}",
                    self.owner,
                    day(until)
                )
            }
            KeyState::Expiring { until, days } => format!(
                "khóa của {}: CẢNH BÁO sắp hết hạn, còn {days} ngày (ngày {}); hãy đề nghị nhà cung cấp chứng thư số gia hạn và cấu hình khóa mới",
                self.owner,
                day(until)
            ),
            KeyState::Bad(problem) => format!("khóa của {}: KHÔNG KÝ ĐƯỢC: {problem}", self.owner),
            KeyState::Later(why) => format!("khóa của {}: {why}", self.owner),
        }
    }

    /// Whether a signature with it would fail now.
    pub fn is_bad(&self) -> bool {
        matches!(self.state, KeyState::Bad(_))
    }

    /// Whether it needs attention soon.
    pub fn is_expiring(&self) -> bool {
        matches!(self.state, KeyState::Expiring { .. })
    }
}

/// Every configured key, checked as of `now`.
pub fn check_keys(keyring: &Keyring, now: DateTime<Utc>) -> Vec<KeyHealth> {
    keyring
        .settings()
        .keys
        .iter()
        .filter_map(|setting| {
            let owner = owner_of(setting)?;
            let state = state_of(keyring, &owner, setting, now);
            Some(KeyHealth { owner, state })
        })
        .collect()
}

fn owner_of(setting: &KeySetting) -> Option<Owner> {
    match (&setting.agency, &setting.person) {
        (Some(a), None) => Some(Owner::Agency(a.clone())),
        (None, Some(p)) => Some(Owner::Person(p.clone())),
        _ => None,
    }
}

fn state_of(
    keyring: &Keyring,
    owner: &Owner,
    setting: &KeySetting,
    now: DateTime<Utc>,
) -> KeyState {
    let certificate = match certificate(keyring, owner, setting) {
        Ok(Some(c)) => c,
        Ok(None) if setting.remote.is_some() => {
            return KeyState::Later(
                "ở dịch vụ ký số từ xa: kiểm tra khi ký (người ký xác nhận trên điện thoại)".into(),
            );
        }
        Ok(None) => {
            return KeyState::Later(
                "trên thiết bị ký số (token): kiểm tra khi ký, cần mã PIN; ghi certificate = \"…pem\" để kiểm tra hạn trước".into(),
            );
        }
        Err(e) => return KeyState::Bad(e.to_string()),
    };
    if let Err(e) = keyring.trust().check(&certificate, now) {
        return KeyState::Bad(e.to_string());
    }
    let until = not_after(&certificate);
    let days = (until - now).num_days();
    if days < WARN_DAYS {
        KeyState::Expiring { until, days }
    } else {
        KeyState::Good { until }
    }
}

/// The key's certificate, when it can be read without a PIN or a phone.
fn certificate(
    keyring: &Keyring,
    owner: &Owner,
    setting: &KeySetting,
) -> Result<Option<Certificate>, SignError> {
    if setting.p12.is_some() {
        return Ok(Some(keyring.key_file_certificate(owner, setting)?));
    }
    match setting.pkcs11.as_ref().and_then(|t| t.certificate.as_ref()) {
        Some(pem) => Ok(super::keys::read_certificates(pem)?.into_iter().next()),
        None => Ok(None),
    }
}

/// The end of the certificate's validity.
fn not_after(c: &Certificate) -> DateTime<Utc> {
    let t = c.tbs_certificate().validity().not_after.to_unix_duration();
    DateTime::<Utc>::from_timestamp(t.as_secs() as i64, 0).unwrap_or_default()
}
