//! The directory's tables: `agencies`, `people`, `recipient_groups` and
//! `group_members`, as typed rows. (The images of signatures and seals are in
//! [`super::images`]; the import writes these tables in `data`.)

use rusqlite::{Connection, OptionalExtension, params};

/// One stored agency.
#[derive(Debug, Clone, PartialEq)]
pub struct Agency {
    pub id: String,
    /// The printed lines joined by a newline.
    pub name: String,
    pub parent_id: Option<String>,
    /// `national`, `province`, `district`, `commune`, `department`, `office`, `other`.
    pub level: String,
    pub place: String,
    pub abbreviation: String,
    pub short_name: String,
    /// The drafting units, comma-separated.
    pub units: String,
    pub email: Option<String>,
    pub reply_to: Option<String>,
    /// The short name of the parent agency, when it has one.
    pub parent_short_name: Option<String>,
}

impl Agency {
    /// The printed name on one line ("Ủy ban nhân dân huyện Lạc Sơn").
    pub fn one_line(&self) -> String {
        self.name.lines().collect::<Vec<_>>().join(" ")
    }
}

const AGENCY: &str = "SELECT a.id, a.name, a.parent_id, a.level, a.place, a.abbreviation, a.short_name,
    a.units, a.email, a.reply_to, p.short_name FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id";

fn agency_row(r: &rusqlite::Row) -> rusqlite::Result<Agency> {
    Ok(Agency {
        id: r.get(0)?,
        name: r.get(1)?,
        parent_id: r.get(2)?,
        level: r.get(3)?,
        place: r.get(4)?,
        abbreviation: r.get(5)?,
        short_name: r.get(6)?,
        units: r.get(7)?,
        email: r.get(8)?,
        reply_to: r.get(9)?,
        parent_short_name: r.get(10)?,
    })
}

/// Agency `id`, if stored.
pub fn agency(conn: &Connection, id: &str) -> Result<Option<Agency>, rusqlite::Error> {
    conn.prepare_cached(&format!("{AGENCY} WHERE a.id = ?1"))?
        .query_row([id], agency_row)
        .optional()
}

/// Every stored agency, in the order they were imported.
pub fn agencies(conn: &Connection) -> Result<Vec<Agency>, rusqlite::Error> {
    conn.prepare(&format!("{AGENCY} ORDER BY a.rowid"))?
        .query_map([], agency_row)?
        .collect()
}

/// The agencies below agency `id` (its children), then those beside it (the other
/// children of its parent), each group in the order they were imported.
pub fn below_and_beside(conn: &Connection, id: &str) -> Result<Vec<Agency>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{AGENCY} WHERE a.parent_id = ?1
            OR (a.id <> ?1 AND a.parent_id = (SELECT parent_id FROM agencies WHERE id = ?1))
         ORDER BY a.parent_id = ?1 DESC, a.rowid"
    ))?
    .query_map([id], agency_row)?
    .collect()
}

/// Whether agency `id` is stored.
pub fn agency_exists(conn: &Connection, id: &str) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM agencies WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )
}

/// The short name of agency `id`, if stored.
pub fn short_name(conn: &Connection, id: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT short_name FROM agencies WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// `(id, short name)` of every agency, or only of `only`, by short name.
pub fn short_names(
    conn: &Connection,
    only: Option<&str>,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT id, short_name FROM agencies WHERE ?1 IS NULL OR id = ?1 ORDER BY short_name, id",
    )?
    .query_map([only], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// One stored person.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub title: String,
    /// The authority lines ("KT. CHỦ TỊCH", …) joined by a newline.
    pub authority: String,
    pub email: Option<String>,
    /// The agencies they also sign for, comma-separated.
    pub signs_for: String,
    /// Their agency's short name.
    pub agency_short_name: String,
}

const PERSON: &str = "SELECT p.id, p.agency_id, p.name, p.title, p.authority, p.email, p.signs_for,
    a.short_name FROM people p JOIN agencies a ON a.id = p.agency_id";

fn person_row(r: &rusqlite::Row) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        agency_id: r.get(1)?,
        name: r.get(2)?,
        title: r.get(3)?,
        authority: r.get(4)?,
        email: r.get(5)?,
        signs_for: r.get(6)?,
        agency_short_name: r.get(7)?,
    })
}

/// Person `id`, if stored.
pub fn person(conn: &Connection, id: &str) -> Result<Option<Person>, rusqlite::Error> {
    conn.prepare_cached(&format!("{PERSON} WHERE p.id = ?1"))?
        .query_row([id], person_row)
        .optional()
}

/// Every stored person, or only those of agency `of`, by agency and then in the
/// order they were imported (an agency's first person is its head).
pub fn people(conn: &Connection, of: Option<&str>) -> Result<Vec<Person>, rusqlite::Error> {
    conn.prepare_cached(&format!(
        "{PERSON} WHERE ?1 IS NULL OR p.agency_id = ?1 ORDER BY p.agency_id, p.rowid"
    ))?
    .query_map([of], person_row)?
    .collect()
}

