//! `vanthu doctor`: what in the stored data or the configuration would fail later,
//! said now.

use vanthu::config::Config;
use vanthu::incoming::{imap, mailbox::MailboxAt};
use vanthu::store::{Store, images};

/// Prints each stored signature image and seal that no longer reads as a usable PNG,
/// and each configured incoming mailbox that cannot be read; an error (exit 1) when
/// there is a problem.
pub fn run(store: &Store, config: &Config) -> anyhow::Result<()> {
    let bad = images::unreadable(store)?;
    for b in &bad {
        println!("{}: {} (hãy tải lên lại ảnh này)", b.owner, b.problem);
    }
    if bad.is_empty() {
        println!("ảnh chữ ký và con dấu đã lưu: đọc được cả");
    }
    let mailboxes = mailbox_problems(config);
    anyhow::ensure!(
        bad.is_empty(),
        "{} ảnh đã lưu không đọc được: mọi lần ban hành có ký số cần ảnh đó sẽ bị từ chối",
        bad.len()
    );
    anyhow::ensure!(
        mailboxes == 0,
        "{mailboxes} hộp thư văn bản đến chưa đọc được: sửa [[incoming.mailboxes]] như trên"
    );
    Ok(())
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
