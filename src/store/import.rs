//! The writes of a programme-data import, one function per kind of row, all inside the
//! import's transaction (the caller's `&Connection` is that transaction). The rows are
//! checked before they get here (`data::importer`); an agency, person, producer,
//! product, tier, reminder policy, wording or holiday already stored under the same key
//! is updated, the rest are inserted.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// Whether a row with this id is stored in `table` (one of the import's tables).
pub fn exists(conn: &Connection, table: &'static str, id: &str) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .exists([id])
}

/// An agency as the import writes it (its parent is set afterwards: it may come later
/// in the file).
pub struct NewAgency<'a> {
    pub id: &'a str,
    /// One printed line per line.
    pub name: &'a str,
    pub level: &'a str,
    pub place: &'a str,
    pub abbreviation: &'a str,
    pub short_name: &'a str,
    /// The units, comma-separated.
    pub units: &'a str,
    pub email: Option<&'a str>,
    pub reply_to: Option<&'a str>,
}

/// Inserts or updates an agency.
pub fn agency(conn: &Connection, a: &NewAgency) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO agencies (id, name, level, place, abbreviation, short_name, units, email, reply_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level, place = excluded.place,
           abbreviation = excluded.abbreviation, short_name = excluded.short_name, units = excluded.units,
           email = excluded.email, reply_to = excluded.reply_to",
    )?
    .execute(params![
        a.id,
        a.name,
        a.level,
        a.place,
        a.abbreviation,
        a.short_name,
        a.units,
        a.email,
        a.reply_to
    ])?;
    Ok(())
}

/// Sets an agency's parent.
pub fn agency_parent(conn: &Connection, id: &str, parent: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("UPDATE agencies SET parent_id = ?1 WHERE id = ?2")?
        .execute(params![parent, id])?;
    Ok(())
}

/// Forgets an agency's decision wordings (before the file's replace them).
pub fn clear_wordings(conn: &Connection, agency: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("DELETE FROM decision_wordings WHERE agency_id = ?1")?
        .execute([agency])?;
    Ok(())
}

/// Inserts or updates an agency's decision wording in force from `from`.
pub fn wording(
    conn: &Connection,
    agency: &str,
    from: NaiveDate,
    proposal: &str,
    executors: &str,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO decision_wordings (agency_id, effective_from, proposal, executors) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (agency_id, effective_from) DO UPDATE SET proposal = excluded.proposal, executors = excluded.executors",
    )?
    .execute(params![agency, from.to_string(), proposal, executors])?;
    Ok(())
}

/// A person (signer) as the import writes them.
pub struct NewPerson<'a> {
    pub id: &'a str,
    pub agency: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// Signing authority lines, one per line.
    pub authority: &'a str,
    pub email: Option<&'a str>,
    /// The agencies they sign for, comma-separated.
    pub signs_for: &'a str,
}

/// Inserts or updates a person.
pub fn person(conn: &Connection, p: &NewPerson) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO people (id, agency_id, name, title, authority, email, signs_for) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET agency_id = excluded.agency_id, name = excluded.name,
           title = excluded.title, authority = excluded.authority, email = excluded.email,
           signs_for = excluded.signs_for",
    )?
    .execute(params![p.id, p.agency, p.name, p.title, p.authority, p.email, p.signs_for])?;
    Ok(())
}

/// Inserts a recipient group (an id already stored is an error).
pub fn group(conn: &Connection, id: &str, name: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("INSERT INTO recipient_groups (id, name) VALUES (?1, ?2)")?
        .execute(params![id, name])?;
    Ok(())
}

/// Adds an agency to a recipient group (once).
pub fn group_member(conn: &Connection, group: &str, agency: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO group_members (group_id, agency_id) VALUES (?1, ?2)",
    )?
    .execute(params![group, agency])?;
    Ok(())
}

/// A programme as the import writes it.
pub struct NewProgramme<'a> {
    pub id: &'a str,
    pub year: i32,
    pub issuer: &'a str,
    pub name: &'a str,
    pub target_products: Option<i64>,
    pub lead_unit: &'a str,
    pub finance_unit: &'a str,
    pub local_units: &'a str,
}

/// Inserts a programme (an id already stored is an error).
pub fn programme(conn: &Connection, p: &NewProgramme) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO programmes (id, year, issuer_id, name, target_products, lead_unit, finance_unit, local_units)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        p.id,
        p.year,
        p.issuer,
        p.name,
        p.target_products,
        p.lead_unit,
        p.finance_unit,
        p.local_units
    ])?;
    Ok(())
}

/// Adds a programme's budget line at `position` (from 1).
pub fn budget_line(
    conn: &Connection,
    programme: &str,
    position: i64,
    label: &str,
    amount: i64,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO budget_lines (programme_id, position, label, amount) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![programme, position, label, amount])?;
    Ok(())
}

