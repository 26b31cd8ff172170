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

/// Everything configurable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub mail: MailSettings,
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

impl Config {
    /// Reads `file` (or `vanthu.toml` when it exists and no file is named), then applies
    /// the environment through `var`.
    pub fn load(
        file: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let default = Path::new("vanthu.toml");
        let path = file.or(default.exists().then_some(default));
        let mut config = match path {
            None => Config::default(),
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.into(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(p.into(), e.to_string()))?
            }
        };
        config.mail.apply_env(var).map_err(ConfigError::Invalid)?;
        Ok(config)
    }
}
