//! Reading the agency's mailbox on an IMAP server.
//!
//! [`fetch`] logs in, reads every message of the folder (`INBOX`) one at a time without
//! marking it seen (`BODY.PEEK[]`), registers its PDF attachments like a Maildir's
//! ([`super::mailbox`]), and only then moves it: to "Đã vào sổ" when every attachment
//! was registered, to "Chưa vào sổ" (for a person) when one was refused or it had none.
//!
//! Read once, lose nothing: a message leaves the folder only after its attachments are
//! registered, each in its own transaction; a fetch killed half-way leaves it there and
//! the next fetch reads it again, its files coming back as the entries they already
//! have (one agency registers one file once, by its SHA-256). The same message
//! delivered twice (one Message-ID) or the same file in two messages adds nothing.
//!
//! The connection is TLS (`tls`, port 993, or `starttls`, port 143) with the system's
//! roots and an optional CA of the agency's; `plain` is only allowed to a loopback
//! address. The password is never printed nor logged.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::Source;
use super::mailbox::{Fetched, MailboxError, MailboxSettings, Message, TOO_LARGE};
use crate::sign::keys::Trust;
use crate::store::Store;

/// How long a connection or one answer of the server may take.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (imaps, 993).
    Tls,
    /// Plain, then `STARTTLS` before logging in (143).
    StartTls,
    /// No TLS: only to a loopback address (a server on this machine).
    Plain,
}

/// An IMAP account of an agency, as configured.
#[derive(Debug, Clone)]
pub struct Account {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    password: SecretString,
    pub ca_file: Option<PathBuf>,
    /// The folder read, and the two a message is moved to (as written; encoded for the
    /// server when used).
    pub folder: String,
    pub registered_folder: String,
    pub refused_folder: String,
}

impl Account {
    /// The account of `settings`, whose server is `host`; `var` reads `password_env`.
    pub(super) fn parse(
        settings: &MailboxSettings,
        host: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Account, String> {
        let agency = settings.agency.trim();
        let fail = |what: String| format!("incoming.mailboxes ({agency}): {what}");
        let host = host.trim();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail(format!("host \"{host}\" không phải tên máy chủ")));
        }
        let security = match settings.security.as_deref().map(str::trim) {
            None | Some("tls") => Security::Tls,
            Some("starttls") => Security::StartTls,
            Some("plain") => Security::Plain,
            Some(other) => {
                return Err(fail(format!(
                    "security \"{other}\" không hợp lệ: ghi tls, starttls hoặc plain"
                )));
            }
        };
        if security == Security::Plain && !loopback(host) {
            return Err(fail(format!(
                "security = \"plain\" chỉ dùng với máy chủ trên chính máy này (127.0.0.1); {host} cần tls hoặc starttls để mật khẩu không đi trên mạng dạng rõ"
            )));
        }
        let port = settings.port.unwrap_or(match security {
            Security::Tls => 993,
            _ => 143,
        });
        let username = settings.username.trim();
        if username.is_empty() {
            return Err(fail("thiếu username (tài khoản hộp thư)".into()));
        }
        let password = match (&settings.password_env, &settings.password) {
            (Some(name), _) => SecretString::from(var(name).ok_or_else(|| {
                fail(format!(
                    "biến môi trường {name} (password_env) chưa được đặt"
                ))
            })?),
            (None, Some(p)) => p.clone(),
            (None, None) => {
                return Err(fail(
                    "thiếu mật khẩu: đặt password_env (tên biến môi trường) hoặc password".into(),
                ));
            }
        };
        let folder_of = |value: &Option<String>, default: &str, key: &str| {
            let name: String = unicode_normalization::UnicodeNormalization::nfc(
                value.as_deref().unwrap_or(default).trim(),
            )
            .collect();
            if name.is_empty() || name.chars().any(char::is_control) {
                Err(fail(format!("{key} \"{name}\" không phải tên thư mục")))
            } else {
                Ok(name)
            }
        };
        Ok(Account {
            host: host.to_string(),
            port,
            security,
            username: username.to_string(),
            password,
            ca_file: settings.ca_file.clone(),
            folder: folder_of(&settings.folder, "INBOX", "folder")?,
            registered_folder: folder_of(
                &settings.registered_folder,
                "Đã vào sổ",
                "registered_folder",
            )?,
            refused_folder: folder_of(&settings.refused_folder, "Chưa vào sổ", "refused_folder")?,
        })
    }

    /// `host:port`, as messages name the server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A connection, TLS or (to loopback) plain.
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

