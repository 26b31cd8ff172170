//! The SMTP client of the delivery worker, over lettre's connection type.
//!
//! What it adds to lettre's pooled transport, each because a mail administrator asked:
//! - **its own pool** of this run's connections, every one closed with `QUIT` when the run
//!   ends ([`Client::close`]) or when it has been idle too long (lettre's pool drops its
//!   connections without a word when the runtime ends);
//! - **PIPELINING** (RFC 2920): when the server offers it, `MAIL`, `RCPT` and `DATA` go in
//!   one write and their three replies are read after it, one round trip instead of three;
//! - **the envelope sender of each message** (the VERP bounce address of its delivery, see
//!   [`super::bounces`]) and **DSN** (RFC 3461: `RET=HDRS ENVID=…` and `NOTIFY=FAILURE,DELAY
//!   ORCPT=…`) when the server offers DSN and bounces are configured.
//!
//! Invariant: a connection goes back to the pool only in the command state (no
//! transaction open); after a refused transaction it is reset with `RSET`, and one whose
//! state is unknown is closed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{
    ClientId, MailBodyParameter, MailParameter, RcptParameter,
};
use lettre::transport::smtp::response::Response;

use super::outbox::Outcome;

/// How the connection is protected.
#[derive(Clone)]
pub enum Tls {
    None,
    /// STARTTLS, required: a server that does not offer it is not used.
    Starttls(TlsParameters),
    /// TLS from the first byte.
    Wrapper(TlsParameters),
}

/// Where and how to connect.
pub struct Server {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub hello: ClientId,
    pub credentials: Option<Credentials>,
    /// The longest the server may take at each step.
    pub timeout: Duration,
}

/// One message's envelope.
pub struct Envelope<'a> {
    /// The envelope sender (where bounces go).
    pub from: &'a str,
    pub to: &'a str,
    /// The DSN envelope id (xtext-safe: letters, digits, `-`), when DSNs are wanted.
    pub dsn_id: Option<&'a str>,
}

struct Conn {
    inner: AsyncSmtpConnection,
    pipelining: bool,
    dsn: bool,
    idle_since: Instant,
}

/// A pooled connection older than this is closed rather than reused (servers drop idle
/// clients after a few minutes; Postfix after 300 s).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// The SMTP client of one worker run: at most as many connections as messages in flight.
pub struct Client {
    server: Server,
    idle: Mutex<Vec<Conn>>,
}

/// Why a transaction did not end in "250".
enum Failure {
    /// The server refused (its reply; 5xx is permanent).
    Refused { permanent: bool, text: String },
    /// The connection failed (network, TLS, timeout, a garbled reply).
    Connection(String),
}

impl Failure {
    fn from(e: lettre::transport::smtp::Error) -> Failure {
        if e.is_permanent() || e.is_transient() {
            Failure::Refused {
                permanent: e.is_permanent(),
                text: e.to_string(),
            }
        } else {
            Failure::Connection(e.to_string())
        }
    }

    fn outcome(self) -> Outcome {
        match self {
            Failure::Refused {
                permanent: true,
                text,
            } => Outcome::Permanent(format!("máy chủ thư từ chối: {text}")),
            Failure::Refused { text, .. } => Outcome::Transient(format!("lỗi tạm thời: {text}")),
            Failure::Connection(text) => Outcome::Transient(format!("lỗi kết nối: {text}")),
        }
    }
}

impl Client {
    pub fn new(server: Server) -> Client {
        Client {
            server,
            idle: Mutex::new(vec![]),
        }
    }

    /// Sends one message and says how it went. A pooled connection found dead before the
    /// message was handed over is replaced once (the message had not been sent).
    pub async fn send(&self, envelope: &Envelope<'_>, message: &[u8]) -> Outcome {
        let pooled = self.take();
        let reused = pooled.is_some();
        let mut conn = match pooled {
            Some(c) => c,
            None => match self.connect().await {
                Ok(c) => c,
                Err(f) => return f.outcome(),
            },
        };
        let mut result = transaction(&mut conn, envelope, message).await;
        if reused && matches!(result, Err((Failure::Connection(_), Stage::Envelope))) {
            conn.inner.abort().await;
            conn = match self.connect().await {
                Ok(c) => c,
                Err(f) => return f.outcome(),
            };
            result = transaction(&mut conn, envelope, message).await;
        }
        match result {
            Ok(reply) => {
                self.put(conn);
                Outcome::Sent(format!(
                    "{} {}",
                    reply.code(),
                    reply.message().collect::<Vec<_>>().join(" ")
                ))
            }
            Err((failure, stage)) => {
                // Back to the command state, or closed.
                let reusable = matches!(failure, Failure::Refused { .. })
                    && stage != Stage::Unknown
                    && conn.inner.command(Rset).await.is_ok();
                if reusable {
                    self.put(conn);
                } else {
                    conn.inner.abort().await;
                }
                failure.outcome()
            }
        }
    }

