//! Configuration: a TOML file (`--config`, `VANTHU_CONFIG`, or `vanthu.toml` in the
//! working folder when it exists), then `VANTHU_*` environment variables, which win.
//!
//! ```toml
//! [mail]
//! folder = "thu-di"            # .eml files when no SMTP server is set
//! concurrency = 4
//! rate_per_second = 10
//! [mail.smtp]
//! host = "mail.bacgiang.gov.vn"
//! security = "starttls"        # starttls (587), tls (465) or plain (25)
//! username = "vanthu@bacgiang.gov.vn"
//! # password: better in VANTHU_SMTP_PASSWORD than in a file
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::mail::MailSettings;

mod messages;

/// Everything configurable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub mail: MailSettings,
    pub server: ServerSettings,
    /// `[signing]`: keys, trusted roots, CRLs (see [`crate::sign::keys::SigningSettings`]).
    pub signing: crate::sign::keys::SigningSettings,
    /// `[incoming]`: the agencies' mailboxes (see [`crate::incoming::mailbox::Settings`]).
    pub incoming: crate::incoming::mailbox::Settings,
    /// `[backup]`: the service's daily backup.
    pub backup: BackupSettings,
}

/// `[backup]`: `vanthu serve` backs the database up every day at `at` (Vietnam time)
/// into `dir`, keeping the `keep` newest ([`crate::store::backups`]). Off while `dir`
/// is not set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupSettings {
    /// The folder (`VANTHU_BACKUP_DIR`); best on another disk.
    pub dir: Option<PathBuf>,
    /// "HH:MM", Vietnam time (`VANTHU_BACKUP_AT`).
    pub at: String,
    /// How many backups to keep (`VANTHU_BACKUP_KEEP`).
    pub keep: usize,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            dir: None,
            at: "02:00".into(),
            keep: 14,
        }
    }
}

impl BackupSettings {
    /// Applies `VANTHU_BACKUP_DIR`, `VANTHU_BACKUP_AT`, `VANTHU_BACKUP_KEEP`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(d) = var("VANTHU_BACKUP_DIR").filter(|d| !d.trim().is_empty()) {
            self.dir = Some(PathBuf::from(d.trim()));
        }
        if let Some(a) = var("VANTHU_BACKUP_AT") {
            self.at = a.trim().to_string();
        }
        if let Some(k) = var("VANTHU_BACKUP_KEEP") {
            self.keep = k
                .trim()
                .parse()
                .map_err(|_| format!("VANTHU_BACKUP_KEEP: \"{k}\" không phải số"))?;
        }
        self.time()?;
        if self.keep == 0 {
            return Err("backup.keep: phải giữ ít nhất 1 bản sao lưu".into());
        }
        Ok(())
    }

    /// The daily time.
    pub fn time(&self) -> Result<chrono::NaiveTime, String> {
        chrono::NaiveTime::parse_from_str(&self.at, "%H:%M")
            .map_err(|_| format!("backup.at: \"{}\" không phải giờ (ví dụ 02:00)", self.at))
    }
}

/// `[server]`: how `vanthu serve` listens and what it runs beside the web pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port (`VANTHU_ADDR`); port 0 takes a free port.
    pub addr: String,
    /// The daily reminder run, Vietnam time, "HH:MM" (`VANTHU_REMINDER_AT`); "" turns
    /// the in-service schedule off.
    pub reminder_at: String,
    /// Mark the session cookie Secure (behind a TLS proxy) (`VANTHU_SECURE_COOKIES=1`).
    pub secure_cookies: bool,
    /// The largest request body in bytes (uploads included).
    pub body_limit: usize,
    /// Requests taking longer are answered 408.
    pub timeout_secs: u64,
    /// The reverse proxies in front of the service (addresses or networks,
    /// `VANTHU_TRUSTED_PROXIES` comma-separated): from a request they pass on, the
    /// client's address is read from `X-Forwarded-For`; from anyone else that header
    /// is ignored.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// The addresses or networks that may read `/metrics`.
    pub metrics_from: Vec<TrustedProxy>,
    /// A token that lets any address read `/metrics` (`Authorization: Bearer …`;
    /// better in `VANTHU_METRICS_TOKEN` than in the file).
    pub metrics_token: Option<secrecy::SecretString>,
}