type Session = imap::Session<Box<dyn Stream>>;

/// Registers the attachments of every message in `account`'s folder for `agency`, and
/// moves each message out of it (see the module's comment).
pub fn fetch(
    store: &Store,
    trust: &Trust,
    agency: &str,
    account: &Account,
) -> Result<Fetched, MailboxError> {
    let server = account.server();
    let fail = |message: String| MailboxError::Imap {
        server: server.clone(),
        message,
    };
    let mut session = login(account).map_err(&fail)?;
    let imap = |what: &str, e: imap::Error| fail(format!("{what}: {e}"));
    let registered_folder = mailbox_name(&account.registered_folder);
    let refused_folder = mailbox_name(&account.refused_folder);
    for folder in [&registered_folder, &refused_folder] {
        // Already there after the first fetch: the server says so, and that is fine; a
        // folder that truly cannot be made fails the move below, with its name.
        let _ = session.create(folder);
    }
    let can_move = session
        .capabilities()
        .map_err(|e| imap("không đọc được khả năng của máy chủ", e))?
        .has_str("MOVE");
    let folder = session
        .select(mailbox_name(&account.folder))
        .map_err(|e| imap(&format!("không mở được thư mục {}", account.folder), e))?;
    // Every message's UID, size and subject in one command (none asked of an empty
    // folder, where `1:*` names nothing).
    let mut listed: Vec<(u32, usize, String)> = if folder.exists == 0 {
        vec![]
    } else {
        session
            .uid_fetch("1:*", "(RFC822.SIZE ENVELOPE)")
            .map_err(|e| imap("không liệt kê được thư", e))?
            .iter()
            .filter_map(|f| {
                let subject = f.envelope().and_then(|e| e.subject.as_deref());
                Some((f.uid?, f.size.unwrap_or(0) as usize, shown(f.uid?, subject)))
            })
            .collect()
    };
    listed.sort_unstable_by_key(|(uid, ..)| *uid);
    let mut fetched = Fetched::default();
    for (uid, size, shown) in listed {
        fetched.messages += 1;
        let registered = if size > TOO_LARGE {
            fetched.too_large(&shown, size);
            false
        } else {
            let bodies = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .map_err(|e| imap(&format!("không đọc được {shown}"), e))?;
            let raw = bodies.iter().find_map(|f| f.body()).unwrap_or_default();
            let message = Message {
                agency,
                source: Source::Imap,
                raw,
            };
            super::mailbox::register_message(store, trust, &message, &mut fetched)?
        };
        let to = if registered {
            &registered_folder
        } else {
            &refused_folder
        };
        move_message(&mut session, uid, to, can_move)
            .map_err(|e| imap(&format!("không chuyển được {shown} sang thư mục"), e))?;
    }
    let _ = session.logout();
    Ok(fetched)
}

/// How a message is named to the văn thư: its subject (decoded), as a mail client shows
/// it, with its UID to tell two of the same subject apart.
fn shown(uid: u32, subject: Option<&[u8]>) -> String {
    let subject = subject
        .and_then(|raw| {
            let line = [b"Subject: ", raw].concat();
            mailparse::parse_header(&line)
                .ok()
                .map(|(h, _)| h.get_value())
        })
        .filter(|s| !s.trim().is_empty());
    match subject {
        Some(s) => format!("thư \"{}\" (UID {uid})", s.trim()),
        None => format!("thư không tiêu đề (UID {uid})"),
    }
}