    /// Connects as a delivery would (TLS, login), then says QUIT: what the server
    /// answered, or why it could not be reached, in words.
    pub async fn check(&self) -> Result<String, String> {
        let s = &self.server;
        let mut conn = self.connect().await.map_err(|f| match f.outcome() {
            Outcome::Sent(t) | Outcome::Transient(t) | Outcome::Permanent(t) => t,
        })?;
        let _ = conn.inner.quit().await;
        let tls = match s.tls {
            Tls::None => "không mã hóa",
            Tls::Starttls(_) => "STARTTLS",
            Tls::Wrapper(_) => "TLS",
        };
        let login = if s.credentials.is_some() {
            ", đăng nhập được"
        } else {
            ""
        };
        Ok(format!("kết nối được ({tls}{login})"))
    }

    /// Closes every pooled connection with QUIT.
    pub async fn close(&self) {
        let conns = std::mem::take(&mut *self.idle.lock().expect("not poisoned"));
        for mut c in conns {
            let _ = c.inner.quit().await;
        }
    }

    fn take(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().expect("not poisoned");
        while let Some(c) = idle.pop() {
            if c.idle_since.elapsed() < MAX_IDLE {
                return Some(c);
            }
            // Too old to trust (its server may have closed it): dropped.
        }
        None
    }

    fn put(&self, mut conn: Conn) {
        conn.idle_since = Instant::now();
        self.idle.lock().expect("not poisoned").push(conn);
    }

    async fn connect(&self) -> Result<Conn, Failure> {
        let s = &self.server;
        let wrapper = match &s.tls {
            Tls::Wrapper(p) => Some(p.clone()),
            _ => None,
        };
        let mut inner = AsyncSmtpConnection::connect_tokio1(
            (s.host.as_str(), s.port),
            Some(s.timeout),
            &s.hello,
            wrapper,
            None,
        )
        .await
        .map_err(Failure::from)?;
        if let Tls::Starttls(p) = &s.tls {
            if !inner.can_starttls() {
                inner.abort().await;
                return Err(Failure::Connection(
                    "máy chủ không hỗ trợ STARTTLS (mail.smtp.security = \"starttls\")".into(),
                ));
            }
            inner
                .starttls(p.clone(), &s.hello)
                .await
                .map_err(Failure::from)?;
        }
        if let Some(credentials) = &s.credentials {
            inner
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(Failure::from)?;
        }
        // lettre keeps only the extensions it uses; ask again for the keywords of the
        // others (a second EHLO is allowed and changes nothing).
        let ehlo = inner
            .command(Ehlo::new(s.hello.clone()))
            .await
            .map_err(Failure::from)?;
        let offers = |word: &str| {
            ehlo.message().skip(1).any(|line| {
                line.split_whitespace()
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case(word))
            })
        };
        Ok(Conn {
            pipelining: offers("PIPELINING"),
            dsn: offers("DSN"),
            inner,
            idle_since: Instant::now(),
        })
    }
}

/// How far a failed transaction got, which says what state the connection is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the message was handed over (nothing was sent).
    Envelope,
    /// The message was sent and refused after the final ".": the transaction is over.
    Message,
    /// The server let DATA start although the envelope was refused, or a reply is
    /// missing: the connection's state is unknown.
    Unknown,
}

