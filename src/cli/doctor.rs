//! `vanthu doctor`: what in the stored data or the configuration would fail later,
//! said now.

use std::path::{Path, PathBuf};

use clap::Args;
use vanthu::config::Config;
use vanthu::incoming::{imap, mailbox::MailboxAt};
use vanthu::store::{Store, images};

/// Prints every mistake of the configuration file (each with its line), each stored
/// signature image and seal that no longer reads as a usable PNG,
/// each configured key (its certificate's trust and expiry, warned [`WARN_DAYS`] days
/// ahead), the time-stamping authority, the mail server and each incoming mailbox;
/// an error (exit 1) when something would fail, naming how many.
///
/// [`WARN_DAYS`]: vanthu::sign::health::WARN_DAYS
pub fn run(store: &Store, file: Option<&Path>, args: DoctorArgs) -> anyhow::Result<()> {
    let mut problems = vec![];
    // Every mistake of the file, then the checks below with what could be read.
    let (config, mistakes) = Config::diagnose(file, |k| std::env::var(k).ok());
    for mistake in &mistakes {
        println!("{mistake}");
    }
    match mistakes.len() {
        0 => println!("cấu hình: đọc được"),
        n => problems.push(format!(
            "{n} lỗi trong cấu hình (các dòng sai bị bỏ qua khi kiểm tra phần còn lại)"
        )),
    }
    let config = &config;
    match (store.damage()?, vanthu::store::register::verify(store)?) {
        (None, breaks) if breaks.is_empty() => println!(
            "cơ sở dữ liệu {}: toàn vẹn, sổ văn bản đủ số",
            store.path().display()
        ),
        (damage, breaks) => {
            for problem in damage.into_iter().chain(breaks) {
                println!("cơ sở dữ liệu {}: {problem}", store.path().display());
            }
            problems.push("cơ sở dữ liệu hỏng hoặc sổ văn bản thiếu số (khôi phục từ bản sao lưu: vanthu db restore)".into());
        }
    }
    match vanthu::Renderer::new(args.font_dir.as_deref()) {
        Ok(r) if r.has_family("Times New Roman") => {
            println!("phông chữ: có Times New Roman")
        }
        Ok(_) => println!(
            "phông chữ: dùng Liberation Serif đi kèm (cùng khổ chữ với Times New Roman); cơ quan có bản quyền Times New Roman thì đặt VANTHU_FONT_DIR tới thư mục chứa tệp phông"
        ),
        Err(e) => {
            println!("phông chữ: {e}");
            problems.push("thư mục phông chữ không đọc được".into());
        }
    }
    let bad = images::unreadable(store)?;
    for b in &bad {
        println!("{}: {} (hãy tải lên lại ảnh này)", b.owner, b.problem);
    }
    if bad.is_empty() {
        println!("ảnh chữ ký và con dấu đã lưu: đọc được cả");
    }
    if !bad.is_empty() {
        problems.push(format!(
            "{} ảnh đã lưu không đọc được (mọi lần ban hành có ký số cần ảnh đó sẽ bị từ chối)",
            bad.len()
        ));
    }
    let keys = key_problems(config)?;
    if keys > 0 {
        problems.push(format!("{keys} khóa ký số không ký được"));
    }
    if let Some(tsa) = &config.signing.tsa {
        match vanthu::sign::tsa::check(tsa) {
            Ok(said) => println!("{said}"),
            Err(e) => {
                println!("máy chủ dấu thời gian: {e}");
                problems.push("máy chủ dấu thời gian không trả lời".into());
            }
        }
    }
    match super::runtime()?.block_on(vanthu::mail::worker::check(&config.mail)) {
        Ok(said) => println!("{said}"),
        Err(problem) => {
            println!("{problem}");
            problems.push("chưa gửi thư được".into());
        }
    }
    let mailboxes = mailbox_problems(config);
    if mailboxes > 0 {
        problems.push(format!(
            "{mailboxes} hộp thư văn bản đến chưa đọc được (sửa [[incoming.mailboxes]])"
        ));
    }
    anyhow::ensure!(
        problems.is_empty(),
        "cần sửa: {}; xem từng dòng ở trên",
        problems.join("; ")
    );
    Ok(())
}

/// Checks every configured key as of now, one line each; how many would not sign.
fn key_problems(config: &Config) -> anyhow::Result<usize> {
    if config.signing.keys.is_empty() {
        println!("chưa cấu hình khóa ký số nào ([[signing.keys]])");
        return Ok(0);
    }
    let keyring = super::keyring_of(config.signing.clone())?;
    let checked = vanthu::sign::health::check_keys(&keyring, chrono::Utc::now());
    for k in &checked {
        println!("{}", k.line());
    }
    Ok(checked.iter().filter(|k| k.is_bad()).count())
}

/// `vanthu doctor`'s options.
#[derive(Args)]
pub struct DoctorArgs {
    /// The extra fonts folder the service uses (e.g. licensed Times New Roman).
    #[arg(long, env = "VANTHU_FONT_DIR")]
    font_dir: Option<PathBuf>,
}

/// Tries every configured incoming mailbox (an IMAP login, a Maildir's folders); the
/// number that fail, each said in a line.
fn mailbox_problems(config: &Config) -> usize {
    let mailboxes = match config.incoming.mailboxes(|k| std::env::var(k).ok()) {
        Ok(m) => m,
        Err(e) => {
            println!("{e}");
            return 1;
        }
    };
    let mut failed = 0;
    for m in &mailboxes {
        let result = match &m.at {
            MailboxAt::Imap(account) => imap::check(account)
                .map(|n| {
                    format!(
                        "hộp thư IMAP {}: đăng nhập được, {n} thư đang chờ",
                        account.server()
                    )
                })
                .map_err(|e| format!("hộp thư IMAP {}: {e}", account.server())),
            MailboxAt::Maildir(dir) if dir.join("new").is_dir() => {
                Ok(format!("Maildir {}: đọc được", dir.display()))
            }
            MailboxAt::Maildir(dir) => {
                Err(format!("Maildir {}: không có thư mục new/", dir.display()))
            }
        };
        failed += usize::from(result.is_err());
        println!("{}: {}", m.agency, result.unwrap_or_else(|problem| problem));
    }
    failed
}