/// One trusted proxy: an address (`127.0.0.1`, `::1`) or a network (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl TrustedProxy {
    /// An address or a network, or what is wrong with it.
    pub fn parse(text: &str) -> Result<TrustedProxy, String> {
        let t = text.trim();
        t.parse::<ipnet::IpNet>()
            .or_else(|_| t.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| {
                format!(
                    "server.trusted_proxies: \"{t}\" không phải địa chỉ IP hay mạng (ví dụ 127.0.0.1 hoặc 10.0.0.0/8)"
                )
            })
    }

    /// Whether `ip` is this proxy (or in its network).
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.contains(ip)
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        TrustedProxy::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            addr: "127.0.0.1:8080".into(),
            reminder_at: "07:00".into(),
            secure_cookies: false,
            body_limit: 8 * 1024 * 1024,
            timeout_secs: 60,
            trusted_proxies: vec![],
            metrics_from: vec![],
            metrics_token: None,
        }
    }
}

impl ServerSettings {
    /// Applies `VANTHU_ADDR`, `VANTHU_REMINDER_AT`, `VANTHU_SECURE_COOKIES`,
    /// `VANTHU_TRUSTED_PROXIES`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(a) = var("VANTHU_ADDR").filter(|a| !a.trim().is_empty()) {
            self.addr = a.trim().to_string();
        }
        if let Some(a) = var("VANTHU_REMINDER_AT") {
            self.reminder_at = a.trim().to_string();
        }
        if let Some(v) = var("VANTHU_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.trim(), "1" | "true" | "yes");
        }
        if let Some(v) = var("VANTHU_METRICS_TOKEN").filter(|v| !v.trim().is_empty()) {
            self.metrics_token = Some(v.trim().to_string().into());
        }
        if let Some(v) = var("VANTHU_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(TrustedProxy::parse)
                .collect::<Result<_, _>>()?;
        }
        self.reminder_time()?;
        Ok(())
    }

    /// The reminder time, None when the schedule is off.
    pub fn reminder_time(&self) -> Result<Option<chrono::NaiveTime>, String> {
        if self.reminder_at.is_empty() {
            return Ok(None);
        }
        chrono::NaiveTime::parse_from_str(&self.reminder_at, "%H:%M")
            .map(Some)
            .map_err(|_| {
                format!(
                    "server.reminder_at: \"{}\" không phải giờ (ví dụ 07:00)",
                    self.reminder_at
                )
            })
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: không đọc được tệp cấu hình: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: tệp cấu hình sai: {1}")]
    Parse(PathBuf, String),
    #[error("cấu hình: {0}")]
    Invalid(String),
}

/// The file read when none is named: `vanthu.toml` in the working folder, if there.
fn chosen(file: Option<&Path>) -> Option<&Path> {
    let default = Path::new("vanthu.toml");
    file.or(default.exists().then_some(default))
}

/// At most this many problems are looked for in one file.
const MOST_PROBLEMS: usize = 50;

impl Config {
    /// Reads `file` (or `vanthu.toml` when it exists and no file is named), then applies
    /// the environment through `var`.
    pub fn load(
        file: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let path = chosen(file);
        let mut config = match path {
            None => Config::default(),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.into(), e))?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError::Parse(p.into(), described(&text, &e)))?
            }
        };
        match config.apply_env(var).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(config),
        }
    }

    /// Applies the environment to each section (`VANTHU_*`, which win over the file);
    /// what is wrong, one problem per section.
    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Vec<ConfigError> {
        [
            self.mail.apply_env(&var),
            self.server.apply_env(&var),
            self.backup.apply_env(&var),
        ]
        .into_iter()
        .filter_map(Result::err)
        .map(ConfigError::Invalid)
        .collect()
    }

    /// Every problem of the configuration, each on its own line, and the configuration
    /// without the settings that have one (for `vanthu doctor`, which goes on checking
    /// with it). A setting that is unknown or has a wrong value is named with its line
    /// and left out, and the file is read again, until it reads; a TOML syntax error
    /// ends the search (TOML cannot be read past it). Then the environment, section by
    /// section.
    pub fn diagnose(
        file: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> (Config, Vec<ConfigError>) {
        let mut problems = vec![];
        let mut config = Config::default();
        if let Some(path) = chosen(file) {
            match std::fs::read_to_string(path) {
                Err(e) => problems.push(ConfigError::Read(path.into(), e)),
                Ok(text) => {
                    let (read, found) = read_around_problems(&text);
                    config = read.unwrap_or_default();
                    problems.extend(
                        found
                            .into_iter()
                            .map(|p| ConfigError::Parse(path.into(), p)),
                    );
                }
            }
        }
        problems.extend(config.apply_env(var));
        (config, problems)
    }
}

