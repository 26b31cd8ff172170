//! Programme data and its import.
//!
//! A dataset file is TOML or JSON with any of the sections `agencies`, `people`,
//! `groups`, `programmes`, `producers`, `products`, `evaluations`, `certificates`,
//! `milestones`; long product lists come as CSV (see [`csv_products`]). Import is all or
//! nothing: every row is checked (ids, references to rows in the database or the same
//! file, duplicates, scores, e-mail addresses, dates) inside one transaction, and any
//! problem rolls the whole file back, listing every problem with its row and field.

mod csv;
mod dataset;
mod import;
mod importer;
mod sections;
pub mod types;

pub use csv::csv_products;
pub use dataset::*;
pub use import::*;
pub use types::{Email, Id, Score};
