//! `/metrics`: the process's counters ([`crate::metrics`]) and the database's state,
//! in the Prometheus text format, for whoever the configuration lets read it.

use prometheus_client::encoding::prometheus_text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::store::Store;
use crate::store::metrics::counts;
use crate::store::time::Stamp;

type Labels = Vec<(String, String)>;

/// A gauge family with one label `name`, set from `(value of the label, count)` rows.
fn by(name: &str, rows: &[(String, i64)]) -> Family<Labels, Gauge> {
    let family = Family::<Labels, Gauge>::default();
    for (label, n) in rows {
        family
            .get_or_create(&vec![(name.to_string(), label.clone())])
            .set(*n);
    }
    family
}

fn gauge(n: i64) -> Gauge {
    let g = Gauge::default();
    g.set(n);
    g
}

/// The whole page: the process's metrics, then the store's, as of `now`.
pub fn text(store: &Store, now: Stamp) -> Result<String, rusqlite::Error> {
    let mut registry = Registry::default();
    crate::metrics::PROCESS.register(&mut registry);
    let c = counts(store.conn())?;
    registry.register("vanthu_drafts", "Drafts by state", by("state", &c.drafts));
    registry.register(
        "vanthu_documents",
        "Documents in the register by series (main: issued documents, copy: electronic copies)",
        by("series", &c.documents),
    );
    registry.register(
        "vanthu_document_signatures",
        "Digital signatures stored with issued documents",
        gauge(c.signatures),
    );
    registry.register(
        "vanthu_deliveries",
        "E-mail and paper deliveries by status",
        by("status", &c.deliveries),
    );
    let oldest = c
        .oldest_waiting
        .map_or(0, |t| t.until(now).as_secs() as i64);
    registry.register(
        "vanthu_outbox_oldest_waiting_seconds",
        "Age of the oldest message waiting to be sent (0: none waits)",
        gauge(oldest),
    );
    registry.register(
        "vanthu_bounces",
        "Messages that bounced after they were accepted",
        gauge(c.bounces),
    );
    registry.register(
        "vanthu_incoming_documents",
        "Incoming documents registered",
        gauge(c.incoming),
    );
    let mut out = String::new();
    encode(&mut out, &registry).expect("writing to a String does not fail");
    Ok(out)
}
