//! Certificates that expire: the look-ahead window, the notice asking communes for
//! re-evaluation dossiers, and the withdrawal decision for the expired ones.

use super::*;

/// The expiry notice and withdrawal decision templates.
pub(super) const EXPIRY_NOTICE: &str = include_str!("../../templates/ocop/expiry-notice.toml");
pub(super) const WITHDRAWAL: &str = include_str!("../../templates/ocop/withdrawal.toml");

/// A look-ahead window: `6m`, `3m`, `90d`, `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Days(u32),
    Months(u32),
}

impl Window {
    pub fn parse(s: &str) -> Result<Window, String> {
        let s = s.trim();
        let bad = || {
            format!("khoảng \"{s}\" không hợp lệ; hãy ghi như 6m (tháng), 90d (ngày) hoặc 1y (năm)")
        };
        let (n, unit) = s.split_at(s.len().saturating_sub(1));
        let n: u32 = n.parse().map_err(|_| bad())?;
        match unit {
            "d" => Ok(Window::Days(n)),
            "m" => Ok(Window::Months(n)),
            "y" => Ok(Window::Months(n * 12)),
            _ => Err(bad()),
        }
    }

    /// The last day inside the window that starts on `from`.
    pub fn end(self, from: NaiveDate) -> NaiveDate {
        match self {
            Window::Days(d) => from + chrono::Days::new(u64::from(d)),
            Window::Months(m) => from
                .checked_add_months(chrono::Months::new(m))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

pub use crate::store::ocop::ExpiringCertificate;

/// What `expiring` found and drafted.
pub struct Expiring {
    pub certificates: Vec<ExpiringCertificate>,
    /// To the communes: re-evaluation dossiers for certificates expiring in the window.
    pub notice: Option<Composed>,
    /// Withdrawal of expired certificates whose products did not re-register.
    pub withdrawal: Option<Composed>,
}

/// Certificates of products in `issuer`'s territory that expire by the end of the
/// window (or already have), with the notice and the withdrawal decision drafts.
pub fn expiring(
    store: &Store,
    issuer: &str,
    date: NaiveDate,
    window: Window,
    signer: Option<&str>,
) -> Result<Expiring, OcopError> {
    let conn = store.conn();
    let name = crate::store::agencies::agency(conn, issuer)?
        .map(|a| a.name)
        .ok_or_else(|| OcopError::UnknownAgency(issuer.to_string()))?;
    let end = window.end(date);
    let certificates = crate::store::ocop::expiring_in_area(conn, issuer, end)?;
    let rows = |pick: &dyn Fn(&ExpiringCertificate) -> bool| -> Vec<serde_json::Value> {
        certificates
            .iter()
            .filter(|c| pick(c))
            .enumerate()
            .map(|(i, c)| {
                json!({"tt": i + 1, "name": c.product, "producer": c.producer, "address": c.address,
                       "stars": c.stars, "decision": c.decision,
                       "issued": DocDate::full(c.issued_on).short_form(),
                       "expires": DocDate::full(c.expires_on).short_form()})
            })
            .collect()
    };
    let expired = rows(&|c| c.expires_on <= date && !c.re_registered);
    let upcoming: Vec<i64> = certificates
        .iter()
        .filter(|c| c.expires_on > date && !c.re_registered)
        .map(|c| c.id)
        .collect();
    let notice = if upcoming.is_empty() {
        None
    } else {
        Some(expiry_notice(
            store,
            issuer,
            date,
            Some(end),
            &upcoming,
            signer,
        )?)
    };
    let withdrawal = if expired.is_empty() {
        None
    } else {
        let auth = Authority::of(store, issuer, &name, date)?;
        let executors = auth.executors.clone();
        Some(compose(
            store,
            Template {
                source: WITHDRAWAL,
                name: "templates/ocop/withdrawal.toml",
            },
            Fill {
                issuer,
                signer,
                date,
                addressees: vec![],
                data: json!({"products": expired, "count": format!("{:02}", expired.len()),
                             "executors": executors}),
                stem: format!("thu-hoi-{issuer}-{date}"),
            },
            |letter| auth.apply(letter),
        )?)
    };
    Ok(Expiring {
        certificates,
        notice,
        withdrawal,
    })
}

/// The notice asking for re-evaluation dossiers for the given certificates, written by
/// `issuer` on `date` to the producers' communes; "expiring by `until`" (default: the
/// last of their expiry dates).
pub fn expiry_notice(
    store: &Store,
    issuer: &str,
    date: NaiveDate,
    until: Option<NaiveDate>,
    certificates: &[i64],
    signer: Option<&str>,
) -> Result<Composed, OcopError> {
    let rows = crate::store::ocop::certificates(store.conn(), certificates)?;
    let until = until.unwrap_or_else(|| rows.iter().map(|r| r.expires_on).max().unwrap_or(date));
    let mut communes: Vec<String> = vec![];
    for r in &rows {
        if let Some(id) = &r.commune {
            let at = format!("@{id}");
            if !communes.contains(&at) {
                communes.push(at);
            }
        }
    }
    let products: Vec<serde_json::Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"tt": i + 1, "name": r.product, "producer": r.producer, "address": r.address,
                   "stars": r.stars, "decision": r.decision,
                   "issued": DocDate::full(r.issued_on).short_form(),
                   "expires": DocDate::full(r.expires_on).short_form()})
        })
        .collect();
    compose(
        store,
        Template {
            source: EXPIRY_NOTICE,
            name: "templates/ocop/expiry-notice.toml",
        },
        Fill {
            issuer,
            signer,
            date,
            addressees: communes,
            data: json!({"count": format!("{:02}", products.len()), "products": products,
                         "until": DocDate::full(until).short_form()}),
            stem: format!("het-han-{issuer}-{date}"),
        },
        |_| {},
    )
}
