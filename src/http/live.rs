//! What `vanthu serve` may change while it runs, and the reload that changes it.
//!
//! On SIGHUP (`systemctl reload vanthu`) the service reads its configuration again
//! ([`Live::load`]). When every part of it is usable, the new settings replace the old
//! ones at once ([`super::AppState::reload`]):
//!
//! - requests already running finish with the settings they started with; the next
//!   ones use the new: trusted proxies, secure cookies, who may read `/metrics`, the
//!   signing keys and trusted roots (a renewed certificate needs no restart), `[mail]`;
//! - the delivery worker finishes the message it is sending, then goes on with the
//!   new `[mail]` (no message is dropped or sent twice: the outbox is in the database);
//! - the daily reminder run and backup are planned again from the new times, and the
//!   mailboxes of `[incoming]` are read again with the new list.
//!
//! A configuration with a mistake changes nothing: the service keeps running with what
//! it had, and the log says what is wrong (as `vanthu doctor` does). The listening
//! address, the body limit, the request timeout, the fonts and the database are read
//! at start only; the log names those that changed and need a restart.
//! Environment variables are those the process started with (systemd reads
//! `/etc/default/vanthu` again only on restart).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;

use super::Fetching;
use super::metrics::MetricsAccess;
use crate::config::{BackupSettings, Config, ConfigError, ServerSettings, TrustedProxy};
use crate::mail::MailSettings;
use crate::sign::{Keyring, SignError};

/// The settings a running service may swap.
#[derive(Debug)]
pub struct Live {
    /// `[mail]`, for the delivery worker and the pages that send.
    pub mail: Arc<MailSettings>,
    /// `[signing]`: the keys (opened when first used) and the trusted roots.
    pub keyring: Arc<Keyring>,
    /// `[server] secure_cookies`.
    pub secure_cookies: bool,
    /// `[server] trusted_proxies`.
    pub trusted_proxies: Arc<[TrustedProxy]>,
    /// `[server] metrics_from` and `metrics_token`.
    pub metrics: Arc<MetricsAccess>,
    /// `[server] reminder_at`: the daily reminder run, None when off.
    pub reminder_at: Option<NaiveTime>,
    /// `[backup]`: the daily backup, None when no folder is set.
    pub backup: Option<DailyBackup>,
    /// `[incoming]`: the mailboxes read by the service.
    pub fetching: Fetching,
    /// The settings read at start only, to say which changes need a restart.
    fixed: Fixed,
}

/// The daily backup of `[backup]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyBackup {
    pub dir: PathBuf,
    pub at: NaiveTime,
    pub keep: usize,
}

/// What only a restart changes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fixed {
    addr: String,
    body_limit: usize,
    timeout_secs: u64,
}

/// Why a configuration cannot be used (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("[signing]: {0}")]
    Keys(#[from] SignError),
}

impl Live {
    /// Reads the configuration `file` (as [`Config::load`] does) and builds every part.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String> + Clone + Send + Sync + 'static,
    ) -> Result<Live, ReloadError> {
        let config = Config::load(file, env.clone())?;
        Live::from_config(config, env)
    }

    /// Every part of `config`, checked: the mail settings, the reminder and backup
    /// times, the mailboxes (passwords from `env`) and the trust files of the keyring.
    pub fn from_config(
        config: Config,
        env: impl Fn(&str) -> Option<String> + Clone + Send + Sync + 'static,
    ) -> Result<Live, ReloadError> {
        let Config {
            mail,
            server,
            signing,
            incoming,
            backup,
        } = config;
        mail.check().map_err(invalid)?;
        let reminder_at = server.reminder_time().map_err(invalid)?;
        let backup = daily_backup(&backup)?;
        let fetching = Fetching {
            mailboxes: incoming.mailboxes(env.clone()).map_err(invalid)?,
            every: (incoming.every_minutes > 0)
                .then(|| Duration::from_secs(60 * incoming.every_minutes)),
        };
        let keyring = Keyring::new(signing, env)?;
        let ServerSettings {
            addr,
            secure_cookies,
            body_limit,
            timeout_secs,
            trusted_proxies,
            metrics_from,
            metrics_token,
            reminder_at: _,
        } = server;
        Ok(Live {
            mail: Arc::new(mail),
            keyring: Arc::new(keyring),
            secure_cookies,
            trusted_proxies: Arc::from(trusted_proxies),
            metrics: Arc::new(MetricsAccess {
                from: metrics_from,
                token: metrics_token,
            }),
            reminder_at,
            backup,
            fetching,
            fixed: Fixed {
                addr,
                body_limit,
                timeout_secs,
            },
        })
    }

    /// The settings of `newer` that differ from these but only take effect after a
    /// restart, by their names in the configuration.
    pub fn restart_needed(&self, newer: &Live) -> Vec<&'static str> {
        let (a, b) = (&self.fixed, &newer.fixed);
        [
            (a.addr != b.addr, "server.addr"),
            (a.body_limit != b.body_limit, "server.body_limit"),
            (a.timeout_secs != b.timeout_secs, "server.timeout_secs"),
        ]
        .into_iter()
        .filter_map(|(changed, name)| changed.then_some(name))
        .collect()
    }
}

/// A setting that cannot be used, as [`Config::load`] says it.
fn invalid(problem: String) -> ReloadError {
    ReloadError::Config(ConfigError::Invalid(problem))
}

fn daily_backup(settings: &BackupSettings) -> Result<Option<DailyBackup>, ReloadError> {
    let at = settings.time().map_err(invalid)?;
    Ok(settings.dir.clone().map(|dir| DailyBackup {
        dir,
        at,
        keep: settings.keep,
    }))
}

/// Why a background task woke up.
pub(super) enum Wake {
    /// Its time came.
    Due,
    /// The settings were reloaded: plan again.
    Reloaded,
    /// The service is stopping.
    Stopped,
}

/// Waits `wait` (forever when None), or until the settings are reloaded or the service
/// stops.
pub(super) async fn pause(
    wait: Option<Duration>,
    live: &mut tokio::sync::watch::Receiver<Arc<Live>>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Wake {
    let sleep = async {
        match wait {
            Some(w) => tokio::time::sleep(w).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = sleep => Wake::Due,
        changed = live.changed() => match changed {
            Ok(()) => Wake::Reloaded,
            // The state is gone: the service is ending.
            Err(_) => Wake::Stopped,
        },
        _ = super::stopped(stop.clone()) => Wake::Stopped,
    }
}