/// The stored name of a producer.
pub fn producer_name(conn: &Connection, id: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT name FROM producers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// A producer as the import writes it.
pub struct NewProducer<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub address: &'a str,
    pub commune: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Inserts or updates a producer.
pub fn producer(conn: &Connection, p: &NewProducer) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO producers (id, name, kind, address, commune_id, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
           address = excluded.address, commune_id = excluded.commune_id, email = excluded.email",
    )?
    .execute(params![p.id, p.name, p.kind, p.address, p.commune, p.email])?;
    Ok(())
}

/// Whether `producer` already has a product named `name`.
pub fn has_product(conn: &Connection, producer: &str, name: &str) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("SELECT 1 FROM products WHERE producer_id = ?1 AND name = ?2")?
        .exists(params![producer, name])
}

/// A product as the import writes it.
pub struct NewProduct<'a> {
    pub id: &'a str,
    pub producer: &'a str,
    pub name: &'a str,
    pub group: &'a str,
    pub programme: Option<&'a str>,
    pub note: &'a str,
}

/// Inserts or updates a product.
pub fn product(conn: &Connection, p: &NewProduct) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO products (id, producer_id, name, product_group, programme_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET producer_id = excluded.producer_id, name = excluded.name,
           product_group = excluded.product_group, programme_id = excluded.programme_id, note = excluded.note",
    )?
    .execute(params![p.id, p.producer, p.name, p.group, p.programme, p.note])?;
    Ok(())
}

/// Adds a product's score in an evaluation round.
pub fn evaluation(
    conn: &Connection,
    product: &str,
    round: &str,
    date: NaiveDate,
    points: i64,
    council: &str,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO evaluations (product_id, round, date, score, council_level) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![product, round, date.to_string(), points, council])?;
    Ok(())
}

/// Inserts a milestone (an id already stored is an error); the agencies that owe it
/// are [`milestone_agency`] rows.
pub fn milestone(
    conn: &Connection,
    id: &str,
    programme: &str,
    what: &str,
    due: NaiveDate,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO milestones (id, programme_id, what, due_date) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, programme, what, due.to_string()])?;
    Ok(())
}

/// Adds an agency that owes a milestone (once).
pub fn milestone_agency(
    conn: &Connection,
    milestone: &str,
    agency: &str,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO milestone_agencies (milestone_id, agency_id) VALUES (?1, ?2)",
    )?
    .execute(params![milestone, agency])?;
    Ok(())
}

/// Inserts or updates the stars a council `level` of `province` certifies from `from`
/// (None: since always).
pub fn tier(
    conn: &Connection,
    province: &str,
    from: Option<NaiveDate>,
    level: &str,
    min_stars: i64,
    max_stars: i64,
) -> Result<(), rusqlite::Error> {
    let from = from.map_or_else(|| "0001-01-01".to_string(), |d| d.to_string());
    conn.prepare_cached(
        "INSERT INTO tier_policies (province_id, effective_from, level, min_stars, max_stars) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (province_id, effective_from, level) DO UPDATE SET min_stars = excluded.min_stars, max_stars = excluded.max_stars",
    )?
    .execute(params![province, from, level, min_stars, max_stars])?;
    Ok(())
}

/// A reminder policy as the import writes it.
pub struct NewReminderPolicy<'a> {
    /// A programme, milestone or agency id; empty for the default policy.
    pub scope: &'a str,
    /// Days before the due date, comma-separated.
    pub before_days: &'a str,
    pub on_due: bool,
    pub overdue_every: Option<u32>,
    pub working_days: bool,
    /// `draft`, `issue` or `send`.
    pub auto: &'a str,
    pub issuer: Option<&'a str>,
    /// Months before a certificate expires, comma-separated.
    pub expiry_months: &'a str,
    pub on_expiry: bool,
}

/// Inserts or updates the reminder policy of a scope.
pub fn reminder_policy(conn: &Connection, p: &NewReminderPolicy) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO reminder_policies (scope, before_days, on_due, overdue_every, working_days, auto, issuer_id,
            expiry_months, on_expiry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (scope) DO UPDATE SET before_days = excluded.before_days, on_due = excluded.on_due,
            overdue_every = excluded.overdue_every, working_days = excluded.working_days, auto = excluded.auto,
            issuer_id = excluded.issuer_id, expiry_months = excluded.expiry_months, on_expiry = excluded.on_expiry",
    )?
    .execute(params![
        p.scope,
        p.before_days,
        p.on_due,
        p.overdue_every,
        p.working_days,
        p.auto,
        p.issuer,
        p.expiry_months,
        p.on_expiry
    ])?;
    Ok(())
}

/// Inserts or renames a holiday.
pub fn holiday(conn: &Connection, day: NaiveDate, name: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO holidays (date, name) VALUES (?1, ?2) ON CONFLICT (date) DO UPDATE SET name = excluded.name",
    )?
    .execute(params![day.to_string(), name])?;
    Ok(())
}
