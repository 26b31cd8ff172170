//! `vanthu register book`, `register postal`, `register note` and `vanthu paper …`:
//! the Sổ đăng ký văn bản đi (Phụ lục IV) as PDF and XLSX, the clerk's notes on its
//! columns, and the paper copies with their postal book and envelopes.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use vanthu::books::{self, notes};
use vanthu::store::{Store, register};
use vanthu::{Renderer, output};

/// The book's file stem: `so-di-<issuer>-<year>`.
fn stem(issuer: &str, year: i32) -> String {
    format!("so-di-{issuer}-{year}")
}

/// Writes the outgoing register book of `issuer` and `year` to `out` as PDF and XLSX
/// and prints both paths.
pub fn book(
    store: &Store,
    issuer: &str,
    year: i32,
    out: &Path,
    font_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let book = books::outgoing(store, issuer, year)?;
    let renderer = Renderer::new(font_dir)?;
    let pdf = books::pdf::outgoing(&renderer, &book)?;
    let xlsx = books::xlsx::outgoing(&book)?;
    std::fs::create_dir_all(out)?;
    let stem = stem(issuer, year);
    for (ext, bytes) in [("pdf", pdf), ("xlsx", xlsx)] {
        let path: PathBuf = out.join(format!("{stem}.{ext}"));
        output::write_atomic(&path, &bytes)?;
        println!("{}", path.display());
    }
    eprintln!(
        "sổ đăng ký văn bản đi năm {year}: {} văn bản",
        book.rows.len()
    );
    Ok(())
}

/// What `register note` was given; a flag left out keeps what was written before, an
/// empty value clears it.
pub struct NoteFlags {
    pub archive: Option<String>,
    pub copies: Option<String>,
    pub sent_on: Option<String>,
    pub note: Option<String>,
}

/// Writes the clerk's note on one issued document and prints the book's row.
pub fn note(
    store: &Store,
    number: &str,
    year: i32,
    issuer: Option<&str>,
    flags: NoteFlags,
) -> anyhow::Result<()> {
    let entry = register::find(store, number, year, issuer)?;
    let before = notes::get(store, entry.id)?;
    let input = notes::NoteInput {
        archive: flags.archive.or(before.archive),
        copies: flags
            .copies
            .or_else(|| before.copies.map(|c| c.to_string())),
        sent_on: flags
            .sent_on
            .or_else(|| before.sent_on.map(|d| d.to_string())),
        note: flags.note.or(before.note),
    };
    let note = notes::Note::parse(&input, notes::issued_on(store, entry.id)?)?;
    notes::save(store, entry.id, &note, None)?;
    let r = books::row(store, &entry)?;
    println!(
        "{}\tlưu: {}\tsố bản: {}\tngày chuyển: {}\tghi chú: {}",
        r.number_symbol,
        r.archive,
        r.copies.map(|c| c.to_string()).unwrap_or_default(),
        r.sent_on.as_deref().unwrap_or(""),
        r.note
    );
    Ok(())
}

/// Writes the postal dispatch book of `issuer` and `year` to `out` and prints its path.
pub fn postal(
    store: &Store,
    issuer: &str,
    year: i32,
    out: &Path,
    font_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let book = books::paper::postal(store, issuer, year)?;
    let pdf = books::pdf::postal(&Renderer::new(font_dir)?, &book)?;
    std::fs::create_dir_all(out)?;
    let path = out.join(format!("so-buu-dien-{issuer}-{year}.pdf"));
    output::write_atomic(&path, &pdf)?;
    println!("{}", path.display());
    eprintln!(
        "sổ gửi văn bản đi bưu điện năm {year}: {} lượt chuyển",
        book.rows.len()
    );
    Ok(())
}

/// Lists the paper recipients of a document with the day each copy left.
pub fn paper_list(store: &Store, entry: &register::Entry) -> anyhow::Result<()> {
    let copies = books::paper::copies(store, entry)?;
    if copies.is_empty() {
        println!(
            "{}: mọi nơi nhận đều nhận qua thư điện tử",
            entry.number_symbol
        );
    }
    for c in copies {
        let state = match &c.sent_on {
            Some(d) => format!("đã chuyển ngày {d}, {} bì", c.envelopes),
            None => "chưa chuyển".to_string(),
        };
        println!("{}\t{}\t({})", c.recipient, state, c.reason);
    }
    Ok(())
}

/// Records that the paper copy for `recipient` left on `on`.
pub fn paper_sent(
    store: &Store,
    entry: &register::Entry,
    recipient: &str,
    on: &str,
    envelopes: u32,
) -> anyhow::Result<()> {
    let c = books::paper::record_sent(store, entry, recipient, on, envelopes)?;
    println!(
        "{}\t{}\tđã chuyển ngày {}, {} bì",
        entry.number_symbol,
        c.recipient,
        c.sent_on.unwrap_or_default(),
        c.envelopes
    );
    Ok(())
}

/// Writes the envelopes of a document's paper copies (one DL page each).
pub fn paper_envelopes(
    store: &Store,
    entry: &register::Entry,
    out: &Path,
    font_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let envelopes = books::paper::envelopes(store, entry)?;
    if envelopes.is_empty() {
        anyhow::bail!(
            "văn bản {} không có nơi nhận bản giấy: không cần in bì",
            entry.number_symbol
        );
    }
    let pdf = books::pdf::envelopes(&Renderer::new(font_dir)?, &entry.number_symbol, &envelopes)?;
    std::fs::create_dir_all(out)?;
    let path = out.join(format!(
        "bi-{}-{}.pdf",
        entry.number_symbol.replace('/', "-"),
        entry.year
    ));
    output::write_atomic(&path, &pdf)?;
    println!("{}", path.display());
    eprintln!("{} bì văn bản", envelopes.len());
    Ok(())
}

/// The `paper` command's document: the number and symbol it was issued under.
#[derive(clap::Args)]
pub struct PaperArgs {
    /// Number/symbol, e.g. 01/QĐ-UBND.
    number: String,
    #[arg(long)]
    year: i32,
    #[arg(long)]
    issuer: Option<String>,
    #[command(subcommand)]
    command: PaperCommand,
}

#[derive(Subcommand)]
pub enum PaperCommand {
    /// The paper recipients and the day each copy left.
    List,
    /// Record that the copy for one recipient left (the register's "ngày chuyển" and
    /// the postal book fill from it).
    Sent {
        /// The recipient as printed, e.g. "UBND xã Lục Nam".
        #[arg(long)]
        recipient: String,
        /// The day it left, e.g. 2026-06-26.
        #[arg(long)]
        on: String,
        /// How many envelopes.
        #[arg(long, default_value_t = 1)]
        envelopes: u32,
    },
    /// The envelopes (bì văn bản, DL 220 × 110 mm), one page per paper recipient.
    Envelopes {
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
}

/// Runs one `paper` command on the document it names.
pub fn paper(globals: &super::Globals, args: PaperArgs) -> anyhow::Result<()> {
    let store = globals.store()?;
    let entry = register::find(&store, &args.number, args.year, args.issuer.as_deref())?;
    match args.command {
        PaperCommand::List => paper_list(&store, &entry),
        PaperCommand::Sent {
            recipient,
            on,
            envelopes,
        } => paper_sent(&store, &entry, &recipient, &on, envelopes),
        PaperCommand::Envelopes { out, font_dir } => {
            paper_envelopes(&store, &entry, &out, font_dir.as_deref())
        }
    }
}
