//! The OCOP tables as the decisions read them: certificates (what a decision certified
//! and what expires), the legal bases and decision wordings in force on a day, the tier
//! policies, the programmes of an evaluation round, and the certificates expiring in
//! an agency's area. (The import writes these tables through `store::import`.)

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// One certificate to record: a product's stars under a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCertificate<'a> {
    pub product_id: &'a str,
    pub decision: &'a str,
    pub stars: u8,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// None: an imported certificate whose decision's issuer is not known.
    pub issuer_id: Option<&'a str>,
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
pub type ExpiringSoon = (String, String, u8, String);

/// The certificates of `issuers` (all when None) expiring between a month before and
/// six months after `day`, by day, at most 200.
pub fn expiring_around(
    conn: &Connection,
    day: &str,
    issuers: Option<&[String]>,
) -> Result<Vec<ExpiringSoon>, rusqlite::Error> {
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

/// The citations of `topic` (`local-government`, `ocop`) in force on `day`, in their
/// order among the grounds.
pub fn legal_bases(
    conn: &Connection,
    topic: &str,
    day: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT citation FROM legal_bases
         WHERE topic = ?1 AND effective_from <= ?2 AND (effective_until IS NULL OR effective_until > ?2)
         ORDER BY position, effective_from",
    )?
    .query_map([topic, day], |r| r.get(0))?
    .collect()
}

/// An agency's decision wording in force on `day` (the latest start on or before it):
/// who proposes and who executes.
pub fn wording(
    conn: &Connection,
    agency: &str,
    day: &str,
) -> Result<Option<(String, String)>, rusqlite::Error> {
    conn.query_row(
        "SELECT proposal, executors FROM decision_wordings
         WHERE agency_id = ?1 AND effective_from <= ?2
         ORDER BY effective_from DESC LIMIT 1",
        [agency, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The start (`YYYY-MM-DD`) of the tier policy of `province` (empty: the default) in
/// force on `day`, if any.
pub fn tier_policy_from(
    conn: &Connection,
    province: &str,
    day: &str,
) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row(
        "SELECT max(effective_from) FROM tier_policies WHERE province_id = ?1 AND effective_from <= ?2",
        [province, day],
        |r| r.get(0),
    )
}

/// The stars `level` may certify under the policy of `province` starting `from`:
/// `(min, max)`, None when that level certifies nothing there.
pub fn tier(
    conn: &Connection,
    province: &str,
    from: &str,
    level: &str,
) -> Result<Option<(u8, u8)>, rusqlite::Error> {
    conn.query_row(
        "SELECT min_stars, max_stars FROM tier_policies
         WHERE province_id = ?1 AND effective_from = ?2 AND level = ?3",
        [province, from, level],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The issuers of the programmes of the products evaluated in `round`.
pub fn round_programme_issuers(
    conn: &Connection,
    round: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT DISTINCT pg.issuer_id FROM evaluations e JOIN products p ON p.id = e.product_id
         JOIN programmes pg ON pg.id = p.programme_id WHERE e.round = ?1",
    )?
    .query_map([round], |r| r.get(0))?
    .collect()
}

/// Programme `id`'s issuing agency and its local units (as written), if stored.
pub fn programme(conn: &Connection, id: &str) -> Result<Option<(String, String)>, rusqlite::Error> {
    conn.query_row(
        "SELECT issuer_id, local_units FROM programmes WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// One product evaluated in a round, with its best score as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundProduct {
    pub product_id: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub score: i64,
}

/// The products evaluated in `round`, in the order first evaluated.
pub fn round_products(
    conn: &Connection,
    round: &str,
) -> Result<Vec<RoundProduct>, rusqlite::Error> {
    conn.prepare(
        "SELECT p.name, pr.name, pr.address, p.product_group, max(e.score), p.id
         FROM evaluations e JOIN products p ON p.id = e.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE e.round = ?1 GROUP BY p.id ORDER BY min(e.id)",
    )?
    .query_map([round], |r| {
        Ok(RoundProduct {
            product: r.get(0)?,
            producer: r.get(1)?,
            address: r.get(2)?,
            group: r.get(3)?,
            score: r.get(4)?,
            product_id: r.get(5)?,
        })
    })?
    .collect()
}

/// The year of `round`'s latest evaluation, if it has one.
pub fn round_year(conn: &Connection, round: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row(
        "SELECT substr(max(date), 1, 4) FROM evaluations WHERE round = ?1",
        [round],
        |r| r.get(0),
    )
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

/// A certificate's columns, the last saying whether its product was evaluated again
/// after the certificate was issued.
const CERTIFICATE_COLUMNS: &str = "c.id, p.name, pr.name, pr.address, pr.commune_id, c.stars, \
     c.decision, c.issued_on, c.expires_on, \
     EXISTS (SELECT 1 FROM evaluations e WHERE e.product_id = p.id AND e.date > c.issued_on)";

fn certificate(r: &rusqlite::Row) -> rusqlite::Result<ExpiringCertificate> {
    Ok(ExpiringCertificate {
        id: r.get(0)?,
        product: r.get(1)?,
        producer: r.get(2)?,
        address: r.get(3)?,
        commune: r.get(4)?,
        stars: r.get(5)?,
        decision: r.get(6)?,
        issued_on: r.get(7)?,
        expires_on: r.get(8)?,
        re_registered: r.get(9)?,
    })
}

/// The certificates of products whose producers are in `area` (an agency and every
/// agency below it) that expire on or before `end` (already expired included), by
/// expiry and product name.
pub fn expiring_in_area(
    conn: &Connection,
    area: &str,
    end: NaiveDate,
) -> Result<Vec<ExpiringCertificate>, rusqlite::Error> {
    conn.prepare(&format!(
        "WITH RECURSIVE area(id) AS (
             SELECT ?1 UNION SELECT a.id FROM agencies a JOIN area ON a.parent_id = area.id)
         SELECT {CERTIFICATE_COLUMNS}
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE pr.commune_id IN (SELECT id FROM area) AND c.expires_on <= ?2
         ORDER BY c.expires_on, p.name"
    ))?
    .query_map(params![area, end.to_string()], certificate)?
    .collect()
}

/// The certificates with these ids, by expiry and product name.
pub fn certificates(
    conn: &Connection,
    ids: &[i64],
) -> Result<Vec<ExpiringCertificate>, rusqlite::Error> {
    let ids = serde_json::to_string(ids).expect("ids serialize");
    conn.prepare(&format!(
        "SELECT {CERTIFICATE_COLUMNS}
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.id IN (SELECT value FROM json_each(?1))
         ORDER BY c.expires_on, p.name"
    ))?
    .query_map([ids], certificate)?
    .collect()
}
