//! Who receives an issued document: its "Kính gửi" and "Nơi nhận" entries resolved to
//! stored agencies, groups and people.
//!
//! - `@id` names a stored group (each member), agency or person exactly;
//! - any other entry is matched by printed name (a group's name, an agency's short or
//!   full name, a person's name), ignoring case and the list punctuation;
//! - "Như trên" means the addressees; "Lưu: VT, …" is the archive and is not e-mailed;
//! - mailboxes that appear twice collapse into one message;
//! - whatever has no mailbox (unknown, ambiguous, or stored without an address) is
//!   listed to be sent on paper ("gửi bản giấy") with the reason.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::data::Email;
use crate::store::{Store, agencies};

/// One recipient with a mailbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Mailbox {
    /// The printed name, e.g. "UBND huyện Lục Nam".
    pub name: String,
    pub email: Email,
    /// The stored agency or person it resolved to.
    pub id: String,
}

/// One recipient that gets the document on paper, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Paper {
    pub name: String,
    pub reason: String,
}

/// The delivery plan of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recipients {
    /// One entry per distinct mailbox, in the order of the document.
    pub mailboxes: Vec<Mailbox>,
    /// Entries sent on paper.
    pub paper: Vec<Paper>,
    /// The archive lines ("Lưu: VT, KT"), kept by the issuing office.
    pub archive: Vec<String>,
}

/// The raw entries of a stored letter (before `@id` became printed names).
#[derive(Deserialize, Default)]
struct RawLetter {
    #[serde(default)]
    addressees: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
}

/// A stored record an entry can resolve to.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    name: String,
    email: Option<String>,
}

/// Everything resolvable, loaded once per plan.
struct Directory {
    /// by id: groups (their members) and agencies and people (themselves)
    by_id: HashMap<String, Vec<Target>>,
    /// by folded printed name: every record with that name
    by_name: HashMap<String, Vec<Vec<Target>>>,
}

