//! `vanthu register …`: the outgoing-document register: list, show, verify, renew the
//! archive signatures, and the books.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use vanthu::output;
use vanthu::store::register;

use super::{Globals, books};

#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
}

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// List issued documents.
    List {
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Show one issued document; with --out, write its stored PDF and DOCX.
    Show {
        /// Number/symbol, e.g. 780/UBND-KT.
        number: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check that every (issuer, year) has exactly the numbers 1..last.
    Verify,
    /// Renew the archive (PAdES B-LTA) of signed documents whose last timestamp's
    /// authority certificate expires within the given days: new validation data and a
    /// new document timestamp, stored as a new revision and logged.
    Extend {
        #[arg(long, default_value_t = 180)]
        within_days: i64,
    },
    /// The Sổ đăng ký văn bản đi (Phụ lục IV) of one issuer and year, as PDF (A4
    /// landscape: cover, first page, 10 columns) and XLSX.
    Book {
        /// The issuing agency's id, e.g. ubnd-bac-ninh.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        year: i32,
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// The Sổ gửi văn bản đi bưu điện (Phụ lục IV) of one issuer and year: every paper
    /// copy recorded as sent.
    Postal {
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        year: i32,
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// The clerk's note on an issued document: the book's columns the document does not
    /// hold. A flag left out keeps what was written; an empty value clears it.
    Note {
        /// Number/symbol, e.g. 01/QĐ-UBND.
        number: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        issuer: Option<String>,
        /// (6) Đơn vị, người nhận bản lưu.
        #[arg(long)]
        archive: Option<String>,
        /// (7) Số lượng bản.
        #[arg(long)]
        copies: Option<String>,
        /// (8) Ngày chuyển, e.g. 2026-06-26.
        #[arg(long)]
        sent_on: Option<String>,
        /// (10) Ghi chú.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Runs one `register` command.
pub fn run(globals: &Globals, command: RegisterCommand) -> anyhow::Result<()> {
    let store = globals.store()?;
    match command {
        RegisterCommand::List {
            issuer,
            year,
            format,
        } => {
            let entries = register::list(&store, issuer.as_deref(), year)?;
            match format {
                ListFormat::Csv => register::write_csv(&entries, std::io::stdout().lock())?,
                ListFormat::Table => {
                    for e in entries {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            e.number_symbol, e.date, e.kind, e.subject, e.signer
                        );
                    }
                }
            }
        }
        RegisterCommand::Show {
            number,
            year,
            issuer,
            out,
        } => {
            let e = register::find(&store, &number, year, issuer.as_deref())?;
            println!("Số, ký hiệu: {}", e.number_symbol);
            println!("Ngày:        {}", e.date);
            println!("Cơ quan:     {} ({})", e.issuer_name, e.issuer);
            println!("Loại:        {}", e.kind);
            println!("Trích yếu:   {}", e.subject);
            println!("Người ký:    {}", e.signer);
            println!("Nơi nhận:    {}", e.recipients.join(" "));
            println!("Số trang:    {}", e.pages);
            println!("PDF SHA-256: {}", e.pdf_sha256);
            if !e.docx_sha256.is_empty() {
                println!("DOCX SHA-256: {}", e.docx_sha256);
            }
            for (i, s) in register::signatures(&store, e.id)?.iter().enumerate() {
                println!(
                    "Chữ ký số {}:  {} ({}), số hiệu {}, lúc {}",
                    i + 1,
                    s.subject,
                    s.role.label(),
                    s.serial,
                    s.signed_at
                );
            }
            // What the signer approved and what was issued (the same content).
            if let Some(a) = vanthu::service::drafts::approval_of_document(&store, e.id)? {
                let none = || "không ghi".to_string();
                println!("Bản nháp:    {}", a.draft);
                println!(
                    "Nội dung người ký duyệt (SHA-256): {}",
                    a.approved_hash.unwrap_or_else(none)
                );
                println!(
                    "Nội dung đã ban hành (SHA-256):    {}",
                    a.issued_hash.unwrap_or_else(none)
                );
            }
            if let Some(dir) = out {
                let (pdf, docx) = register::files(&store, e.id)?;
                std::fs::create_dir_all(&dir)?;
                let stem = format!("{}-{}", e.year, e.number_symbol.replace('/', "-"));
                // An electronic copy is its signed PDF alone.
                let files = [("pdf", pdf), ("docx", docx)];
                for (ext, bytes) in files.into_iter().filter(|(_, b)| !b.is_empty()) {
                    let p = dir.join(format!("{stem}.{ext}"));
                    output::write_atomic(&p, &bytes)?;
                    println!("{}", p.display());
                }
            }
        }
        RegisterCommand::Book {
            issuer,
            year,
            out,
            font_dir,
        } => books::book(&store, &issuer, year, &out, font_dir.as_deref())?,
        RegisterCommand::Postal {
            issuer,
            year,
            out,
            font_dir,
        } => books::postal(&store, &issuer, year, &out, font_dir.as_deref())?,
        RegisterCommand::Note {
            number,
            year,
            issuer,
            archive,
            copies,
            sent_on,
            note,
        } => books::note(
            &store,
            &number,
            year,
            issuer.as_deref(),
            books::NoteFlags {
                archive,
                copies,
                sent_on,
                note,
            },
        )?,
        RegisterCommand::Extend { within_days } => {
            let keyring = globals.keyring()?;
            let mut store = store;
            for line in vanthu::service::signatures::extend_register(
                &mut store,
                &keyring,
                within_days,
                chrono::Utc::now(),
            )? {
                println!("{line}");
            }
        }
        RegisterCommand::Verify => {
            let mut problems = register::verify(&store)?;
            let keyring = globals.keyring()?;
            problems.extend(vanthu::service::signatures::verify_register(
                &store,
                keyring.trust(),
            )?);
            if problems.is_empty() {
                println!(
                    "sổ văn bản đúng: không thiếu, không trùng số; mọi chữ ký số còn nguyên vẹn và hợp lệ"
                );
            } else {
                anyhow::bail!("{}", problems.join("\n"));
            }
        }
    }
    Ok(())
}
