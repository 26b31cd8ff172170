//! The import of each section of a dataset, in the order the import runs them (a
//! section may refer to rows of the sections before it, in the database or the file).
//! Each checks its rows through the [`Importer`](super::importer::Importer), writes
//! them in the import's transaction and counts them in the report.

mod directory;
mod ocop;
mod schedule;

pub(super) use directory::{agencies, groups, people, programmes};
pub(super) use ocop::{certificates, evaluations, producers, products, tiers};
pub(super) use schedule::{holidays, milestones, reminder_policies};

/// The name of row `i` of a section in messages (`agencies[3]`, `dòng 12` of a CSV).
pub(super) type Rown<'a> = dyn Fn(&str, usize) -> String + 'a;
