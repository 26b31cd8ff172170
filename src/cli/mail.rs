//! `vanthu send`, `deliveries`, `bounces` and `worker`: e-mailing issued documents
//! through the outbox, and what became of each message.

use anyhow::Context;
use clap::Args;
use vanthu::mail;
use vanthu::store::register;

use super::{Globals, keyring_of, runtime, shutdown_signal};

/// An issued document named by its number and symbol.
#[derive(Args)]
pub struct Issued {
    /// Number/symbol, e.g. 780/UBND-KT.
    number: String,
    #[arg(long)]
    year: i32,
    #[arg(long)]
    issuer: Option<String>,
}

#[derive(Args)]
pub struct SendArgs {
    #[command(flatten)]
    document: Issued,
    /// Print who would get what, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Queue the messages that failed once more.
    #[arg(long)]
    retry_failed: bool,
    /// Only queue: the worker (`vanthu worker`) delivers.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Args)]
pub struct BouncesArgs {
    #[arg(long)]
    stdin: bool,
}

#[derive(Args)]
pub struct WorkerArgs {
    /// Stop when nothing is due now.
    #[arg(long)]
    until_idle: bool,
    /// Stop when nothing is queued at all (waits for scheduled retries).
    #[arg(long, conflicts_with = "until_idle")]
    until_done: bool,
}

/// Plans, queues and (unless `--no-wait`) delivers the messages of one document.
pub fn send(globals: &Globals, args: SendArgs) -> anyhow::Result<()> {
    let config = globals.config()?;
    let settings = config.mail;
    let keyring = keyring_of(config.signing)?;
    let db_path = globals.db_path();
    let mut store = globals.store()?;
    let d = &args.document;
    let entry = register::find(&store, &d.number, d.year, d.issuer.as_deref())?;
    if let Some(warning) = vanthu::sign::send_check(&keyring, &entry.issuer, entry.signatures)? {
        println!("{warning}");
    }
    if args.dry_run {
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
    if args.retry_failed {
        let n = mail::outbox::retry_failed(&mut store, entry.id)?;
        println!("xếp lại {n} thư đã thất bại");
    }
    drop(store);
    if !args.no_wait {
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
    Ok(())
}

/// Prints each recipient's mailbox and delivery state.
pub fn deliveries(globals: &Globals, document: Issued) -> anyhow::Result<()> {
    let store = globals.store()?;
    let entry = register::find(
        &store,
        &document.number,
        document.year,
        document.issuer.as_deref(),
    )?;
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
    Ok(())
}

/// Reads one bounce from stdin, or every new message of the bounce Maildir.
pub fn bounces(globals: &Globals, args: BouncesArgs) -> anyhow::Result<()> {
    let settings = globals.config()?.mail;
    let bounces = settings.bounces.context(
        "chưa cấu hình hộp thư nhận thư trả lại: đặt [mail.bounces] address (và maildir) hoặc VANTHU_MAIL_BOUNCES",
    )?;
    let mut store = globals.store()?;
    if args.stdin {
        let mut raw = vec![];
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)?;
        match mail::bounces::take(&mut store, &raw, bounces.local())? {
            mail::bounces::Applied::Bounced { delivery } => {
                println!("thư {delivery}: bị trả lại, đã ghi là thất bại")
            }
            mail::bounces::Applied::Delayed { delivery } => {
                println!("thư {delivery}: chậm ở máy chủ trung gian, đã ghi vào nhật ký gửi")
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
    Ok(())
}

/// Runs the delivery worker until stopped, idle or done.
pub fn worker(globals: &Globals, args: WorkerArgs) -> anyhow::Result<()> {
    let settings = globals.config()?.mail;
    let until = if args.until_idle {
        mail::worker::Until::Idle
    } else if args.until_done {
        mail::worker::Until::Done
    } else {
        mail::worker::Until::Stopped
    };
    let db_path = globals.db_path();
    let report = runtime()?.block_on(async {
        let stop = shutdown_signal()?;
        anyhow::Ok(mail::worker::run(&db_path, &settings, None, until, stop).await?)
    })?;
    println!(
        "đã gửi {}, chờ gửi lại {}, thất bại {}",
        report.sent, report.retrying, report.failed
    );
    Ok(())
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
