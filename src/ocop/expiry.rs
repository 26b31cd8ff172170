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

/// A certificate in the issuer's territory, with what to do about it.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
pub struct ExpiringCertificate {
    pub id: i64,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub commune: Option<String>,
    pub stars: u8,
    pub decision: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// Evaluated again after the certificate was issued.
    pub re_registered: bool,
}

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
    let mut stmt = conn.prepare(
        "WITH RECURSIVE area(id) AS (
             SELECT ?1 UNION SELECT a.id FROM agencies a JOIN area ON a.parent_id = area.id)
         SELECT p.name, pr.name, pr.address, pr.commune_id, c.stars, c.decision, c.issued_on, c.expires_on,
                EXISTS (SELECT 1 FROM evaluations e WHERE e.product_id = p.id AND e.date > c.issued_on), c.id
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE pr.commune_id IN (SELECT id FROM area) AND c.expires_on <= ?2
         ORDER BY c.expires_on, p.name",
    )?;
    let certificates: Vec<ExpiringCertificate> = stmt
        .query_map(rusqlite::params![issuer, end.to_string()], |r| {
            Ok(ExpiringCertificate {
                id: r.get(9)?,
                product: r.get(0)?,
                producer: r.get(1)?,
                address: r.get(2)?,
                commune: r.get(3)?,
                stars: r.get(4)?,
                decision: r.get(5)?,
                issued_on: r.get::<_, NaiveDate>(6)?,
                expires_on: r.get::<_, NaiveDate>(7)?,
                re_registered: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
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

/// (product, producer, address, commune, stars, decision, issued, expires)
type NoticeRow = (
    String,
    String,
    String,
    Option<String>,
    u8,
    String,
    NaiveDate,
    NaiveDate,
);

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
    let ids = serde_json::to_string(certificates).expect("ids serialize");
    let mut stmt = store.conn().prepare(
        "SELECT p.name, pr.name, pr.address, pr.commune_id, c.stars, c.decision, c.issued_on, c.expires_on
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.id IN (SELECT value FROM json_each(?1))
         ORDER BY c.expires_on, p.name",
    )?;
    let rows: Vec<NoticeRow> = stmt
        .query_map([ids], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get::<_, NaiveDate>(6)?,
                r.get::<_, NaiveDate>(7)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let until = until.unwrap_or_else(|| rows.iter().map(|r| r.7).max().unwrap_or(date));
    let mut communes: Vec<String> = vec![];
    for r in &rows {
        if let Some(id) = &r.3 {
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
            json!({"tt": i + 1, "name": r.0, "producer": r.1, "address": r.2, "stars": r.4,
                   "decision": r.5, "issued": DocDate::full(r.6).short_form(),
                   "expires": DocDate::full(r.7).short_form()})
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