async fn transaction(
    conn: &mut Conn,
    envelope: &Envelope<'_>,
    message: &[u8],
) -> Result<Response, (Failure, Stage)> {
    let address = |a: &str| {
        a.parse::<Address>().map_err(|e| {
            (
                Failure::Refused {
                    permanent: true,
                    text: format!("địa chỉ {a}: {e}"),
                },
                Stage::Envelope,
            )
        })
    };
    let from = address(envelope.from)?;
    let to = address(envelope.to)?;
    let mut mail_params = vec![];
    let mut rcpt_params = vec![];
    if !message.is_ascii() {
        mail_params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    if let Some(id) = envelope.dsn_id.filter(|_| conn.dsn) {
        let other = |keyword: &str, value: String| MailParameter::Other {
            keyword: keyword.into(),
            value: Some(value),
        };
        mail_params.push(other("RET", "HDRS".into()));
        mail_params.push(other("ENVID", xtext(id)));
        rcpt_params.push(RcptParameter::Other {
            keyword: "NOTIFY".into(),
            value: Some("FAILURE,DELAY".into()),
        });
        rcpt_params.push(RcptParameter::Other {
            keyword: "ORCPT".into(),
            value: Some(format!("rfc822;{}", xtext(envelope.to))),
        });
    }
    let mail = Mail::new(Some(from), mail_params);
    let rcpt = Rcpt::new(to, rcpt_params);
    let c = &mut conn.inner;
    let envelope_failed = |e| (Failure::from(e), Stage::Envelope);
    if conn.pipelining {
        // One write, then the three replies in order. Every reply is read even after a
        // refusal, so the connection stays in step.
        let first = c.command(format!("{mail}{rcpt}{Data}")).await;
        let second = c.read_response().await;
        let third = c.read_response().await;
        match (first, second, third) {
            (Ok(_), Ok(_), Ok(_)) => {}
            // DATA accepted although the envelope was refused: out of step.
            (Err(e), _, Ok(_)) | (_, Err(e), Ok(_)) => {
                return Err((Failure::from(e), Stage::Unknown));
            }
            // The first refusal (or the lost connection) says why; nothing was sent.
            (first, second, Err(e)) => {
                let e = first.err().or(second.err()).unwrap_or(e);
                return Err(envelope_failed(e));
            }
        }
    } else {
        c.command(mail).await.map_err(envelope_failed)?;
        c.command(rcpt).await.map_err(envelope_failed)?;
        c.command(Data).await.map_err(envelope_failed)?;
    }
    // The content, dot-stuffed, and the final ".": one write. An ASCII message (every
    // message vanthu builds: lettre encodes headers and bodies) goes as is, stuffed
    // here at the line starts that need it; anything else through lettre's byte-wise codec.
    let sent = match std::str::from_utf8(message).ok().filter(|m| m.is_ascii()) {
        Some(text) => c.command(DataContent(&dot_stuffed(text))).await,
        None => c.message(message).await,
    };
    sent.map_err(|e| {
        let connection_lost = !(e.is_permanent() || e.is_transient());
        (
            Failure::from(e),
            if connection_lost {
                Stage::Unknown
            } else {
                Stage::Message
            },
        )
    })
}

/// A message's content on the wire: already dot-stuffed, then the final `.` line.
struct DataContent<'a>(&'a str);

impl std::fmt::Display for DataContent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)?;
        if !self.0.ends_with("\r\n") {
            f.write_str("\r\n")?;
        }
        f.write_str(".\r\n")
    }
}

/// RFC 5321 4.5.2: a line that starts with "." gets one more.
fn dot_stuffed(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.starts_with('.') && !text.contains("\n.") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

/// RFC 3461's xtext: printable ASCII except `+` and `=` as is, the rest as `+XX`.
fn xtext(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_starting_with_a_dot_are_stuffed_and_the_end_is_marked() {
        assert_eq!(dot_stuffed("a\r\nb\r\n"), "a\r\nb\r\n");
        assert_eq!(dot_stuffed(".a\r\n.\r\nb.c\r\n"), "..a\r\n..\r\nb.c\r\n");
        assert_eq!(DataContent("x").to_string(), "x\r\n.\r\n");
        assert_eq!(DataContent("x\r\n").to_string(), "x\r\n.\r\n");
    }

    #[test]
    fn xtext_encodes_plus_equals_and_spaces() {
        assert_eq!(
            xtext("bounces+12-ab@so.example"),
            "bounces+2B12-ab@so.example"
        );
        assert_eq!(xtext("a=b c"), "a+3Db+20c");
    }
}