/// Case-, space- and punctuation-insensitive key of a printed name (NFC).
fn fold(s: &str) -> String {
    let s: String = s.nfc().collect::<String>().to_lowercase();
    let s = s.trim().trim_start_matches(['-', '+', '•']).trim();
    let s = s.trim_end_matches([';', '.', ',', ':']).trim();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Directory {
    fn load(store: &Store) -> rusqlite::Result<Directory> {
        let c = store.conn();
        let mut by_id: HashMap<String, Vec<Target>> = HashMap::new();
        let mut by_name: HashMap<String, Vec<Vec<Target>>> = HashMap::new();
        let mut targets: HashMap<String, Target> = HashMap::new();
        for a in agencies::agencies(c)? {
            let (id, name, short, email) = (a.id, a.name, a.short_name, a.email);
            let t = Target {
                id: id.clone(),
                name: short.clone(),
                email,
            };
            let full = name.lines().collect::<Vec<_>>().join(" ");
            let mut keys = vec![fold(&short), fold(&full)];
            keys.dedup();
            for k in keys {
                by_name.entry(k).or_default().push(vec![t.clone()]);
            }
            by_id.insert(id.clone(), vec![t.clone()]);
            targets.insert(id, t);
        }
        for p in agencies::people(c, None)? {
            let (id, name, email) = (p.id, p.name, p.email);
            let t = Target {
                id: id.clone(),
                name: name.clone(),
                email,
            };
            by_name
                .entry(fold(&name))
                .or_default()
                .push(vec![t.clone()]);
            by_id.entry(id).or_insert_with(|| vec![t]);
        }
        let groups = agencies::groups(c)?.into_iter().map(|g| {
            let members: Vec<Target> = g
                .members
                .iter()
                .filter_map(|m| targets.get(m).cloned())
                .collect();
            (g.id, g.name, members)
        });
        for (id, name, members) in groups {
            by_name
                .entry(fold(&name))
                .or_default()
                .push(members.clone());
            // A group id wins over an agency id of the same spelling.
            by_id.insert(id, members);
        }
        Ok(Directory { by_id, by_name })
    }
}

/// What one entry means.
enum Meaning {
    Addressees,
    Archive(String),
    Targets(Vec<Target>),
    Paper(Paper),
}

fn meaning(dir: &Directory, entry: &str) -> Meaning {
    let printed = entry
        .trim()
        .trim_end_matches([';', '.', ','])
        .trim()
        .to_string();
    let key = fold(entry);
    if key == "như trên" {
        return Meaning::Addressees;
    }
    if key.starts_with("lưu") {
        return Meaning::Archive(printed);
    }
    if let Some(id) = printed.strip_prefix('@') {
        return match dir.by_id.get(id.trim()) {
            Some(t) => Meaning::Targets(t.clone()),
            None => Meaning::Paper(Paper {
                name: printed.clone(),
                reason: format!("không có mã \"{}\" trong dữ liệu", id.trim()),
            }),
        };
    }
    match dir.by_name.get(&key).map(Vec::as_slice) {
        Some([one]) => Meaning::Targets(one.clone()),
        Some(many) if many.len() > 1 => Meaning::Paper(Paper {
            name: printed,
            reason: format!(
                "tên trùng với {} bản ghi trong dữ liệu; hãy ghi @mã trong thư",
                many.len()
            ),
        }),
        _ => Meaning::Paper(Paper {
            name: printed,
            reason: "không tìm thấy trong dữ liệu cơ quan".into(),
        }),
    }
}

/// Resolves the entries of a stored letter's text (TOML) to mailboxes, paper and archive.
pub fn resolve(store: &Store, letter: &str) -> Result<Recipients, rusqlite::Error> {
    let raw: RawLetter = toml::from_str(letter).unwrap_or_default();
    let dir = Directory::load(store)?;
    let mut out = Recipients::default();
    let mut seen_mail: HashSet<String> = HashSet::new();
    let mut seen_paper: HashSet<String> = HashSet::new();
    let mut add = |out: &mut Recipients, m: Meaning| match m {
        Meaning::Targets(targets) => {
            for t in targets {
                match t.email.as_deref().map(Email::parse) {
                    Some(Ok(email)) => {
                        if seen_mail.insert(email.as_str().to_ascii_lowercase()) {
                            out.mailboxes.push(Mailbox {
                                name: t.name,
                                email,
                                id: t.id,
                            });
                        }
                    }
                    Some(Err(e)) => {
                        if seen_paper.insert(fold(&t.name)) {
                            out.paper.push(Paper {
                                name: t.name,
                                reason: e,
                            });
                        }
                    }
                    None => {
                        if seen_paper.insert(fold(&t.name)) {
                            out.paper.push(Paper {
                                name: t.name,
                                reason: "chưa có địa chỉ thư điện tử".into(),
                            });
                        }
                    }
                }
            }
        }
        Meaning::Paper(p) => {
            if seen_paper.insert(fold(&p.name)) {
                out.paper.push(p);
            }
        }
        Meaning::Archive(line) => out.archive.push(line),
        Meaning::Addressees => {}
    };
    for a in &raw.addressees {
        add(&mut out, meaning(&dir, a));
    }
    for r in &raw.recipients {
        // "Như trên" repeats the addressees, already planned above.
        add(&mut out, meaning(&dir, r));
    }
    Ok(out)
}

/// One recipient chosen outside a letter (an electronic copy's): the entry a letter's
/// Nơi nhận holds for it (`@id` for a stored id, the printed name otherwise) and the
/// name it is shown by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub entry: String,
    pub printed: String,
}

/// Each of `given` (a stored agency's, person's or group's id, or a printed name)
/// resolved as a letter's Nơi nhận would be, or `Err` with it when it names nothing
/// stored (or several records).
pub fn named(store: &Store, given: &[String]) -> rusqlite::Result<Vec<Result<Named, String>>> {
    let dir = Directory::load(store)?;
    Ok(given
        .iter()
        .map(|g| {
            let g = g.trim();
            let id = g.strip_prefix('@').unwrap_or(g).trim();
            if let Some(targets) = dir.by_id.get(id) {
                let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                return Ok(Named {
                    entry: format!("@{id}"),
                    printed: names.join(", "),
                });
            }
            match meaning(&dir, g) {
                Meaning::Targets(_) => Ok(Named {
                    entry: g.to_string(),
                    printed: g.to_string(),
                }),
                _ => Err(g.to_string()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn names_fold_case_spaces_and_list_punctuation() {
        assert_eq!(fold("- UBND  huyện Lục Nam;"), "ubnd huyện lục nam");
        assert_eq!(fold("Như trên."), "như trên");
        // NFD input (a Word paste) folds like NFC.
        assert_eq!(fold("Lu\u{323}c Nam"), fold("Lục Nam"));
    }
}
