//! What the process counts as it works, for `/metrics` (the Prometheus text format):
//! renders and their time, renders waiting for a slot, signatures and their time,
//! failed logins, reminder runs. Every layer counts here without knowing who reads;
//! the service adds the database's state (drafts, documents, deliveries, the outbox)
//! when it is scraped ([`crate::service::metrics`]). Counters start at zero with the
//! process.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The process's own metrics.
pub struct Process {
    /// Work done in a render slot (a PDF, a DOCX, a preview, an electronic copy, the
    /// signature check of an upload).
    pub renders: Counter,
    pub render_seconds: Histogram,
    /// Callers waiting for a render slot now.
    pub renders_waiting: Gauge,
    /// Digital signatures made (each PAdES signature of the signer's or the agency's key).
    pub signatures: Counter,
    pub signature_seconds: Histogram,
    /// Sign-ins refused for a wrong login or password.
    pub login_failures: Counter,
    /// Runs of the daily reminder schedule inside the service, by outcome (`ok`, `failed`).
    pub reminder_runs: Family<Vec<(String, String)>, Counter>,
}

/// Seconds from 5 ms to about 20 s.
fn seconds() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0,
    ])
}

/// The one set of the process.
pub static PROCESS: LazyLock<Process> = LazyLock::new(|| Process {
    renders: Counter::default(),
    render_seconds: seconds(),
    renders_waiting: Gauge::default(),
    signatures: Counter::default(),
    signature_seconds: seconds(),
    login_failures: Counter::default(),
    reminder_runs: Family::default(),
});

impl Process {
    /// One render slot's work of `took`.
    pub fn rendered(&self, took: Duration) {
        self.renders.inc();
        self.render_seconds.observe(took.as_secs_f64());
    }

    /// One signature that took `took`.
    pub fn signed(&self, took: Duration) {
        self.signatures.inc();
        self.signature_seconds.observe(took.as_secs_f64());
    }

    /// One run of the reminder schedule.
    pub fn reminder_run(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.reminder_runs
            .get_or_create(&vec![("outcome".into(), outcome.into())])
            .inc();
    }

    /// Adds the process's metrics to `registry` (they keep counting after).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "vanthu_renders",
            "Work done in a render slot",
            self.renders.clone(),
        );
        registry.register(
            "vanthu_render_seconds",
            "Time of the work done in a render slot",
            self.render_seconds.clone(),
        );
        registry.register(
            "vanthu_renders_waiting",
            "Callers waiting for a render slot",
            self.renders_waiting.clone(),
        );
        registry.register(
            "vanthu_signatures",
            "Digital signatures made by this process",
            self.signatures.clone(),
        );
        registry.register(
            "vanthu_signature_seconds",
            "Time of each digital signature (a remote signer's wait included)",
            self.signature_seconds.clone(),
        );
        registry.register(
            "vanthu_login_failures",
            "Sign-ins refused for a wrong login or password",
            self.login_failures.clone(),
        );
        registry.register(
            "vanthu_reminder_runs",
            "Runs of the daily reminder schedule",
            self.reminder_runs.clone(),
        );
    }
}