/// Logs in and opens the folder, changing nothing: how many messages wait there, or
/// what is wrong (for `vanthu doctor`).
pub fn check(account: &Account) -> Result<u32, String> {
    let mut session = login(account)?;
    let folder = session
        .examine(mailbox_name(&account.folder))
        .map_err(|e| format!("không mở được thư mục {}: {e}", account.folder))?;
    let _ = session.logout();
    Ok(folder.exists)
}

/// Connects, protects the connection as configured and logs in.
fn login(account: &Account) -> Result<Session, String> {
    let address = (account.host.as_str(), account.port)
        .to_socket_addrs()
        .map_err(|e| format!("không tìm thấy máy chủ: {e}"))?
        .next()
        .ok_or("không tìm thấy máy chủ")?;
    let tcp = TcpStream::connect_timeout(&address, NETWORK_TIMEOUT)
        .map_err(|e| format!("không kết nối được: {e}"))?;
    let _ = tcp.set_read_timeout(Some(NETWORK_TIMEOUT));
    let _ = tcp.set_write_timeout(Some(NETWORK_TIMEOUT));
    let stream: Box<dyn Stream> = match account.security {
        Security::Plain => Box::new(tcp),
        Security::Tls => Box::new(tls(account, tcp)?),
        Security::StartTls => {
            let mut tcp = tcp;
            starttls(&mut tcp).map_err(|e| format!("STARTTLS: {e}"))?;
            Box::new(tls(account, tcp)?)
        }
    };
    let mut client = imap::Client::new(stream);
    if account.security != Security::StartTls {
        client
            .read_greeting()
            .map_err(|e| format!("máy chủ không chào: {e}"))?;
    }
    client
        .login(&account.username, account.password.expose_secret())
        .map_err(|(e, _)| {
            format!(
                "đăng nhập {} bị từ chối ({e}): kiểm tra username và mật khẩu",
                account.username
            )
        })
}

