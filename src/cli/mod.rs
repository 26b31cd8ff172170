//! Command-line faces split out of `main.rs`, one file per concern. Each parses its
//! arguments, calls the library and prints; no logic of its own.

pub mod books;
