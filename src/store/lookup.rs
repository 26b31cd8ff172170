//! The database as the letters' [`Lookup`]: agencies, signers, recipient names and
//! programme data by id.

use rusqlite::OptionalExtension;
use serde_json::{Value, json};

use super::Store;
use crate::letter::{Lookup, StoredAgency, StoredPerson};

impl Lookup for Store {
    fn agency(&self, id: &str) -> Option<StoredAgency> {
        self.conn()
            .query_row(
                "SELECT a.name, a.abbreviation, a.units, a.place, a.short_name, a.level, p.short_name
                 FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id WHERE a.id = ?1",
                [id],
                |r| {
                    let name: String = r.get(0)?;
                    let units: String = r.get(2)?;
                    let level: String = r.get(5)?;
                    let parent: Option<String> = r.get(6)?;
                    Ok(StoredAgency {
                        name: name.lines().map(String::from).collect(),
                        abbreviation: r.get(1)?,
                        unit: units.split(',').map(str::trim).find(|u| !u.is_empty()).map(String::from),
                        place: r.get(3)?,
                        short_name: r.get(4)?,
                        // Only a department prints its governing agency above its name;
                        // a People's Committee's whole name is the issuer (Nghị định 30).
                        parent: parent.filter(|_| level == "department" || level == "office"),
                    })
                },
            )
            .optional()
            .ok()
            .flatten()
    }

    fn person(&self, id: &str) -> Option<StoredPerson> {
        self.conn()
            .query_row(
                "SELECT authority, title, name, agency_id, signs_for FROM people WHERE id = ?1",
                [id],
                |r| {
                    let authority: String = r.get(0)?;
                    let signs_for: String = r.get(4)?;
                    Ok(StoredPerson {
                        agency: r.get(3)?,
                        signs_for: signs_for
                            .split(',')
                            .filter(|a| !a.is_empty())
                            .map(String::from)
                            .collect(),
                        authority: authority
                            .lines()
                            .filter(|l| !l.trim().is_empty())
                            .map(String::from)
                            .collect(),
                        title: r.get(1)?,
                        name: r.get(2)?,
                    })
                },
            )
            .optional()
            .ok()
            .flatten()
    }

    fn recipient(&self, id: &str) -> Option<String> {
        let c = self.conn();
        c.query_row(
            "SELECT name FROM recipient_groups WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten()
        .or_else(|| {
            c.query_row("SELECT short_name FROM agencies WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .ok()
            .flatten()
        })
    }

    fn programme(&self, id: &str) -> Option<Value> {
        let c = self.conn();
        // The programme's own fields, then what is gathered below.
        let mut head: Value = c
            .query_row(
                "SELECT p.name, p.year, a.short_name, p.target_products, p.lead_unit, p.finance_unit, p.local_units
                 FROM programmes p JOIN agencies a ON a.id = p.issuer_id WHERE p.id = ?1",
                [id],
                |r| {
                    Ok(json!({
                        "id": id, "name": r.get::<_, String>(0)?, "year": r.get::<_, i64>(1)?,
                        "issuer": r.get::<_, String>(2)?, "target_products": r.get::<_, Option<i64>>(3)?,
                        "lead_unit": r.get::<_, String>(4)?, "finance_unit": r.get::<_, String>(5)?,
                        "local_units": r.get::<_, String>(6)?,
                    }))
                },
            )
            .optional()
            .ok()??;
        let mut stmt = c
            .prepare(
                "SELECT label, amount FROM budget_lines WHERE programme_id = ?1 ORDER BY position",
            )
            .ok()?;
        let budget: Vec<Value> = stmt
            .query_map([id], |r| {
                Ok(json!({"label": r.get::<_, String>(0)?, "amount": r.get::<_, i64>(1)?}))
            })
            .ok()?
            .filter_map(Result::ok)
            .collect();
        // Producers in order of their first product; products in registration order.
        let mut stmt = c
            .prepare(
                "SELECT pr.id, pr.name, pr.address, pr.kind, p.name, p.product_group, p.note
                 FROM products p JOIN producers pr ON pr.id = p.producer_id
                 WHERE p.programme_id = ?1
                 ORDER BY (SELECT min(rowid) FROM products q WHERE q.producer_id = pr.id AND q.programme_id = ?1), p.rowid",
            )
            .ok()?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .ok()?;
        let mut producers: Vec<Value> = vec![];
        let mut product_count = 0;
        for row in rows.filter_map(Result::ok) {
            let (pid, pname, address, kind, product, group, note) = row;
            product_count += 1;
            let item = json!({"name": product, "group": group, "note": note});
            match producers.last_mut() {
                Some(last) if last["id"] == pid => {
                    last["products"].as_array_mut().expect("array").push(item)
                }
                _ => producers.push(json!({
                    "id": pid, "tt": producers.len() + 1, "name": pname, "address": address,
                    "kind": kind, "products": [item],
                })),
            }
        }
        let count = |k: &str| producers.iter().filter(|p| p["kind"] == k).count();
        let mut stmt = c
            .prepare("SELECT what, due_date FROM milestones WHERE programme_id = ?1 ORDER BY due_date, rowid")
            .ok()?;
        let milestones: Vec<Value> = stmt
            .query_map([id], |r| {
                let due: String = r.get(1)?;
                let short = crate::model::DocDate::parse(&due)
                    .map(|d| d.short_form())
                    .unwrap_or(due);
                Ok(json!({"what": r.get::<_, String>(0)?, "due": short}))
            })
            .ok()?
            .filter_map(Result::ok)
            .collect();
        let rest = json!({
            "budget": budget, "producers": producers, "product_count": product_count,
            "milestones": milestones,
            "enterprise_count": count("enterprise"), "cooperative_count": count("cooperative"),
        });
        if let (Value::Object(h), Value::Object(r)) = (&mut head, rest) {
            h.extend(r);
        }
        Some(head)
    }
}
