//! Delivery settings: where mail goes (an SMTP server, or `.eml` files in a folder when
//! none is configured), how fast, and how failures are retried. Read from the `[mail]`
//! table of the configuration file, then from `VANTHU_*` environment variables, which win.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the same machine, or tests).
    Plain,
}

impl Security {
    fn parse(s: &str) -> Result<Security, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Security::Starttls),
            "tls" | "ssl" => Ok(Security::Tls),
            "plain" | "none" => Ok(Security::Plain),
            other => Err(format!(
                "kiểu kết nối \"{other}\" không hợp lệ; hãy ghi starttls, tls hoặc plain"
            )),
        }
    }

    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        }
    }
}

/// An SMTP server to send through. The password is never printed.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default = "starttls")]
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A PEM file with the certificate authority to trust (a server with its own CA).
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for the server at each step.
    #[serde(default = "thirty")]
    pub timeout_secs: u64,
    /// The name vanthu gives in EHLO: a fully qualified domain name (servers with
    /// `reject_non_fqdn_helo_hostname` refuse a bare host name). Default: the machine's
    /// name when it is fully qualified, else the domain of `mail.from`.
    pub helo_name: Option<String>,
}

fn starttls() -> Security {
    Security::Starttls
}

fn thirty() -> u64 {
    30
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ca_file", &self.ca_file)
            .field("timeout_secs", &self.timeout_secs)
            .field("helo_name", &self.helo_name)
            .finish()
    }
}

impl Smtp {
    /// A server with the defaults a `[mail.smtp]` table gets: STARTTLS on 587, no
    /// login, 30 s timeout.
    pub fn new(host: &str) -> Smtp {
        Smtp {
            host: host.to_string(),
            port: None,
            security: starttls(),
            username: None,
            password: None,
            ca_file: None,
            timeout_secs: thirty(),
            helo_name: None,
        }
    }

    /// The EHLO name: `helo_name`, else `host` (the machine's name) when it is fully
    /// qualified, else the domain of `from`, else `localhost.localdomain`.
    pub fn hello_name(&self, from: Option<&str>, host: Option<&str>) -> String {
        if let Some(name) = &self.helo_name {
            return name.clone();
        }
        if let Some(host) = host.filter(|h| is_fqdn(h)) {
            return host.to_string();
        }
        from.and_then(|f| f.rsplit_once('@'))
            .map(|(_, domain)| domain.trim_end_matches('>').to_ascii_lowercase())
            .filter(|d| is_fqdn(d))
            .unwrap_or_else(|| "localhost.localdomain".into())
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }

    /// The longest one message may take, connection included: three timeouts.
    pub fn send_limit(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.saturating_mul(3))
    }
}

/// Whether `name` is a fully qualified domain name: dot-separated labels of letters,
/// digits and hyphens (not at a label's ends), at least two of them.
pub fn is_fqdn(name: &str) -> bool {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Everything the delivery worker needs to know.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// The SMTP server; without one, messages are written as .eml files to `folder`.
    pub smtp: Option<Smtp>,
    /// Where .eml files go when no SMTP server is configured.
    pub folder: PathBuf,
    /// The sender for documents whose issuing agency has no e-mail address.
    pub from: Option<String>,
    /// Messages sent at the same time.
    pub concurrency: usize,
    /// At most this many messages started per second (0: no limit).
    pub rate_per_second: f64,
    /// Attempts before a temporary failure becomes final.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled after each failure, up to `backoff_cap_secs`.
    pub backoff_secs: u64,
    pub backoff_cap_secs: u64,
    /// How long a worker owns a message it is sending; a message still "sending" after
    /// that (its worker died) is taken by the next worker. Must exceed one send.
    pub lease_secs: u64,
    /// DKIM keys, by the From domain they sign for (`[[mail.dkim]]`).
    pub dkim: Vec<super::dkim::DkimKey>,
    /// Where bounces go and where vanthu reads them (`[mail.bounces]`).
    pub bounces: Option<Bounces>,
}

/// The bounce mailbox: each message's envelope sender is `address` with `+<delivery
/// token>` before the `@` (VERP), and DSNs are asked for where the server offers them.
/// The MTA delivers that address (all its `+` extensions) to `maildir`, which vanthu
/// reads; or pipes each message into `vanthu bounces --stdin`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounces {
    /// e.g. `bounces@snnmt.bacninh.gov.vn`; the local part has no `+`.
    pub address: String,
    /// The Maildir the bounce address is delivered to (its `new/`, `cur/`, `tmp/`).
    pub maildir: Option<PathBuf>,
}

