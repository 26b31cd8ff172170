//! The stored records a letter may name by id (agencies, people), and where it finds them.

use serde::Deserialize;

/// Where a letter finds stored records when it names them by id (the database).
pub trait Lookup {
    /// The agency with this id.
    fn agency(&self, id: &str) -> Option<StoredAgency>;
    /// The person who signs, with this id.
    fn person(&self, id: &str) -> Option<StoredPerson>;
    /// How a recipient group or an agency is printed in "Kính gửi" / "Nơi nhận".
    fn recipient(&self, id: &str) -> Option<String>;
    /// A programme with its budget and its producers and products, for tera.
    fn programme(&self, id: &str) -> Option<serde_json::Value>;
}

/// An agency as a letter's issuer needs it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct StoredAgency {
    pub name: Vec<String>,
    pub parent: Option<String>,
    pub abbreviation: String,
    pub unit: Option<String>,
    pub place: String,
    pub short_name: String,
}

/// A person as a letter's signer needs them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct StoredPerson {
    /// The agency (id) the person belongs to.
    pub agency: String,
    /// Other agencies (ids) the person may sign for.
    pub signs_for: Vec<String>,
    pub authority: Vec<String>,
    pub title: String,
    pub name: String,
}
