//! The integration tests, one crate: each module drives the real `vanthu` binary or
//! service (and the real consumers: pdfplumber, python-docx, LibreOffice, Postfix,
//! pyHanko, SoftHSM2 …) as a user would. `common` holds what they share. One crate
//! links the library once instead of once per file. Run one area with
//! `cargo test --release --test it sign::`.

mod common;

mod agencies;
mod approved;
mod backup;
mod books;
mod cli;
mod composer;
mod doctor;
mod docx_output;
mod hostile;
mod hostile_load;
mod import;
mod incoming;
mod incoming_copy;
mod incoming_follow_up;
mod incoming_imap;
mod incoming_web;
mod law_2026;
mod layout;
mod letters_from_data;
mod mail;
mod mail_postfix;
mod markings;
mod metrics;
mod ocop;
mod openapi;
mod paper;
mod pdf_layout;
mod proxy;
mod register;
mod reload;
mod remind;
mod service;
mod sign;
mod sign_remote;
mod sign_service;
mod sign_token;
mod sign_tsa;
mod upgrade;
mod verify_long_term;
mod verify_matrix;