impl Bounces {
    /// The local part of the address (`bounces`).
    pub fn local(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(l, _)| l)
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp: None,
            folder: PathBuf::from("thu-di"),
            from: None,
            concurrency: 4,
            rate_per_second: 0.0,
            max_attempts: 8,
            backoff_secs: 60,
            backoff_cap_secs: 3600,
            lease_secs: 300,
            dkim: vec![],
            bounces: None,
        }
    }
}

impl MailSettings {
    /// The wait before retry number `attempt` (1 = the first retry): `backoff_secs`
    /// doubled per earlier failure, never more than `backoff_cap_secs`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(30);
        Duration::from_secs(
            self.backoff_secs
                .saturating_mul(factor)
                .min(self.backoff_cap_secs),
        )
    }

    /// Applies `VANTHU_SMTP_*` / `VANTHU_MAIL_*` variables from `var` over these
    /// settings. A bad value is an error naming the variable.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String> {
            v.trim()
                .parse()
                .map_err(|_| format!("{name}: \"{v}\" không phải số"))
        }
        if let Some(host) = var("VANTHU_SMTP_HOST").filter(|h| !h.trim().is_empty()) {
            match self.smtp.as_mut() {
                Some(smtp) => smtp.host = host.trim().to_string(),
                None => self.smtp = Some(Smtp::new(host.trim())),
            }
        }
        if let Some(smtp) = self.smtp.as_mut() {
            if let Some(v) = var("VANTHU_SMTP_PORT") {
                smtp.port = Some(num("VANTHU_SMTP_PORT", &v)?);
            }
            if let Some(v) = var("VANTHU_SMTP_SECURITY") {
                smtp.security =
                    Security::parse(&v).map_err(|e| format!("VANTHU_SMTP_SECURITY: {e}"))?;
            }
            if let Some(v) = var("VANTHU_SMTP_USER") {
                smtp.username = Some(v);
            }
            if let Some(v) = var("VANTHU_SMTP_PASSWORD") {
                smtp.password = Some(v);
            }
            if let Some(v) = var("VANTHU_SMTP_CA") {
                smtp.ca_file = Some(PathBuf::from(v));
            }
            if let Some(v) = var("VANTHU_SMTP_HELO") {
                smtp.helo_name = Some(v.trim().to_string());
            }
            if let Some(v) = var("VANTHU_SMTP_TIMEOUT") {
                smtp.timeout_secs = num("VANTHU_SMTP_TIMEOUT", &v)?;
            }
        }
        if let Some(v) = var("VANTHU_MAIL_FOLDER") {
            self.folder = PathBuf::from(v);
        }
        if let Some(v) = var("VANTHU_MAIL_FROM") {
            self.from = Some(v);
        }
        if let Some(v) = var("VANTHU_MAIL_CONCURRENCY") {
            self.concurrency = num("VANTHU_MAIL_CONCURRENCY", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_RATE") {
            self.rate_per_second = num("VANTHU_MAIL_RATE", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_MAX_ATTEMPTS") {
            self.max_attempts = num("VANTHU_MAIL_MAX_ATTEMPTS", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_BACKOFF") {
            self.backoff_secs = num("VANTHU_MAIL_BACKOFF", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_BACKOFF_CAP") {
            self.backoff_cap_secs = num("VANTHU_MAIL_BACKOFF_CAP", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_LEASE") {
            self.lease_secs = num("VANTHU_MAIL_LEASE", &v)?;
        }
        if let Some(v) = var("VANTHU_MAIL_BOUNCES").filter(|v| !v.trim().is_empty()) {
            let maildir = self.bounces.take().and_then(|b| b.maildir);
            self.bounces = Some(Bounces {
                address: v.trim().to_string(),
                maildir,
            });
        }
        if let Some(v) = var("VANTHU_MAIL_BOUNCES_MAILDIR") {
            match self.bounces.as_mut() {
                Some(b) => b.maildir = Some(PathBuf::from(v)),
                None => {
                    return Err(
                        "VANTHU_MAIL_BOUNCES_MAILDIR cần cả địa chỉ nhận thư trả lại (VANTHU_MAIL_BOUNCES hoặc mail.bounces.address)".into(),
                    );
                }
            }
        }
        self.check()
    }

    /// Refuses settings that cannot work.
    pub fn check(&self) -> Result<(), String> {
        if self.concurrency == 0 {
            return Err("mail.concurrency phải lớn hơn 0".into());
        }
        if self.max_attempts == 0 {
            return Err("mail.max_attempts phải lớn hơn 0".into());
        }
        if !(self.rate_per_second >= 0.0 && self.rate_per_second.is_finite()) {
            return Err("mail.rate_per_second phải là số không âm".into());
        }
        if self.rate_per_second > 0.0 && 3.0 / self.rate_per_second >= self.lease_secs as f64 {
            return Err(format!(
                "mail.rate_per_second ({}) quá thấp so với mail.lease_secs ({}): một lượt gửi phải đến trong một phần ba thời hạn giữ chỗ; hãy tăng rate_per_second hoặc lease_secs",
                self.rate_per_second, self.lease_secs
            ));
        }
        for key in &self.dkim {
            key.load()?;
        }
        if let Some(b) = &self.bounces {
            let email = crate::data::Email::parse(&b.address)
                .map_err(|e| format!("mail.bounces.address: {e}"))?;
            if b.local().contains('+') {
                return Err(format!(
                    "mail.bounces.address \"{}\" không được có dấu + (vanthu thêm +<mã thư> vào trước @)",
                    email.as_str()
                ));
            }
        }
        if let Some(s) = &self.smtp {
            if s.host.is_empty() {
                return Err("mail.smtp.host trống".into());
            }
            if let Some(name) = s.helo_name.as_deref().filter(|n| !is_fqdn(n)) {
                return Err(format!(
                    "mail.smtp.helo_name \"{name}\" không phải tên miền đầy đủ; hãy ghi tên như mail.snnptnt.bacgiang.gov.vn"
                ));
            }
            if s.username.is_some() != s.password.is_some() {
                return Err("mail.smtp: cần cả username và password (hoặc bỏ cả hai)".into());
            }
            if self.lease_secs <= s.send_limit().as_secs() {
                return Err(format!(
                    "mail.lease_secs ({}) phải lớn hơn ba lần mail.smtp.timeout_secs ({})",
                    self.lease_secs, s.timeout_secs
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = MailSettings {
            backoff_secs: 60,
            backoff_cap_secs: 600,
            ..MailSettings::default()
        };
        let secs: Vec<u64> = (1..=6).map(|a| s.backoff(a).as_secs()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 600, 600]);
        assert_eq!(s.backoff(200).as_secs(), 600, "no overflow");
    }

    #[test]
    fn environment_overrides_and_the_password_is_never_printed() {
        let mut s = MailSettings::default();
        let env = |k: &str| match k {
            "VANTHU_SMTP_HOST" => Some("mail.bacgiang.example".to_string()),
            "VANTHU_SMTP_SECURITY" => Some("tls".to_string()),
            "VANTHU_SMTP_USER" => Some("vanthu".to_string()),
            "VANTHU_SMTP_PASSWORD" => Some("bí-mật".to_string()),
            "VANTHU_MAIL_CONCURRENCY" => Some("8".to_string()),
            _ => None,
        };
        s.apply_env(env).unwrap();
        let smtp = s.smtp.as_ref().unwrap();
        assert_eq!(smtp.port(), 465);
        assert_eq!(s.concurrency, 8);
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("bí-mật") && shown.contains("***"),
            "{shown}"
        );
    }

    #[test]
    fn the_ehlo_name_is_fully_qualified() {
        let smtp = Smtp::new("mail.example");
        let from = Some("Sở NN <snn@bacgiang.gov.vn>");
        assert_eq!(smtp.hello_name(from, Some("vm")), "bacgiang.gov.vn");
        assert_eq!(smtp.hello_name(from, Some("vm.snn.vn")), "vm.snn.vn");
        assert_eq!(smtp.hello_name(None, Some("vm")), "localhost.localdomain");
        let set = Smtp {
            helo_name: Some("mail.snn.vn".into()),
            ..Smtp::new("mail.example")
        };
        assert_eq!(set.hello_name(from, Some("vm.snn.vn")), "mail.snn.vn");
        for bad in ["vm", "-a.vn", "a..vn", "mail snn.vn", "máy.vn"] {
            assert!(!is_fqdn(bad), "{bad}");
            let s = MailSettings {
                smtp: Some(Smtp {
                    helo_name: Some(bad.into()),
                    ..Smtp::new("mail.example")
                }),
                ..MailSettings::default()
            };
            let e = s.check().unwrap_err();
            assert!(e.contains("không phải tên miền đầy đủ"), "{e}");
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let mut s = MailSettings::default();
        let e = s
            .apply_env(|k| (k == "VANTHU_MAIL_RATE").then(|| "nhanh".to_string()))
            .unwrap_err();
        assert!(e.contains("VANTHU_MAIL_RATE"), "{e}");
        let e = MailSettings::default()
            .apply_env(|k| match k {
                "VANTHU_SMTP_HOST" => Some("h".into()),
                "VANTHU_SMTP_SECURITY" => Some("ssl3".into()),
                _ => None,
            })
            .unwrap_err();
        assert!(e.contains("starttls, tls hoặc plain"), "{e}");
    }
}
