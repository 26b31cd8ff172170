//! The OCOP tables' certificates (`certificates`, with their products and producers):
//! what a decision certified and what expires. (Programmes, evaluations, tier
//! policies and legal bases are still read in `ocop`, `data` and `service::programme`;
//! they move here next.)

use chrono::NaiveDate;
use rusqlite::{Connection, params};

/// One certificate to record: a product's stars under a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCertificate<'a> {
    pub product_id: &'a str,
    pub decision: &'a str,
    pub stars: u8,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub issuer_id: &'a str,
}

/// Records one certificate.
pub fn insert_certificate(conn: &Connection, c: &NewCertificate) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO certificates (product_id, decision, stars, issued_on, expires_on, issuer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        c.product_id,
        c.decision,
        c.stars,
        c.issued_on.to_string(),
        c.expires_on.to_string(),
        c.issuer_id
    ])?;
    Ok(())
}

/// The certifying agencies recorded for decision `decision` (None: an import's
/// certificate without one).
pub fn decision_issuers(
    conn: &Connection,
    decision: &str,
) -> Result<Vec<Option<String>>, rusqlite::Error> {
    conn.prepare("SELECT DISTINCT issuer_id FROM certificates WHERE decision = ?1")?
        .query_map([decision], |r| r.get(0))?
        .collect()
}

/// One certified product as its certificate prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Certified {
    pub product_id: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub stars: u8,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

/// The certificates of decision `decision`, in the order recorded.
pub fn certified_by(conn: &Connection, decision: &str) -> Result<Vec<Certified>, rusqlite::Error> {
    conn.prepare(
        "SELECT p.id, p.name, pr.name, pr.address, p.product_group, c.stars, c.issued_on, c.expires_on
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.decision = ?1 ORDER BY c.id",
    )?
    .query_map([decision], |r| {
        Ok(Certified {
            product_id: r.get(0)?,
            product: r.get(1)?,
            producer: r.get(2)?,
            address: r.get(3)?,
            group: r.get(4)?,
            stars: r.get(5)?,
            issued_on: r.get(6)?,
            expires_on: r.get(7)?,
        })
    })?
    .collect()
}

/// A certificate that expires soon: product, producer, stars and day (`YYYY-MM-DD`).
pub type Expiring = (String, String, u8, String);

/// The certificates of `issuers` (all when None) expiring between a month before and
/// six months after `day`, by day, at most 200.
pub fn expiring_around(
    conn: &Connection,
    day: &str,
    issuers: Option<&[String]>,
) -> Result<Vec<Expiring>, rusqlite::Error> {
    let issuers = issuers.map(|v| serde_json::to_string(v).expect("strings"));
    conn.prepare_cached(
        "SELECT p.name, pr.name, c.stars, c.expires_on FROM certificates c
         JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.expires_on BETWEEN date(?1, '-1 months') AND date(?1, '+6 months')
           AND (?2 IS NULL OR c.issuer_id IN (SELECT value FROM json_each(?2)))
         ORDER BY c.expires_on, p.name LIMIT 200",
    )?
    .query_map(params![day, issuers], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?
    .collect()
}
