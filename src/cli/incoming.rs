//! `vanthu incoming …`: the agency's incoming documents (văn bản đến).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use vanthu::incoming::{self, Arrival, Receipt, Source};

use super::Globals;

/// Which incoming document: its Số đến, the receiving agency and the year.
#[derive(Args)]
pub struct EntryRef {
    /// The Số đến.
    number: i64,
    #[arg(long)]
    agency: String,
    /// Default: this year.
    #[arg(long)]
    year: Option<i32>,
}

impl EntryRef {
    fn year(&self) -> i32 {
        self.year.unwrap_or_else(this_year)
    }
}

#[derive(Subcommand)]
pub enum IncomingCommand {
    /// Check and register PDF files received by an agency: each gets the agency's next
    /// Số đến of the year (the same file again keeps its first number); exit code 1
    /// when one could not be registered.
    Add {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The receiving agency's id.
        #[arg(long)]
        agency: String,
        /// The files are paper documents scanned to PDF (no digital signature expected).
        #[arg(long)]
        scan: bool,
    },
    /// Record incoming document NUMBER as its author's report on a milestone (no
    /// reminder of it reaches the author after); `--undo` takes the record back.
    Report {
        #[command(flatten)]
        entry: EntryRef,
        #[arg(long)]
        milestone: String,
        #[arg(long)]
        undo: bool,
    },
    /// Confirm or correct what was read of incoming document NUMBER (a field given is no
    /// longer to check).
    Confirm {
        #[command(flatten)]
        entry: EntryRef,
        /// The stored agency that wrote it (its id).
        #[arg(long)]
        author: Option<String>,
        #[arg(long)]
        number_symbol: Option<String>,
        /// The document's date, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// Tên loại và trích yếu.
        #[arg(long)]
        subject: Option<String>,
    },
    /// Pass incoming document NUMBER on to a unit or person, with a handling deadline.
    Assign {
        #[command(flatten)]
        entry: EntryRef,
        /// The unit or person who handles it (with --account: default the account's name).
        #[arg(long, default_value = "")]
        to: String,
        /// The handler's account (a login of the agency): it waits on their dashboard.
        #[arg(long)]
        account: Option<String>,
        /// The handling deadline, YYYY-MM-DD.
        #[arg(long)]
        deadline: Option<String>,
        /// The day it is passed on, YYYY-MM-DD (default: today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Record that incoming document NUMBER was handled, and the result.
    Done {
        #[command(flatten)]
        entry: EntryRef,
        #[arg(long)]
        result: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Register the PDF attachments of the messages in the configured mailboxes
    /// ([[incoming.mailboxes]]: IMAP or a Maildir), or in the Maildir named; each message
    /// is moved once its attachments are registered (the same file again keeps its number).
    Fetch {
        /// Only this agency's mailbox (required with --maildir).
        #[arg(long)]
        agency: Option<String>,
        /// A Maildir to read instead of the configured mailboxes.
        #[arg(long, requires = "agency")]
        maildir: Option<PathBuf>,
    },
    /// The agency's incoming documents past their handling deadline, not handled.
    Overdue {
        #[arg(long)]
        agency: String,
        /// The day to judge on, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
    },
    /// Print the agency's Sổ đăng ký văn bản đến of a year as PDF and XLSX into a folder.
    Book {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        out: PathBuf,
        /// Extra fonts folder.
        #[arg(long)]
        font_dir: Option<PathBuf>,
    },
    /// Forward incoming document NUMBER as an electronic copy (SAO Y): signed with the
    /// agency's key, numbered in its copy series (01/BSY-…); then `vanthu send` e-mails it.
    Copy {
        #[command(flatten)]
        entry: EntryRef,
        /// A recipient: a stored agency's, person's or group's id, or its printed name
        /// (repeat for several).
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// Extra fonts folder.
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// The agency's Sổ đăng ký văn bản đến of a year (default: this year).
    List {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        year: Option<i32>,
    },
}

/// One line per attachment, then the count of messages.
fn print_fetched(fetched: &incoming::mailbox::Fetched) {
    use incoming::mailbox::Outcome;
    for (name, outcome) in &fetched.attachments {
        match outcome {
            Outcome::Receipt(r) => println!("{}", said(name, r)),
            Outcome::Refused(e) => eprintln!("chưa vào sổ: {e}"),
        }
    }
    println!(
        "đã đọc {} thư ({} thư không có tệp đính kèm)",
        fetched.messages, fetched.without_attachment
    );
}

pub fn run(globals: &Globals, command: IncomingCommand) -> anyhow::Result<()> {
    match command {
        IncomingCommand::Add {
            files,
            agency,
            scan,
        } => add(globals, &files, &agency, scan),
        IncomingCommand::Report {
            entry,
            milestone,
            undo,
        } => {
            let store = globals.store()?;
            let (agency, year, number) = (&entry.agency, entry.year(), entry.number);
            if undo {
                incoming::reports::unlink(&store, agency, year, number, &milestone, "cli")?;
                println!(
                    "đã bỏ ghi nhận: văn bản đến số {number} không còn là báo cáo mốc {milestone}"
                );
            } else {
                incoming::reports::link(&store, agency, year, number, &milestone, "cli")?;
                println!("đã ghi nhận văn bản đến số {number} là báo cáo mốc {milestone}");
            }
            Ok(())
        }
        IncomingCommand::Confirm {
            entry,
            author,
            number_symbol,
            date,
            subject,
        } => {
            let date = date
                .map(|d| super::day_flag("--date", Some(d)))
                .transpose()?;
            let c = incoming::handling::Correction::parse(
                author.as_deref(),
                number_symbol.as_deref(),
                date,
                subject.as_deref(),
            )?;
            let store = globals.store()?;
            let (agency, year) = (&entry.agency, entry.year());
            let e = incoming::handling::confirm(&store, agency, year, entry.number, &c, "cli")?;
            println!("{}", e.line());
            Ok(())
        }
        IncomingCommand::Assign {
            entry,
            to,
            account,
            deadline,
            on,
        } => {
            let store = globals.store()?;
            let deadline = deadline
                .map(|d| super::day_flag("--deadline", Some(d)))
                .transpose()?;
            let on = super::day_flag("--on", on)?;
            let a = incoming::handling::Assignment::parse(&to, account.as_deref(), on, deadline)?;
            let (agency, year) = (&entry.agency, entry.year());
            let e = incoming::handling::assign(&store, agency, year, entry.number, &a, "cli")?;
            println!("{}", e.line());
            Ok(())
        }
        IncomingCommand::Done { entry, result, on } => {
            let store = globals.store()?;
            let on = super::day_flag("--on", on)?;
            let (agency, year) = (&entry.agency, entry.year());
            let e =
                incoming::handling::done(&store, agency, year, entry.number, &result, on, "cli")?;
            println!("{}", e.line());
            Ok(())
        }
        IncomingCommand::Fetch { agency, maildir } => {
            use incoming::mailbox::{self, Mailbox, MailboxAt};
            let store = globals.store()?;
            let keyring = globals.keyring()?;
            let mailboxes = match (agency, maildir) {
                (Some(agency), Some(dir)) => vec![Mailbox {
                    agency,
                    at: MailboxAt::Maildir(dir),
                }],
                (agency, _) => {
                    let all = globals
                        .config()?
                        .incoming
                        .mailboxes(|k| std::env::var(k).ok())
                        .map_err(anyhow::Error::msg)?;
                    let chosen: Vec<Mailbox> = all
                        .into_iter()
                        .filter(|m| agency.as_ref().is_none_or(|a| *a == m.agency))
                        .collect();
                    anyhow::ensure!(
                        !chosen.is_empty(),
                        "chưa cấu hình hộp thư văn bản đến{}: thêm [[incoming.mailboxes]] vào tệp cấu hình, hoặc dùng --maildir",
                        agency.map(|a| format!(" của {a}")).unwrap_or_default()
                    );
                    chosen
                }
            };
            let mut failed = 0;
            for m in &mailboxes {
                match mailbox::fetch_mailbox(&store, keyring.trust(), m) {
                    Ok(fetched) => print_fetched(&fetched),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", m.agency);
                    }
                }
            }
            anyhow::ensure!(failed == 0, "{failed} hộp thư chưa đọc được");
            Ok(())
        }
        IncomingCommand::Overdue { agency, date } => {
            let store = globals.store()?;
            let date = super::day_flag("--date", date)?;
            let late = incoming::handling::overdue(&store, &agency, date)?;
            if late.is_empty() {
                println!("không có văn bản đến nào quá hạn xử lý");
            }
            for e in late {
                println!("QUÁ HẠN: {}", e.line());
            }
            Ok(())
        }
        IncomingCommand::Book {
            agency,
            year,
            out,
            font_dir,
        } => {
            let store = globals.store()?;
            let year = year.unwrap_or_else(this_year);
            let book = incoming::book::book(&store, &agency, year)?;
            let renderer = vanthu::Renderer::new(font_dir.as_deref())?;
            let files = [("pdf", book.pdf(&renderer)?), ("xlsx", book.xlsx()?)];
            std::fs::create_dir_all(&out)?;
            for (ext, bytes) in files {
                let path = out.join(format!("so-den-{agency}-{year}.{ext}"));
                vanthu::output::write_atomic(&path, &bytes)?;
                println!("{}", path.display());
            }
            eprintln!(
                "sổ đăng ký văn bản đến năm {year}: {} văn bản",
                book.rows.len()
            );
            Ok(())
        }
        IncomingCommand::Copy {
            entry,
            to,
            font_dir,
        } => {
            // The command is its own confirmation; the recipients parse as the form's do.
            let input = vanthu::service::copies::CopyInput { to, confirm: true };
            let recipients = input.parse().map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let mut store = globals.store()?;
            let keyring = globals.keyring()?;
            let owner = vanthu::sign::keys::Owner::Agency(entry.agency.clone());
            let places = keyring.place(&owner).map(|p| (owner, p));
            let unlock = super::sign::ask_unlock(places.into_iter().collect())?;
            let renderer = vanthu::Renderer::new(font_dir.as_deref())?;
            let request = vanthu::copies::CopyRequest {
                agency: &entry.agency,
                year: entry.year(),
                number: entry.number,
                recipients,
                at: chrono::Utc::now(),
                by: "cli",
            };
            let copy = vanthu::copies::make(&mut store, &renderer, &keyring, &unlock, &request)?;
            println!("{}", copy.number_symbol);
            eprintln!(
                "đã sao y văn bản đến số {} thành bản sao {} ({} trang, gửi: {}); gửi đi bằng: vanthu send {} --year {} --issuer {}",
                entry.number,
                copy.number_symbol,
                copy.pages,
                copy.recipients.join("; "),
                copy.number_symbol,
                copy.year,
                copy.issuer
            );
            Ok(())
        }
        IncomingCommand::List { agency, year } => {
            let store = globals.store()?;
            let year = year.unwrap_or_else(this_year);
            let entries = incoming::list(&store, &agency, year)?;
            if entries.is_empty() {
                println!("chưa có văn bản đến năm {year}");
            }
            for e in entries {
                println!("{}", e.line());
            }
            Ok(())
        }
    }
}

/// What happened to one file, in a line.
fn said(name: &str, receipt: &Receipt) -> String {
    match receipt {
        Receipt::Registered(e) => format!("{name}: đã vào sổ. {}", e.line()),
        Receipt::Already(e) => format!("{name}: đã vào sổ trước đây, không thêm. {}", e.line()),
    }
}

fn this_year() -> i32 {
    chrono::Datelike::year(&super::reg::today_vn())
}

/// Registers each file, saying what happened to each; fails at the end if one failed.
fn add(globals: &Globals, files: &[PathBuf], agency: &str, scan: bool) -> anyhow::Result<()> {
    let store = globals.store()?;
    let keyring = globals.keyring()?;
    let mut failed = 0;
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string());
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: không đọc được tệp: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let arrival = Arrival {
            agency,
            file_name: &name,
            bytes: &bytes,
            source: if scan { Source::Scan } else { Source::Cli },
            by: "cli",
            message_id: None,
        };
        match incoming::receive(&store, keyring.trust(), &arrival) {
            Ok(r) => println!("{}", said(&name, &r)),
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} tệp chưa vào sổ văn bản đến");
    }
    Ok(())
}