/// Reads the greeting and asks for TLS (RFC 3501 §6.2.1), on the bare connection: the
/// server says nothing more until the handshake, and no greeting after it.
fn starttls(tcp: &mut TcpStream) -> Result<(), String> {
    fn line(tcp: &mut TcpStream) -> Result<String, String> {
        let mut bytes = vec![];
        let mut byte = [0u8; 1];
        while !bytes.ends_with(b"\n") {
            if bytes.len() > 8192 {
                return Err("máy chủ trả lời một dòng quá dài".into());
            }
            match tcp.read(&mut byte) {
                Ok(0) => return Err("máy chủ đóng kết nối".into()),
                Ok(_) => bytes.push(byte[0]),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(String::from_utf8_lossy(&bytes).trim_end().to_string())
    }
    let greeting = line(tcp)?;
    if !greeting.starts_with("* OK") {
        return Err(format!("máy chủ không chào: {greeting}"));
    }
    tcp.write_all(b"a0 STARTTLS\r\n")
        .map_err(|e| e.to_string())?;
    loop {
        let answer = line(tcp)?;
        if let Some(status) = answer.strip_prefix("a0 ") {
            return if status.starts_with("OK") {
                Ok(())
            } else {
                Err(format!("máy chủ không nhận STARTTLS: {status}"))
            };
        }
    }
}

/// The TLS session over `tcp`, the server's certificate checked against the system's
/// roots and the configured CA, for the configured host name or address.
fn tls(account: &Account, tcp: TcpStream) -> Result<openssl::ssl::SslStream<TcpStream>, String> {
    use openssl::ssl::{SslConnector, SslMethod};
    let mut builder =
        SslConnector::builder(SslMethod::tls_client()).map_err(|e| format!("TLS: {e}"))?;
    if let Some(ca) = &account.ca_file {
        builder
            .set_ca_file(ca)
            .map_err(|e| format!("không đọc được ca_file {}: {e}", ca.display()))?;
    }
    builder
        .build()
        .connect(&account.host, tcp)
        .map_err(|e| format!("kết nối TLS không an toàn, không đăng nhập: {e}"))
}

/// Moves message `uid` to `folder` (encoded): `UID MOVE`, or copy, mark deleted and
/// expunge where the server has no MOVE.
fn move_message(
    session: &mut Session,
    uid: u32,
    folder: &str,
    can_move: bool,
) -> Result<(), imap::Error> {
    let uid = uid.to_string();
    if can_move {
        return session.uid_mv(&uid, folder);
    }
    session.uid_copy(&uid, folder)?;
    session.uid_store(&uid, "+FLAGS.SILENT (\\Deleted)")?;
    session.expunge().map(|_| ())
}

/// A folder's name as IMAP writes it: modified UTF-7 (RFC 3501 §5.1.3); "Đã vào sổ"
/// goes to the server as `&ARAA4w- v&AOA-o s&HtU-` and every mail client shows it back.
pub fn mailbox_name(name: &str) -> String {
    use base64::Engine;
    fn flush(wide: &mut Vec<u16>, out: &mut String) {
        if wide.is_empty() {
            return;
        }
        let bytes: Vec<u8> = wide.iter().flat_map(|u| u.to_be_bytes()).collect();
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        out.push('&');
        out.push_str(&encoded.replace('/', ","));
        out.push('-');
        wide.clear();
    }
    let mut out = String::new();
    let mut wide = vec![];
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut wide, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            wide.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut wide, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_modified_utf7() {
        // RFC 3501 §5.1.3's example.
        assert_eq!(
            mailbox_name("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(mailbox_name("INBOX"), "INBOX");
        assert_eq!(mailbox_name("A&B"), "A&-B");
        assert_eq!(mailbox_name("Đã vào sổ"), "&ARAA4w- v&AOA-o s&HtU-");
    }

    #[test]
    fn a_message_is_named_by_its_decoded_subject() {
        assert_eq!(
            shown(7, Some(b"=?UTF-8?B?Q8O0bmcgdsSDbg==?=")),
            "thư \"Công văn\" (UID 7)"
        );
        assert_eq!(shown(8, Some(b"  ")), "thư không tiêu đề (UID 8)");
        assert_eq!(shown(9, None), "thư không tiêu đề (UID 9)");
    }

    fn settings(host: &str, security: Option<&str>) -> MailboxSettings {
        MailboxSettings {
            agency: "ubnd-lac-son".into(),
            host: Some(host.into()),
            security: security.map(str::to_string),
            username: "vanbanden".into(),
            password_env: Some("VANTHU_IMAP_PASSWORD".into()),
            ..MailboxSettings::default()
        }
    }

    #[test]
    fn an_account_parses_with_its_defaults_or_names_what_is_wrong() {
        let env = |k: &str| (k == "VANTHU_IMAP_PASSWORD").then(|| "bi-mat".to_string());
        let s = settings("mail.hoabinh.gov.vn", None);
        let a = Account::parse(&s, "mail.hoabinh.gov.vn", env).unwrap();
        assert_eq!((a.security, a.port), (Security::Tls, 993));
        assert_eq!(a.registered_folder, "Đã vào sổ");
        assert_eq!(a.password.expose_secret(), "bi-mat");
        // The password never shows in what is printed of an account.
        assert!(!format!("{a:?}").contains("bi-mat"));

        let e = Account::parse(
            &settings("mail.hoabinh.gov.vn", Some("plain")),
            "mail.hoabinh.gov.vn",
            env,
        )
        .unwrap_err();
        assert!(e.contains("chỉ dùng với máy chủ trên chính máy này"), "{e}");
        let a = Account::parse(&settings("127.0.0.1", Some("plain")), "127.0.0.1", env).unwrap();
        assert_eq!(a.port, 143);
        let e = Account::parse(&settings("127.0.0.1", Some("ssl")), "127.0.0.1", env).unwrap_err();
        assert!(e.contains("security \"ssl\" không hợp lệ"), "{e}");
        let e = Account::parse(&settings("127.0.0.1", None), "127.0.0.1", |_| None).unwrap_err();
        assert!(
            e.contains("VANTHU_IMAP_PASSWORD (password_env) chưa được đặt"),
            "{e}"
        );
    }
}
