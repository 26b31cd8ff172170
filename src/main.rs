//! The `vanthu` command line. Commands parse their arguments, call the library and
//! print the result; the work happens in the library.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use cli::ocop::OcopCommand;
use cli::{emit, full_date};
use vanthu::store::{Store, register};
use vanthu::{Format, Renderer, letter, mail, output, remind};

#[derive(Parser)]
#[command(
    name = "vanthu",
    version,
    about = "Soạn, đánh số, xuất PDF/DOCX văn bản hành chính theo Nghị định 30/2020/NĐ-CP"
)]
struct Cli {
    /// The database file (default: vanthu.db). `render` and `check` use it only when
    /// given, to fill letters that name stored records by id.
    #[arg(long, global = true, env = "VANTHU_DB")]
    db: Option<PathBuf>,
    /// The configuration file (default: vanthu.toml when it exists); VANTHU_* variables win.
    #[arg(long, global = true, env = "VANTHU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Pdf,
    Docx,
    Both,
}

#[derive(Subcommand)]
enum Command {
    /// Render letter files to PDF and/or DOCX.
    Render {
        /// Letter files (TOML).
        #[arg(required = true)]
        letters: Vec<PathBuf>,
        /// Output folder (created if missing).
        #[arg(long, short)]
        out: PathBuf,
        /// Which files to write.
        #[arg(long, value_enum, default_value = "both")]
        format: FormatArg,
        /// Extra font folder (e.g. licensed Times New Roman files); also VANTHU_FONT_DIR.
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Check letter files and print what is wrong.
    Check {
        #[arg(required = true)]
        letters: Vec<PathBuf>,
    },
    /// Create the database.
    Init,
    /// Import programme data (.toml, .json, or .csv for product lists), all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Update agencies, people, producers and products whose id exists (default:
        /// an existing id is refused).
        #[arg(long)]
        update: bool,
    },
    /// Issue a draft letter: take the next number, render, store; prints the number/symbol.
    Issue {
        letter: PathBuf,
        /// The issuing date when the letter has no complete date (default: today in Vietnam).
        #[arg(long)]
        date: Option<String>,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
        /// Issue an electronic original: the signature and seal images and the signer's
        /// and the agency's digital signatures, with the keys of `[signing]`.
        #[arg(long)]
        sign: bool,
    },
    /// Check every digital signature of a PDF, whoever made it (Vietnamese report;
    /// exit code 1 when one is not valid).
    Verify {
        file: PathBuf,
        /// Print the report as JSON (the API's shape) instead of text.
        #[arg(long)]
        json: bool,
        /// Verify as on this day (YYYY-MM-DD, noon Vietnam time) instead of now: what an
        /// archive will say then.
        #[arg(long)]
        at: Option<String>,
    },
    /// The outgoing-document register.
    Register {
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// OCOP documents composed from programme data.
    Ocop {
        #[command(subcommand)]
        command: OcopCommand,
    },
    /// E-mail an issued document to every recipient that has a mailbox: plans one
    /// message per mailbox, queues them and delivers them.
    Send {
        /// Number/symbol, e.g. 780/UBND-KT.
        number: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        issuer: Option<String>,
        /// Print who would get what, and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Queue the messages that failed once more.
        #[arg(long)]
        retry_failed: bool,
        /// Only queue: the worker (`vanthu worker`) delivers.
        #[arg(long)]
        no_wait: bool,
    },
    /// Paper copies of an issued document ("gửi bản giấy"): who gets one, recording the
    /// day each left, printing the envelopes.
    Paper {
        /// Number/symbol, e.g. 01/QĐ-UBND.
        number: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        issuer: Option<String>,
        #[command(subcommand)]
        command: PaperCommand,
    },
    /// Delivery status of an issued document, per recipient.
    Deliveries {
        number: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Read the bounce mailbox ([mail.bounces] maildir): a bounce marks its delivery
    /// failed with the reason. `--stdin`: one message piped in by the mail server.
    Bounces {
        #[arg(long)]
        stdin: bool,
    },
    /// The delivery worker: sends queued messages until stopped (Ctrl-C).
    Worker {
        /// Stop when nothing is due now.
        #[arg(long)]
        until_idle: bool,
        /// Stop when nothing is queued at all (waits for scheduled retries).
        #[arg(long, conflicts_with = "until_idle")]
        until_done: bool,
    },
    /// Deadlines (milestones) and who has reported.
    Milestones {
        #[command(subcommand)]
        command: MilestonesCommand,
    },
    /// The reminder schedule: what it drafts, issues and sends.
    Remind {
        #[command(subcommand)]
        command: RemindCommand,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Run the service: web pages and JSON API, delivery worker, daily reminders.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080, or [server] addr / VANTHU_ADDR).
        #[arg(long)]
        addr: Option<String>,
        /// Extra font folder; also VANTHU_FONT_DIR.
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Check the stored data for what would fail later (signature images and seals
    /// that no longer decode); exit code 1 when something must be fixed.
    Doctor,
    /// User accounts of the service.
    User {
        #[command(subcommand)]
        command: cli::user::UserCommand,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Csv,
}

#[derive(Subcommand)]
enum RegisterCommand {
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

#[derive(Subcommand)]
enum PaperCommand {
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

#[derive(Subcommand)]
enum MilestonesCommand {
    /// Milestones with their due date and how many agencies have reported.
    List {
        #[arg(long)]
        programme: Option<String>,
        /// Only the ones past due with agencies still to report.
        #[arg(long)]
        overdue: bool,
        /// The day to look from (default: today in Vietnam).
        #[arg(long)]
        date: Option<String>,
    },
    /// Record that an agency has reported: no reminder reaches it after that.
    Report {
        milestone: String,
        #[arg(long)]
        agency: String,
        /// The day the report arrived (default: today in Vietnam).
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
enum RemindCommand {
    /// Run the schedule for a day: draft (or issue and send) the reminders whose step
    /// has come.
    Run {
        /// The day (default: today in Vietnam).
        #[arg(long)]
        date: Option<String>,
        /// Say what would be drafted; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Run the schedule every day at a fixed time (Vietnam time), until stopped.
    Schedule {
        /// The time of day, HH:MM.
        #[arg(long, default_value = "07:00")]
        at: String,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// What the schedule drafted, newest first.
    List,
    /// A drafted reminder: write its PDF and DOCX, or issue it.
    Draft {
        id: i64,
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Issue it through the register (a signer approved it).
        #[arg(long)]
        issue: bool,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Online backup (SQLite backup API) to a new file.
    Backup { file: PathBuf },
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `vanthu … | head` ends quietly: when the reader of stdout has gone, `println!`
/// panics with "failed printing to stdout: Broken pipe"; that one panic exits 0
/// without a message (like ripgrep). Every other panic is reported as before.
fn quiet_on_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        report(info);
    }));
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let db_path = cli.db.clone().unwrap_or_else(|| PathBuf::from("vanthu.db"));
    // render and check read the database only when one is named explicitly.
    let lookup_store = match (&cli.command, &cli.db) {
        (Command::Render { .. } | Command::Check { .. }, Some(db)) => Some(Store::open(db)?),
        _ => None,
    };
    let lookup = lookup_store.as_ref().map(|s| s as &dyn letter::Lookup);
    match cli.command {
        Command::Render {
            letters,
            out,
            format,
            font_dir,
        } => {
            let formats: &[Format] = match format {
                FormatArg::Pdf => &[Format::Pdf],
                FormatArg::Docx => &[Format::Docx],
                FormatArg::Both => &[Format::Pdf, Format::Docx],
            };
            let renderer = Renderer::new(font_dir.as_deref())?;
            for path in output::render_files(&renderer, &letters, &out, formats, lookup)? {
                println!("{}", path.display());
            }
        }
        Command::Check { letters } => {
            let warnings = output::check(&letters, lookup)?;
            for (l, w) in letters.iter().zip(warnings) {
                if w.is_empty() {
                    println!("{}: hợp lệ", l.display());
                } else {
                    println!("{}: hợp lệ, lưu ý:", l.display());
                    for w in w {
                        println!("  {}: {}", w.field, w.message);
                    }
                }
            }
        }
        Command::Init => {
            let store = Store::init(&db_path)?;
            println!("đã tạo {}", store.path().display());
        }
        Command::Import { files, update } => {
            let mut store = Store::open(&db_path)?;
            let mode = if update {
                vanthu::data::Mode::Update
            } else {
                vanthu::data::Mode::Add
            };
            for f in files {
                let report = vanthu::data::import_file_as(&mut store, &f, mode)?;
                println!("{}: {report}", f.display());
            }
        }
        Command::Issue {
            letter: path,
            date,
            font_dir,
            sign,
        } => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("{}: tệp: không đọc được tệp: {e}", path.display()))?;
            let mut store = Store::open(&db_path)?;
            let draft = letter::parse_with(&text, &path, Some(&store))?;
            let date = full_date(date)?;
            let renderer = Renderer::new(font_dir.as_deref())?;
            let entry = if sign {
                let keyring = keyring(cli.config.as_deref())?;
                let unlock = ask_unlock(&keyring, &draft)?;
                register::issue_signed(&mut store, &renderer, &keyring, unlock, &draft, &text, date)
            } else {
                register::issue(&mut store, &renderer, &draft, &text, date)
            }
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            println!("{}", entry.number_symbol);
        }
        Command::Register { command } => {
            let store = Store::open(&db_path)?;
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
                    println!("DOCX SHA-256: {}", e.docx_sha256);
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
                        for (ext, bytes) in [("pdf", pdf), ("docx", docx)] {
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
                } => cli::books::book(&store, &issuer, year, &out, font_dir.as_deref())?,
                RegisterCommand::Postal {
                    issuer,
                    year,
                    out,
                    font_dir,
                } => cli::books::postal(&store, &issuer, year, &out, font_dir.as_deref())?,
                RegisterCommand::Note {
                    number,
                    year,
                    issuer,
                    archive,
                    copies,
                    sent_on,
                    note,
                } => cli::books::note(
                    &store,
                    &number,
                    year,
                    issuer.as_deref(),
                    cli::books::NoteFlags {
                        archive,
                        copies,
                        sent_on,
                        note,
                    },
                )?,
                RegisterCommand::Extend { within_days } => {
                    let keyring = keyring(cli.config.as_deref())?;
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
                    let keyring = keyring(cli.config.as_deref())?;
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
        }
        Command::Ocop { command } => cli::ocop::run(command, &db_path)?,
        Command::Paper {
            number,
            year,
            issuer,
            command,
        } => {
            let store = Store::open(&db_path)?;
            let entry = register::find(&store, &number, year, issuer.as_deref())?;
            match command {
                PaperCommand::List => cli::books::paper_list(&store, &entry)?,
                PaperCommand::Sent {
                    recipient,
                    on,
                    envelopes,
                } => cli::books::paper_sent(&store, &entry, &recipient, &on, envelopes)?,
                PaperCommand::Envelopes { out, font_dir } => {
                    cli::books::paper_envelopes(&store, &entry, &out, font_dir.as_deref())?
                }
            }
        }
        Command::Verify { file, json, at } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("{}: không đọc được tệp: {e}", file.display()))?;
            let keyring = keyring(cli.config.as_deref())?;
            let at = match at {
                None => chrono::Utc::now(),
                Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| anyhow::anyhow!("--at {day}: ngày phải viết YYYY-MM-DD"))?
                    .and_hms_opt(5, 0, 0)
                    .expect("noon in Vietnam")
                    .and_utc(),
            };
            let report = vanthu::sign::verify::verify_at(
                &bytes,
                keyring.trust(),
                std::time::Duration::from_secs(3600),
                at,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.text());
            }
            if !report.all_valid() {
                std::process::exit(1);
            }
        }
        Command::Send {
            number,
            year,
            issuer,
            dry_run,
            retry_failed,
            no_wait,
        } => {
            let config = config(cli.config.as_deref())?;
            let settings = config.mail;
            let keyring = vanthu::sign::Keyring::new(config.signing, |k| std::env::var(k).ok())?;
            let mut store = Store::open(&db_path)?;
            let entry = register::find(&store, &number, year, issuer.as_deref())?;
            if let Some(warning) =
                vanthu::sign::send_check(&keyring, &entry.issuer, entry.signatures)?
            {
                println!("{warning}");
            }
            if dry_run {
                let plan = mail::plan(&store, &entry)?;
                print_plan(&entry, &plan);
                println!("--dry-run: không gửi thư nào");
                return Ok(());
            }
            let (plan, queued) = mail::queue(&mut store, &entry, &settings)?;
            print_plan(&entry, &plan);
            println!(
                "đã xếp {} thư vào hàng đợi ({} đã có từ trước)",
                queued.queued, queued.already
            );
            if retry_failed {
                let n = mail::outbox::retry_failed(&mut store, entry.id)?;
                println!("xếp lại {n} thư đã thất bại");
            }
            drop(store);
            if !no_wait {
                let report = runtime()?.block_on(mail::worker::run(
                    &db_path,
                    &settings,
                    Some(entry.id),
                    mail::worker::Until::Idle,
                    std::future::pending(),
                ))?;
                println!(
                    "đã gửi {}, chờ gửi lại {}, thất bại {}",
                    report.sent, report.retrying, report.failed
                );
            }
        }
        Command::Deliveries {
            number,
            year,
            issuer,
        } => {
            let store = Store::open(&db_path)?;
            let entry = register::find(&store, &number, year, issuer.as_deref())?;
            let rows = mail::outbox::list(&store, entry.id)?;
            if rows.is_empty() {
                println!(
                    "{} chưa được gửi; chạy `vanthu send {} --year {}`",
                    entry.number_symbol, entry.number_symbol, entry.year
                );
            }
            for d in rows {
                println!(
                    "{}\t{}\t{}",
                    d.recipient,
                    d.email.as_deref().unwrap_or("—"),
                    d.state()
                );
            }
        }
        Command::Bounces { stdin } => {
            let settings = config(cli.config.as_deref())?.mail;
            let bounces = settings.bounces.context(
                "chưa cấu hình hộp thư nhận thư trả lại: đặt [mail.bounces] address (và maildir) hoặc VANTHU_MAIL_BOUNCES",
            )?;
            let mut store = Store::open(&db_path)?;
            if stdin {
                let mut raw = vec![];
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)?;
                match mail::bounces::take(&mut store, &raw, bounces.local())? {
                    mail::bounces::Applied::Bounced { delivery } => {
                        println!("thư {delivery}: bị trả lại, đã ghi là thất bại")
                    }
                    mail::bounces::Applied::Delayed { delivery } => {
                        println!(
                            "thư {delivery}: chậm ở máy chủ trung gian, đã ghi vào nhật ký gửi"
                        )
                    }
                    mail::bounces::Applied::Unchanged { delivery } => {
                        println!("thư {delivery}: thông báo này đã được ghi trước đó, không đổi gì")
                    }
                    mail::bounces::Applied::Unknown => {
                        println!("không phải thông báo về thư của vanthu: bỏ qua")
                    }
                }
            } else {
                let dir = bounces.maildir.as_deref().context(
                    "chưa đặt [mail.bounces] maildir (hoặc VANTHU_MAIL_BOUNCES_MAILDIR); hoặc dùng --stdin",
                )?;
                let scan = mail::bounces::scan(&mut store, dir, bounces.local())?;
                println!(
                    "{} thư bị trả lại, {} thông báo chậm, {} thông báo đã ghi trước đó, {} thư khác (để chưa đọc trong cur/)",
                    scan.bounced.len(),
                    scan.delayed,
                    scan.unchanged,
                    scan.other
                );
            }
        }
        Command::Worker {
            until_idle,
            until_done,
        } => {
            let settings = config(cli.config.as_deref())?.mail;
            let until = if until_idle {
                mail::worker::Until::Idle
            } else if until_done {
                mail::worker::Until::Done
            } else {
                mail::worker::Until::Stopped
            };
            let rt = runtime()?;
            let report = rt.block_on(async {
                let stop = shutdown_signal()?;
                anyhow::Ok(mail::worker::run(&db_path, &settings, None, until, stop).await?)
            })?;
            println!(
                "đã gửi {}, chờ gửi lại {}, thất bại {}",
                report.sent, report.retrying, report.failed
            );
        }
        Command::Milestones { command } => {
            let store = Store::open(&db_path)?;
            match command {
                MilestonesCommand::List {
                    programme,
                    overdue,
                    date,
                } => {
                    let date = full_date(date)?;
                    for m in remind::milestones(&store, programme.as_deref(), date)? {
                        if overdue && !m.overdue(date) {
                            continue;
                        }
                        let state = if m.reported == m.agencies {
                            "đã đủ báo cáo"
                        } else if m.overdue(date) {
                            "quá hạn"
                        } else {
                            "đang thực hiện"
                        };
                        println!(
                            "{}\t{}\t{}\t{}/{} đơn vị đã báo cáo\t{state}\t{}",
                            m.id,
                            m.programme,
                            m.due.format("%d/%m/%Y"),
                            m.reported,
                            m.agencies,
                            m.what
                        );
                    }
                }
                MilestonesCommand::Report {
                    milestone,
                    agency,
                    date,
                } => {
                    let date = full_date(date)?;
                    match remind::report(&store, &milestone, &agency, date)? {
                        remind::Reported::Recorded => println!(
                            "đã ghi: {agency} báo cáo mốc {milestone} ngày {}",
                            date.format("%d/%m/%Y")
                        ),
                        remind::Reported::Already(on) => {
                            println!("{agency} đã báo cáo mốc {milestone} ngày {on}; không đổi")
                        }
                    }
                }
            }
        }
        Command::Remind { command } => {
            let config = config(cli.config.as_deref())?;
            let settings = config.mail;
            let keyring = vanthu::sign::Keyring::new(config.signing, |k| std::env::var(k).ok())?;
            let must_sign = |issuer: &str| keyring.requires_signature(issuer);
            match command {
                RemindCommand::Run {
                    date,
                    dry_run,
                    font_dir,
                } => {
                    let date = full_date(date)?;
                    let renderer = Renderer::new(font_dir.as_deref())?;
                    let issuing = remind::Issuing {
                        renderer: &renderer,
                        must_sign: &must_sign,
                    };
                    run_schedule(&db_path, date, dry_run, issuing, &settings)?;
                }
                RemindCommand::Schedule { at, font_dir } => {
                    let at = chrono::NaiveTime::parse_from_str(&at, "%H:%M").map_err(|_| {
                        anyhow::anyhow!("--at: \"{at}\" không phải giờ (ví dụ 07:00)")
                    })?;
                    let renderer = Renderer::new(font_dir.as_deref())?;
                    loop {
                        let issuing = remind::Issuing {
                            renderer: &renderer,
                            must_sign: &must_sign,
                        };
                        run_schedule(&db_path, register::today_vn(), false, issuing, &settings)?;
                        let wait = remind::calendar::until_next(at, chrono::Utc::now());
                        println!("lần chạy sau: sau {} phút", wait.as_secs() / 60);
                        std::thread::sleep(wait);
                    }
                }
                RemindCommand::List => {
                    let store = Store::open(&db_path)?;
                    for d in remind::drafts(&store)? {
                        let status = match (d.status.as_str(), &d.number) {
                            ("issued", Some(n)) => format!("đã ban hành {n}"),
                            _ => "bản nháp chờ duyệt".to_string(),
                        };
                        let what = if d.step == "expiry" {
                            "giấy chứng nhận"
                        } else {
                            "đơn vị"
                        };
                        println!(
                            "{}\t{}\t{}\t{}\t{} {what}\t{status}",
                            d.id,
                            d.fired_on,
                            d.milestone,
                            remind::step_label(&d.step),
                            d.agencies
                        );
                    }
                }
                RemindCommand::Draft {
                    id,
                    out,
                    issue,
                    font_dir,
                } => {
                    let mut store = Store::open(&db_path)?;
                    let renderer = Renderer::new(font_dir.as_deref())?;
                    if issue {
                        let issuing = remind::Issuing {
                            renderer: &renderer,
                            must_sign: &must_sign,
                        };
                        let entry = remind::issue_draft(&mut store, &issuing, id)?;
                        println!("{}", entry.number_symbol);
                    } else {
                        let composed = remind::compose_draft(&store, id)?;
                        let date = register::today_vn();
                        emit(&mut store, &renderer, &composed, date, false, &out)?;
                    }
                }
            }
        }
        Command::Db {
            command: DbCommand::Backup { file },
        } => {
            let store = Store::open(&db_path)?;
            store.backup(&file)?;
            println!("đã sao lưu vào {}", file.display());
        }
        Command::Doctor => cli::doctor::run(&Store::open(&db_path)?)?,
        Command::Serve { addr, font_dir } => {
            let config = config(cli.config.as_deref())?;
            let mut settings = config.server;
            if let Some(a) = addr {
                settings.addr = a;
            }
            init_logging();
            if !db_path.exists() {
                Store::init(&db_path)?;
                println!("đã tạo cơ sở dữ liệu {}", db_path.display());
            }
            let store = Store::open(&db_path)?;
            if vanthu::service::accounts::users(&store)?.is_empty() {
                eprintln!(
                    "chưa có người dùng nào: tạo tài khoản quản trị đầu tiên bằng `vanthu --db {} user add TEN --name \"Họ tên\" --admin --service`",
                    db_path.display()
                );
            }
            for bad in vanthu::store::images::unreadable(&store)? {
                tracing::warn!(owner = %bad.owner, problem = %bad.problem, "stored image does not decode; signed issues that need it will fail (vanthu doctor)");
            }
            drop(store);
            let renderer = Renderer::new(font_dir.as_deref())?;
            let keyring = vanthu::sign::Keyring::new(config.signing, |k| std::env::var(k).ok())?;
            let state = vanthu::http::AppState::new(
                db_path.clone(),
                renderer,
                config.mail,
                settings.secure_cookies,
                keyring,
            )?;
            let rt = runtime()?;
            rt.block_on(async {
                let stop = shutdown_signal()?;
                vanthu::http::serve(state, settings, stop, |addr| {
                    use std::io::Write;
                    println!("vanthu đang phục vụ tại http://{addr}");
                    let _ = std::io::stdout().flush();
                })
                .await
            })?;
        }
        Command::User { command } => cli::user::run(command, &mut Store::open(&db_path)?)?,
    }
    Ok(())
}

/// One run of the reminder schedule: prints what it drafted, issued and queued, then
/// delivers the queued reminders.
fn run_schedule(
    db_path: &std::path::Path,
    date: chrono::NaiveDate,
    dry_run: bool,
    issuing: remind::Issuing,
    settings: &mail::MailSettings,
) -> anyhow::Result<()> {
    let mut store = Store::open(db_path)?;
    let report = remind::run(&mut store, date, dry_run, Some(issuing), settings)?;
    let day = date.format("%d/%m/%Y");
    if report.fired.is_empty() {
        println!("{day}: không có nhắc hạn mới");
    }
    for f in &report.fired {
        let names = if f.agencies.len() > 5 {
            format!(
                "{}, … ({} đơn vị)",
                f.agencies[..5].join(", "),
                f.agencies.len()
            )
        } else {
            f.agencies.join(", ")
        };
        println!(
            "{day}: {} nhắc hạn {} ({}): {names}{}",
            if dry_run {
                "sẽ soạn"
            } else {
                "đã soạn"
            },
            f.milestone,
            remind::step_label(&f.step),
            if dry_run {
                String::new()
            } else {
                format!(" [bản nháp {}]", f.draft_id)
            }
        );
    }
    for (draft, number) in &report.issued {
        println!("{day}: bản nháp {draft} đã ban hành: {number}");
    }
    for p in &report.problems {
        eprintln!("{p}");
    }
    if dry_run {
        println!("--dry-run: không thay đổi gì");
    }
    drop(store);
    if !report.queued.is_empty() {
        let rt = runtime()?;
        for entry in &report.queued {
            let r = rt.block_on(mail::worker::run(
                db_path,
                settings,
                Some(entry.id),
                mail::worker::Until::Idle,
                std::future::pending(),
            ))?;
            println!(
                "{day}: {} đã gửi {}, chờ gửi lại {}, thất bại {}",
                entry.number_symbol, r.sent, r.retrying, r.failed
            );
        }
    }
    Ok(())
}

/// The configuration: the file, then the environment.
fn config(file: Option<&std::path::Path>) -> anyhow::Result<vanthu::config::Config> {
    Ok(vanthu::config::Config::load(file, |k| {
        std::env::var(k).ok()
    })?)
}

/// The keys, trusted roots and CRLs of `[signing]`; passwords from the environment.
fn keyring(file: Option<&std::path::Path>) -> anyhow::Result<vanthu::sign::Keyring> {
    let signing = config(file)?.signing;
    Ok(vanthu::sign::Keyring::new(signing, |k| {
        std::env::var(k).ok()
    })?)
}

/// The PIN of each token key signing `doc`, typed at a prompt (without echo on a
/// terminal; one line each from a pipe), and a remote signer's wait told on stderr.
fn ask_unlock(
    keyring: &vanthu::sign::Keyring,
    doc: &vanthu::model::Document,
) -> anyhow::Result<vanthu::sign::Unlock> {
    use std::io::{BufRead, IsTerminal};
    use vanthu::sign::keys::KeyPlace;
    let mut unlock = vanthu::sign::Unlock::default()
        .on_wait(std::sync::Arc::new(|message: &str| eprintln!("{message}")));
    for (owner, place) in vanthu::sign::issue::key_places(keyring, doc) {
        let KeyPlace::Token(token) = place else {
            continue;
        };
        let prompt = format!("Mã PIN của {token} ({owner}): ");
        let pin = if std::io::stdin().is_terminal() {
            rpassword::prompt_password(&prompt)?
        } else {
            eprint!("{prompt}");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            eprintln!();
            line.trim_end_matches(['\r', '\n']).to_string()
        };
        if pin.is_empty() {
            anyhow::bail!("chưa nhập mã PIN của {token}; văn bản chưa được ban hành");
        }
        unlock = unlock.with_pin(owner.role(), pin.into());
    }
    Ok(unlock)
}

/// Service logs on stderr: `VANTHU_LOG` filters (default `info`), `VANTHU_LOG_FORMAT=json`
/// writes one JSON object per line.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VANTHU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("VANTHU_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(vanthu::limits::THREAD_STACK)
        .enable_all()
        .build()?)
}

/// Ctrl-C or SIGTERM: stop taking messages, finish the ones in flight. The handlers are
/// installed when this is called (inside the runtime), before any work starts, so a
/// signal that comes early is not lost to the default action.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// The delivery plan of a document: e-mail, paper, archive.
fn print_plan(entry: &register::Entry, plan: &mail::Recipients) {
    println!(
        "{} ({}): {} thư điện tử, {} bản giấy",
        entry.number_symbol,
        entry.year,
        plan.mailboxes.len(),
        plan.paper.len()
    );
    for m in &plan.mailboxes {
        println!("  thư   {} <{}>", m.name, m.email);
    }
    for p in &plan.paper {
        println!("  giấy  {}: {}", p.name, p.reason);
    }
    for a in &plan.archive {
        println!("  lưu   {a}");
    }
}
