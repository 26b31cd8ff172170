//! vanthu drafts, numbers, renders and sends the official correspondence of Vietnam's
//! OCOP programme ("Mỗi xã một sản phẩm").
//!
//! # The pipeline
//! 1. **Letter** ([`letter`]): a TOML file asks for one document: kind, issuer, signer,
//!    recipients, subject, date and a body written in a small Markdown markup, optionally
//!    filled by tera from a `[data]` table.
//! 2. **Document** ([`model`]): the letter becomes a [`model::Document`], the typed model
//!    of an administrative document under Nghị định 30/2020/NĐ-CP. Building one checks
//!    every rule, so a `Document` that exists is valid.
//! 3. **Render** ([`render`]): the same `Document` becomes a PDF/A-2b through typst
//!    (fonts and layout loaded once, the document passed as JSON data, never as
//!    markup) and a DOCX through docx-rs.
//! 4. **Output** ([`output`]): a batch of letters is rendered in memory first, then
//!    written atomically, so a failing letter leaves nothing half-written.
//!
//! 5. **Issue** ([`store::register`]): the register gives the next number for (issuer,
//!    year) and stores the numbered document's PDF and DOCX with their SHA-256, in one
//!    SQLite transaction. Issued documents are immutable.
//!
//! 6. **Deliver** ([`mail`]): the register's document is e-mailed to every recipient
//!    with a mailbox through an outbox in SQLite and a worker (lettre over SMTP, or .eml
//!    files), each attempt recorded, never sent twice once accepted.
//! 7. **Remind** ([`remind`]): a daily run drafts (or issues and sends) the reminder
//!    dispatch of each milestone step that has come, to the agencies that have not
//!    reported, exactly once per (milestone, step, agency).
//! 8. **Serve** ([`service`], [`http`]): `vanthu serve` puts the pipeline in front of an
//!    agency's staff: users with one role each, drafts composed from the templates'
//!    declared forms, approved by a signer and issued and sent by the clerk, every step
//!    in the audit log; Vietnamese web pages and a JSON API over the same library calls,
//!    with the delivery worker and the daily reminder run in the same process.
//! 9. **Books** ([`books`]): the registers of Phụ lục IV printed from the register (the
//!    Sổ đăng ký văn bản đi as PDF and XLSX), with the clerk's notes kept beside the
//!    immutable documents.
//! 10. **Incoming** ([`incoming`]): documents the agency receives, kept byte for byte,
//!     their digital signatures checked, their fields read, registered under the
//!     agency's Số đến in the Sổ đăng ký văn bản đến.
//! 11. **Copy** ([`copies`]): an incoming original forwarded as an electronic copy
//!     (SAO Y): its pages with the copy's mark, signed by the copying agency, numbered
//!     in the agency's copy series and sent like any issued document.

// The modules in layers, lowest first: a module uses only those above it in this list
// (`layers.rs` reads this list and every `crate::` path, and fails on an upward edge).
// One module a line, each after a comment, so rustfmt keeps the order.

// Budgets every face shares.
pub mod limits;
// The process's counters for /metrics.
pub mod metrics;
// Text that may reach a page.
pub mod text;
// The document model.
pub mod model;
// Letters into documents.
pub mod letter;
// Documents into PDF and DOCX.
pub mod render;
// Signatures: making and verifying them.
pub mod sign;
// The database: register, images, signatures.
pub mod store;
// Programme data.
pub mod data;
// Batches of letters written to files.
pub mod output;
// Delivery.
pub mod mail;
// The registers of Phụ lục IV.
pub mod books;
// OCOP documents.
pub mod ocop;
// Reminders.
pub mod remind;
// Incoming documents (văn bản đến).
pub mod incoming;
// Electronic copies (sao y) of incoming documents, signed by the copying agency.
pub mod copies;
// The use cases of the service.
pub mod service;
// Configuration.
pub mod config;
// The web pages and the API.
pub mod http;

#[cfg(test)]
mod layers;

pub use model::Document;
pub use render::{Format, Renderer};

/// Vietnam's time zone (UTC+7, no daylight saving): the time of every date and hour
/// vanthu writes.
pub fn vietnam_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// A stored UTC time (RFC 3339, or to the minute `2026-12-05T08:49`) as a clerk reads
/// it: Vietnam time, `05/12/2026 15:49`. Text that is not such a time is returned as is.
pub fn vietnam_clock(utc: &str) -> String {
    let parsed = chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M").map(|t| t.and_utc())
        })
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S").map(|t| t.and_utc())
        });
    match parsed {
        Ok(t) => t
            .with_timezone(&vietnam_offset())
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        Err(_) => utc.to_string(),
    }
}
