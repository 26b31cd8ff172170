//! `vanthu milestones …` and `vanthu remind …`: the deadlines, who has reported, and
//! the reminder schedule that drafts, issues and sends the công văn đôn đốc.

use std::path::PathBuf;

use clap::Subcommand;
use vanthu::store::{Store, register};
use vanthu::{Renderer, mail, remind};

use super::{Globals, emit, full_date, keyring_of, runtime};

#[derive(Subcommand)]
pub enum MilestonesCommand {
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
pub enum RemindCommand {
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

/// Runs one `milestones` command.
pub fn milestones(globals: &Globals, command: MilestonesCommand) -> anyhow::Result<()> {
    let store = globals.store()?;
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
    Ok(())
}

/// Runs one `remind` command.
pub fn run(globals: &Globals, command: RemindCommand) -> anyhow::Result<()> {
    let config = globals.config()?;
    let db_path = globals.db_path();
    let settings = config.mail;
    let keyring = keyring_of(config.signing)?;
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
            let at = chrono::NaiveTime::parse_from_str(&at, "%H:%M")
                .map_err(|_| anyhow::anyhow!("--at: \"{at}\" không phải giờ (ví dụ 07:00)"))?;
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
            let store = globals.store()?;
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
            let mut store = globals.store()?;
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
