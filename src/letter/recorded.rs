//! The stored records a letter read, kept so the letter can be read again exactly as it
//! was: a [`Recorder`] wraps the database's [`Lookup`] and notes every answer; the
//! [`Recorded`] answers replay them, whatever the database holds by then. What a signer
//! approved is the letter and these answers ([`crate::service::drafts`]).

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Lookup, StoredAgency, StoredPerson};

/// Every answer a letter's reading got, by id (`None`: the id was not found).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub agencies: BTreeMap<String, Option<StoredAgency>>,
    pub people: BTreeMap<String, Option<StoredPerson>>,
    pub recipients: BTreeMap<String, Option<String>>,
    pub programmes: BTreeMap<String, Option<serde_json::Value>>,
}

/// A [`Lookup`] that asks `inner` and notes each answer.
pub struct Recorder<'a> {
    inner: &'a dyn Lookup,
    seen: RefCell<Recorded>,
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn Lookup) -> Recorder<'a> {
        Recorder {
            inner,
            seen: RefCell::new(Recorded::default()),
        }
    }

    /// The answers noted so far.
    pub fn into_recorded(self) -> Recorded {
        self.seen.into_inner()
    }
}

impl Lookup for Recorder<'_> {
    fn agency(&self, id: &str) -> Option<StoredAgency> {
        let a = self.inner.agency(id);
        self.seen.borrow_mut().agencies.insert(id.into(), a.clone());
        a
    }

    fn person(&self, id: &str) -> Option<StoredPerson> {
        let p = self.inner.person(id);
        self.seen.borrow_mut().people.insert(id.into(), p.clone());
        p
    }

    fn recipient(&self, id: &str) -> Option<String> {
        let r = self.inner.recipient(id);
        self.seen
            .borrow_mut()
            .recipients
            .insert(id.into(), r.clone());
        r
    }

    fn programme(&self, id: &str) -> Option<serde_json::Value> {
        let p = self.inner.programme(id);
        self.seen
            .borrow_mut()
            .programmes
            .insert(id.into(), p.clone());
        p
    }
}

/// The noted answers, replayed (an id the first reading did not ask is not found).
impl Lookup for Recorded {
    fn agency(&self, id: &str) -> Option<StoredAgency> {
        self.agencies.get(id).cloned().flatten()
    }

    fn person(&self, id: &str) -> Option<StoredPerson> {
        self.people.get(id).cloned().flatten()
    }

    fn recipient(&self, id: &str) -> Option<String> {
        self.recipients.get(id).cloned().flatten()
    }

    fn programme(&self, id: &str) -> Option<serde_json::Value> {
        self.programmes.get(id).cloned().flatten()
    }
}
