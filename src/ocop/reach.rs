//! Which agencies a programme's documents may come from. A programme is run by its
//! issuing agency (a UBND) through its own departments and offices (the Sở that chases
//! the districts for it), and answers to the agencies above it (the province above a
//! district, the ministry above a province for 5★). A reminder of a programme's
//! milestone, its plan and the decisions on its products are issued by one of these,
//! never by an agency of another province (a Lục Nam milestone's reminder was issued in
//! Quảng Bình's register before this rule).

use crate::store::{Store, agencies};

/// The agencies of a programme run by `issuer`: `issuer` itself, its departments and
/// offices, and every agency above it.
pub fn programme_agencies(store: &Store, issuer: &str) -> rusqlite::Result<Vec<String>> {
    agencies::with_apparatus_and_above(store.conn(), issuer)
}

/// The issuers of the programmes of the products evaluated in `round`.
pub fn round_programme_issuers(store: &Store, round: &str) -> rusqlite::Result<Vec<String>> {
    crate::store::ocop::round_programme_issuers(store.conn(), round)
}

/// The agency and its own apparatus: itself, the UBND a department or office belongs
/// to, and its own departments and offices. What an account of `agency` follows on its
/// dashboard (the milestones of its programmes, its certificates).
pub fn circle(store: &Store, agency: &str) -> rusqlite::Result<Vec<String>> {
    agencies::circle(store.conn(), agency)
}
