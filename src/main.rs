//! The `vanthu` command line: the commands are defined and dispatched here; each group
//! lives in its own module under `cli/`, which parses, calls the library and prints.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

#[derive(Subcommand)]
enum Command {
    /// Render letter files to PDF and/or DOCX.
    Render(cli::letters::RenderArgs),
    /// Check letter files and print what is wrong.
    Check(cli::letters::CheckArgs),
    /// Create the database.
    Init,
    /// Import programme data (.toml, .json, or .csv for product lists), all or nothing.
    Import(cli::db::ImportArgs),
    /// Issue a draft letter: take the next number, render, store; prints the number/symbol.
    Issue(cli::sign::IssueArgs),
    /// Check every digital signature of a PDF, whoever made it (Vietnamese report;
    /// exit code 1 when one is not valid).
    Verify(cli::sign::VerifyArgs),
    /// The outgoing-document register.
    Register {
        #[command(subcommand)]
        command: cli::register::RegisterCommand,
    },
    /// OCOP documents composed from programme data.
    Ocop {
        #[command(subcommand)]
        command: cli::ocop::OcopCommand,
    },
    /// E-mail an issued document to every recipient that has a mailbox: plans one
    /// message per mailbox, queues them and delivers them.
    Send(cli::mail::SendArgs),
    /// Paper copies of an issued document ("gửi bản giấy"): who gets one, recording the
    /// day each left, printing the envelopes.
    Paper(cli::books::PaperArgs),
    /// Delivery status of an issued document, per recipient.
    Deliveries(cli::mail::Issued),
    /// Read the bounce mailbox ([mail.bounces] maildir): a bounce marks its delivery
    /// failed with the reason. `--stdin`: one message piped in by the mail server.
    Bounces(cli::mail::BouncesArgs),
    /// The delivery worker: sends queued messages until stopped (Ctrl-C).
    Worker(cli::mail::WorkerArgs),
    /// Incoming documents (văn bản đến): check, register and list them.
    Incoming {
        #[command(subcommand)]
        command: cli::incoming::IncomingCommand,
    },
    /// Deadlines (milestones) and who has reported.
    Milestones {
        #[command(subcommand)]
        command: cli::remind::MilestonesCommand,
    },
    /// The reminder schedule: what it drafts, issues and sends.
    Remind {
        #[command(subcommand)]
        command: cli::remind::RemindCommand,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: cli::db::DbCommand,
    },
    /// Run the service: web pages and JSON API, delivery worker, daily reminders.
    Serve(cli::serve::ServeArgs),
    /// Check what would fail later: the database, the fonts, the stored signature
    /// images and seals, the keys (and their expiry), the timestamp authority, the mail
    /// server and the incoming mailboxes; exit code 1 when something must be fixed.
    Doctor(cli::doctor::DoctorArgs),
    /// User accounts of the service.
    User {
        #[command(subcommand)]
        command: cli::user::UserCommand,
    },
    /// The service's helper: lays out one large document read from standard input.
    #[command(hide = true)]
    RenderChild(cli::serve::RenderChildArgs),
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
    let globals = cli::Globals {
        db: cli.db,
        config: cli.config,
    };
    let g = &globals;
    match cli.command {
        Command::Render(args) => cli::letters::render(g, args),
        Command::Check(args) => cli::letters::check(g, args),
        Command::Init => cli::db::init(g),
        Command::Import(args) => cli::db::import(g, args),
        Command::Db { command } => cli::db::run(g, command),
        Command::Issue(args) => cli::sign::issue(g, args),
        Command::Verify(args) => cli::sign::verify(g, args),
        Command::Register { command } => cli::register::run(g, command),
        Command::Ocop { command } => cli::ocop::run(command, &g.db_path()),
        Command::Paper(args) => cli::books::paper(g, args),
        Command::Send(args) => cli::mail::send(g, args),
        Command::Deliveries(document) => cli::mail::deliveries(g, document),
        Command::Bounces(args) => cli::mail::bounces(g, args),
        Command::Worker(args) => cli::mail::worker(g, args),
        Command::Incoming { command } => cli::incoming::run(g, command),
        Command::Milestones { command } => cli::remind::milestones(g, command),
        Command::Remind { command } => cli::remind::run(g, command),
        Command::Serve(args) => cli::serve::run(g, args),
        Command::Doctor(args) => cli::doctor::run(&g.store()?, g.config.as_deref(), args),
        Command::User { command } => cli::user::run(command, &mut g.store()?),
        Command::RenderChild(args) => cli::serve::render_child(args),
    }
}
