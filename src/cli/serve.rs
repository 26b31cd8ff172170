//! `vanthu serve`: the web pages and JSON API, the delivery worker, the daily
//! reminders and the incoming fetch in one process.

use std::path::PathBuf;

use clap::Args;
use vanthu::Renderer;
use vanthu::render::pdf::child::ChildCommand;
use vanthu::store::Store;

use super::{Globals, runtime, shutdown_signal};
use vanthu::http::live::Live;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080, or [server] addr / VANTHU_ADDR).
    #[arg(long)]
    addr: Option<String>,
    /// Extra font folder; also VANTHU_FONT_DIR.
    #[arg(long, env = "VANTHU_FONT_DIR")]
    font_dir: Option<PathBuf>,
}

/// Creates the database when missing, says what the operator must still do, and
/// serves until Ctrl-C or SIGTERM; SIGHUP reloads the configuration
/// ([`vanthu::http::live`]).
pub fn run(globals: &Globals, args: ServeArgs) -> anyhow::Result<()> {
    let config = globals.config()?;
    let mut settings = config.server.clone();
    if let Some(a) = args.addr {
        settings.addr = a;
    }
    init_logging();
    let db_path = globals.db_path();
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
    // Large documents are laid out by a child process of this same binary.
    let renderer = Renderer::new(args.font_dir.as_deref())?
        .with_child_process(ChildCommand::this_binary(args.font_dir.clone())?);
    let env = |k: &str| std::env::var(k).ok();
    let live = Live::from_config(config, env)?;
    let state = vanthu::http::AppState::new(db_path, renderer, live)?;
    let file = globals.config.clone();
    runtime()?.block_on(async {
        let stop = shutdown_signal()?;
        vanthu::http::reload_on_hangup(state.clone(), move || Live::load(file.as_deref(), env))?;
        vanthu::http::serve(state, settings, stop, |addr| {
            use std::io::Write;
            println!("vanthu đang phục vụ tại http://{addr}");
            let _ = std::io::stdout().flush();
        })
        .await
    })?;
    Ok(())
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

/// `vanthu render-child`: the service's helper for large documents
/// ([`vanthu::render::pdf::child`]).
#[derive(clap::Args)]
pub struct RenderChildArgs {
    /// The extra font folder the service was given.
    #[arg(long)]
    font_dir: Option<PathBuf>,
}

pub fn render_child(args: RenderChildArgs) -> anyhow::Result<()> {
    let renderer = vanthu::render::PdfRenderer::new(args.font_dir.as_deref())?;
    vanthu::render::pdf::child::serve(
        &renderer,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
    )?;
    Ok(())
}
