//! `vanthu ocop …`: OCOP documents composed from the programme data, written as drafts
//! or issued through the register.

use std::path::PathBuf;

use clap::Subcommand;
use vanthu::store::Store;
use vanthu::{Renderer, output};

use super::{emit, full_date};

/// Options shared by the commands that draft an OCOP document.
#[derive(clap::Args)]
pub struct Drafting {
    /// The day the document is written (default: today in Vietnam).
    #[arg(long)]
    pub date: Option<String>,
    /// Who signs (default: the writing agency's first person).
    #[arg(long)]
    pub signer: Option<String>,
    /// Where drafts are written.
    #[arg(long, short, default_value = "out")]
    pub out: PathBuf,
    /// Issue through the register instead of writing a draft.
    #[arg(long)]
    pub issue: bool,
    #[arg(long, env = "VANTHU_FONT_DIR")]
    pub font_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum OcopCommand {
    /// Kế hoạch triển khai Chương trình OCOP năm N, from a programme's data.
    Plan {
        #[arg(long)]
        programme: String,
        #[command(flatten)]
        drafting: Drafting,
    },
    /// Công văn đôn đốc to the agencies that have not reported on a milestone.
    Remind {
        #[arg(long)]
        milestone: String,
        /// The agency that writes it (default: the programme's issuer).
        #[arg(long)]
        issuer: Option<String>,
        #[command(flatten)]
        drafting: Drafting,
    },
    /// Quyết định công nhận sản phẩm OCOP of an evaluation round (+ transfer letter for
    /// products above the issuer's tier).
    Decide {
        #[arg(long)]
        round: String,
        /// The certifying People's Committee.
        #[arg(long)]
        issuer: String,
        #[command(flatten)]
        drafting: Drafting,
    },
    /// One Giấy chứng nhận per product of a decision: a PDF each and one combined PDF.
    Certificates {
        /// The decision's number/symbol, e.g. 3520/QĐ-UBND.
        #[arg(long)]
        decision: String,
        /// The People's Committee that certifies (default: the one stored with the
        /// decision's certificates).
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        signer: Option<String>,
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Threads for the batch (default: the machine's cores).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long, env = "VANTHU_FONT_DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Certificates that expire within a window: a notice asking for re-evaluation
    /// dossiers, and a withdrawal decision for expired ones not re-registered.
    Expiring {
        /// The agency whose territory is searched and who writes the drafts.
        #[arg(long)]
        issuer: String,
        /// Look-ahead: 6m, 3m, 90d, 1y.
        #[arg(long, default_value = "6m")]
        within: String,
        #[command(flatten)]
        drafting: Drafting,
    },
}

/// The OCOP commands: compose from the database, then issue or write drafts.
pub fn run(command: OcopCommand, db_path: &std::path::Path) -> anyhow::Result<()> {
    use vanthu::ocop;
    let mut store = Store::open(db_path)?;
    match command {
        OcopCommand::Plan {
            programme,
            drafting: d,
        } => {
            let date = full_date(d.date.clone())?;
            let composed = ocop::plan(&store, &programme, date, d.signer.as_deref())?;
            emit_all(&mut store, &d, date, [Some(composed)])
        }
        OcopCommand::Remind {
            milestone,
            issuer,
            drafting: d,
        } => {
            let date = full_date(d.date.clone())?;
            let request = ocop::ReminderRequest {
                milestone: &milestone,
                date,
                issuer: issuer.as_deref(),
                signer: d.signer.as_deref(),
            };
            let composed = ocop::reminder(&store, &request)?;
            emit_all(&mut store, &d, date, [Some(composed)])
        }
        OcopCommand::Decide {
            round,
            issuer,
            drafting: d,
        } => {
            let date = full_date(d.date.clone())?;
            let request = ocop::DecisionRequest {
                round: &round,
                issuer: &issuer,
                date,
                signer: d.signer.as_deref(),
            };
            let decided = ocop::decide(&store, &request)?;
            for e in &decided.evaluated {
                eprintln!("{}: {} điểm: {}", e.product, e.score, e.outcome);
            }
            let renderer = Renderer::new(d.font_dir.as_deref())?;
            if let (Some(decision), true) = (&decided.decision, d.issue) {
                let (entry, n) = ocop::issue_decision(
                    &mut store,
                    &renderer,
                    decision,
                    &issuer,
                    date,
                    &decided.evaluated,
                )?;
                println!("{}", entry.number_symbol);
                eprintln!(
                    "đã ghi {n} giấy chứng nhận theo quyết định {}",
                    entry.number_symbol
                );
            } else if let Some(decision) = &decided.decision {
                emit(&mut store, &renderer, decision, date, false, &d.out)?;
            }
            if let Some(transfer) = &decided.transfer {
                emit(&mut store, &renderer, transfer, date, d.issue, &d.out)?;
            }
            Ok(())
        }
        OcopCommand::Certificates {
            decision,
            issuer,
            signer,
            out,
            threads,
            font_dir,
        } => {
            let set =
                ocop::certificate_set(&store, &decision, issuer.as_deref(), signer.as_deref())?;
            let renderer = Renderer::new(font_dir.as_deref())?;
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let stem = format!("gcn-{}", decision.replace('/', "-"));
            let dir = out.join(&stem);
            std::fs::create_dir_all(&dir)?;
            let combined = ocop::render_certificates(&renderer, &set, threads, |page, pdf| {
                output::write_atomic(&dir.join(format!("{}.pdf", page.stem)), &pdf)
            })?;
            let all = out.join(format!("{stem}.pdf"));
            output::write_atomic(&all, &combined)?;
            println!(
                "{} giấy chứng nhận: {}/ và {}",
                set.pages.len(),
                dir.display(),
                all.display()
            );
            Ok(())
        }
        OcopCommand::Expiring {
            issuer,
            within,
            drafting: d,
        } => {
            let date = full_date(d.date.clone())?;
            let window =
                ocop::Window::parse(&within).map_err(|e| anyhow::anyhow!("--within: {e}"))?;
            let found = ocop::expiring(&store, &issuer, date, window, d.signer.as_deref())?;
            for c in &found.certificates {
                let state = if c.re_registered {
                    "đã đăng ký đánh giá lại"
                } else if c.expires_on <= date {
                    "đã hết hạn, chưa đăng ký lại: thu hồi"
                } else {
                    "sắp hết hạn: thông báo"
                };
                eprintln!(
                    "{} ({}): hết hạn {}: {state}",
                    c.product, c.producer, c.expires_on
                );
            }
            if found.certificates.is_empty() {
                eprintln!(
                    "không có giấy chứng nhận nào hết hạn đến {}",
                    window.end(date)
                );
            }
            emit_all(&mut store, &d, date, [found.notice, found.withdrawal])
        }
    }
}

/// Issues or writes each composed document, with the drafting options.
fn emit_all<const N: usize>(
    store: &mut Store,
    d: &Drafting,
    date: chrono::NaiveDate,
    composed: [Option<vanthu::ocop::Composed>; N],
) -> anyhow::Result<()> {
    let renderer = Renderer::new(d.font_dir.as_deref())?;
    for c in composed.into_iter().flatten() {
        emit(store, &renderer, &c, date, d.issue, &d.out)?;
    }
    Ok(())
}