/// The name of person `id`, if stored.
pub fn person_name(conn: &Connection, id: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT name FROM people WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The first person stored for agency `id` (its head, by the import's order).
pub fn head_of(conn: &Connection, agency: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT id FROM people WHERE agency_id = ?1 ORDER BY rowid LIMIT 1")?
        .query_row([agency], |r| r.get(0))
        .optional()
}

/// One recipient group with its member agencies, in the order they were imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

/// Every recipient group, by id.
pub fn groups(conn: &Connection) -> Result<Vec<Group>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT g.id, g.name, m.agency_id FROM recipient_groups g
         LEFT JOIN group_members m ON m.group_id = g.id ORDER BY g.id, m.rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut groups: Vec<Group> = vec![];
    for row in rows {
        let (id, name, member) = row?;
        if groups.last().is_none_or(|g| g.id != id) {
            groups.push(Group {
                id,
                name,
                members: vec![],
            });
        }
        if let (Some(m), Some(g)) = (member, groups.last_mut()) {
            g.members.push(m);
        }
    }
    Ok(groups)
}

/// Agency `id` and the agencies above it, nearest first: `(id, parent, level)`.
pub fn chain_up(
    conn: &Connection,
    id: &str,
) -> Result<Vec<(String, Option<String>, String)>, rusqlite::Error> {
    conn.prepare_cached(
        "WITH RECURSIVE up(id, parent_id, level, depth) AS (
             SELECT id, parent_id, level, 0 FROM agencies WHERE id = ?1
             UNION ALL
             SELECT a.id, a.parent_id, a.level, up.depth + 1 FROM agencies a JOIN up ON a.id = up.parent_id
             WHERE up.depth < 16)
         SELECT id, parent_id, level FROM up ORDER BY depth",
    )?
    .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// Agency `id` and every agency under it, at any depth.
pub fn subtree(conn: &Connection, id: &str) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "WITH RECURSIVE area(id) AS (
             SELECT ?1 UNION SELECT a.id FROM agencies a JOIN area ON a.parent_id = area.id)
         SELECT id FROM area",
    )?
    .query_map([id], |r| r.get(0))?
    .collect()
}

/// Agency `id`, its departments and offices, and every agency above it (the agencies
/// a programme run by `id` may issue from).
pub fn with_apparatus_and_above(
    conn: &Connection,
    id: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "WITH RECURSIVE up(id, depth) AS (
             SELECT ?1, 0
             UNION
             SELECT a.parent_id, up.depth + 1 FROM agencies a JOIN up ON a.id = up.id
             WHERE a.parent_id IS NOT NULL AND up.depth < 16)
         SELECT id FROM up
         UNION
         SELECT id FROM agencies WHERE parent_id = ?1 AND level IN ('department', 'office')",
    )?
    .query_map([id], |r| r.get(0))?
    .collect()
}

/// Agency `id` and its own apparatus: itself, the UBND a department or office belongs
/// to, and its own departments and offices.
pub fn circle(conn: &Connection, id: &str) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT ?1
         UNION SELECT parent_id FROM agencies
           WHERE id = ?1 AND parent_id IS NOT NULL AND level IN ('department', 'office')
         UNION SELECT id FROM agencies WHERE parent_id = ?1 AND level IN ('department', 'office')",
    )?
    .query_map([id], |r| r.get(0))?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::below_and_beside;

    #[test]
    fn below_then_beside_without_itself_its_parent_or_further_down() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::init(&dir.path().join("v.db")).unwrap();
        // tinh ⊃ {so, huyen-a, huyen-b}; huyen-a ⊃ {xa-1, xa-2}; huyen-b ⊃ {xa-3}.
        for (id, parent) in [
            ("tinh", None),
            ("so", Some("tinh")),
            ("huyen-a", Some("tinh")),
            ("xa-1", Some("huyen-a")),
            ("huyen-b", Some("tinh")),
            ("xa-2", Some("huyen-a")),
            ("xa-3", Some("huyen-b")),
        ] {
            store
                .conn()
                .execute(
                    "INSERT INTO agencies (id, name, parent_id, level, place, abbreviation, short_name)
                     VALUES (?1, ?1, ?2, 'other', '', 'UBND', ?1)",
                    rusqlite::params![id, parent],
                )
                .unwrap();
        }
        let ids = |id: &str| -> Vec<String> {
            below_and_beside(store.conn(), id)
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(ids("huyen-a"), ["xa-1", "xa-2", "so", "huyen-b"]);
        assert_eq!(ids("so"), ["huyen-a", "huyen-b"]);
        assert_eq!(ids("xa-3"), Vec::<String>::new());
        assert_eq!(ids("tinh"), ["so", "huyen-a", "huyen-b"]);
    }
}