/// toml's `error` about `text` as the IT officer reads it: "dòng N: " and what is wrong,
/// in Vietnamese ([`messages::vietnamese`]).
fn described(text: &str, error: &toml::de::Error) -> String {
    let said = messages::vietnamese(error.message());
    match error.span() {
        Some(span) => format!(
            "dòng {}: {said}",
            text[..span.start].matches('\n').count() + 1
        ),
        None => said,
    }
}

/// Reads `text`; on each error that points at lines, notes it ("dòng N: …"), comments
/// those lines out and reads again. Returns the configuration read without them (None
/// when the text never read) and every problem, in the order of the file.
fn read_around_problems(text: &str) -> (Option<Config>, Vec<String>) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut problems: Vec<(usize, String)> = vec![];
    let in_order = |mut problems: Vec<(usize, String)>| {
        problems.sort_by_key(|(line, _)| *line);
        problems.into_iter().map(|(_, p)| p).collect()
    };
    for _ in 0..MOST_PROBLEMS {
        let current = lines.join("\n");
        let error = match toml::from_str::<Config>(&current) {
            Ok(config) => return (Some(config), in_order(problems)),
            Err(e) => e,
        };
        let Some(span) = error.span() else {
            problems.push((usize::MAX, described(&current, &error)));
            break;
        };
        let first = current[..span.start].matches('\n').count();
        let last = first + current[span.clone()].matches('\n').count();
        problems.push((first, described(&current, &error)));
        // A syntax error, or one at a table's header: what follows cannot be read
        // apart from it.
        let header = lines[first].trim_start().starts_with('[');
        if toml::from_str::<toml::Table>(&current).is_err() || header {
            break;
        }
        let last = last.min(lines.len() - 1);
        for line in &mut lines[first..=last] {
            line.insert(0, '#');
        }
    }
    (None, in_order(problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnose(text: &str) -> (Config, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vanthu.toml");
        std::fs::write(&file, text).unwrap();
        let (config, problems) = Config::diagnose(Some(&file), |_| None);
        let problems = problems
            .iter()
            .map(|p| p.to_string().replace(&format!("{}: ", file.display()), ""))
            .collect();
        (config, problems)
    }

    #[test]
    fn every_mistake_is_named_with_its_line_and_the_rest_is_read() {
        let (config, problems) = diagnose(
            "[server]\naddr = \"0.0.0.0:9000\"\nbody_limit = \"tám\"\nfoo = 1\n\
             trusted_proxies = [\n  \"10.0.0.0/8\",\n  \"không-phải-ip\",\n]\n\
             [mail]\nrate_per_second = \"nhanh\"\nconcurrency = 2\n[backup]\nat = \"25:00\"\n",
        );
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').nth(1).unwrap_or(p).trim())
            .collect();
        assert_eq!(
            lines,
            ["dòng 3", "dòng 4", "dòng 5", "dòng 10", "backup.at"],
            "{problems:#?}"
        );
        assert!(problems[2].contains("không-phải-ip"), "{problems:#?}");
        // What had no mistake is read.
        assert_eq!(config.server.addr, "0.0.0.0:9000");
        assert_eq!(config.mail.concurrency, 2);
        assert!(config.server.trusted_proxies.is_empty());
    }

    #[test]
    fn a_syntax_error_is_the_only_problem_told_and_a_good_file_has_none() {
        let (_, problems) = diagnose("[server\naddr = 1\nfoo = 2\n");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains("dòng 1"), "{problems:#?}");
        let (config, problems) = diagnose("[server]\naddr = \"127.0.0.1:1\"\n");
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(config.server.addr, "127.0.0.1:1");
    }
}
