//! The delivery worker: claims due messages from the outbox, sends them through the
//! transport (SMTP via lettre's pooled async transport, or .eml files in a folder), and
//! records each attempt. Concurrency and rate are bounded by the settings.
//!
//! Two workers at once (`vanthu send` while `vanthu serve`'s worker runs) never send a
//! row twice: each run claims under its own token, renews the leases of the rows it has
//! in flight every third of a lease, waits for its rate-limit turn *before* claiming, and
//! records a retry or failure only under its own claim.
//!
//! Crash safety: a message is claimed (status `sending`, with a lease) in one
//! transaction before it is sent, and marked `sent` in the transaction that follows the
//! server's acceptance. A worker killed while it waits for the server leaves the row
//! `sending`; once the lease runs out the next worker sends it again: it had not been
//! accepted. The one window that cannot be closed is between the server's "250" after
//! DATA and the commit that records it (one SQLite write, well under a millisecond):
//! a crash exactly there sends that one message again, with the same Message-ID, so
//! the recipient's system can recognise it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::Message;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::task::JoinSet;

use super::MailError;
use super::message::Outgoing;
use super::outbox::{self, Claimed, Outcome};
use super::settings::{MailSettings, Security};
use super::smtp::{Client, Envelope, Server, Tls};
use crate::store::Store;
use crate::store::register;
use crate::store::time::Stamp;

/// Where messages go.
pub enum Transport {
    /// An SMTP server (this run's pooled connections); one message may take at most
    /// `limit`. Bounces go to the VERP address of `bounces` when set.
    Smtp {
        client: Box<Client>,
        limit: Duration,
        bounces: Option<String>,
    },
    /// `.eml` files in a folder, one per message, named after its Message-ID.
    Folder(PathBuf),
}

impl Transport {
    /// The transport the settings describe: SMTP when a server is configured, else the
    /// folder of .eml files.
    pub fn new(settings: &MailSettings) -> Result<Transport, MailError> {
        let Some(s) = &settings.smtp else {
            std::fs::create_dir_all(&settings.folder).map_err(|e| {
                MailError::Settings(format!(
                    "không tạo được thư mục thư đi {}: {e}",
                    settings.folder.display()
                ))
            })?;
            return Ok(Transport::Folder(settings.folder.clone()));
        };
        let params = || -> Result<TlsParameters, MailError> {
            let mut b = TlsParameters::builder(s.host.clone());
            if let Some(ca) = &s.ca_file {
                let pem = std::fs::read(ca).map_err(|e| {
                    MailError::Settings(format!("mail.smtp.ca_file {}: {e}", ca.display()))
                })?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    MailError::Settings(format!("mail.smtp.ca_file {}: {e}", ca.display()))
                })?;
                b = b.add_root_certificate(cert);
            }
            b.build()
                .map_err(|e| MailError::Settings(format!("TLS: {e}")))
        };
        let tls = match s.security {
            Security::Starttls => Tls::Starttls(params()?),
            Security::Tls => Tls::Wrapper(params()?),
            Security::Plain => Tls::None,
        };
        let hello = ClientId::Domain(s.hello_name(
            settings.from.as_deref(),
            match &ClientId::default() {
                ClientId::Domain(host) => Some(host.as_str()),
                _ => None,
            },
        ));
        let credentials = match (&s.username, &s.password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.clone())),
            _ => None,
        };
        Ok(Transport::Smtp {
            client: Box::new(Client::new(Server {
                host: s.host.clone(),
                port: s.port(),
                tls,
                hello,
                credentials,
                timeout: Duration::from_secs(s.timeout_secs),
            })),
            limit: s.send_limit(),
            bounces: settings.bounces.as_ref().map(|b| b.address.clone()),
        })
    }

    /// Sends one message of delivery `c` and says how it went.
    pub async fn send(&self, message: Message, c: &Claimed) -> Outcome {
        match self {
            Transport::Smtp {
                client,
                limit,
                bounces,
            } => {
                let verp = bounces
                    .as_deref()
                    .map(|b| super::bounces::verp(b, c.id, &c.message_id));
                let token = super::bounces::token(c.id, &c.message_id);
                let sender = message
                    .envelope()
                    .from()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                let envelope = Envelope {
                    from: verp.as_deref().unwrap_or(&sender),
                    to: &c.email,
                    dsn_id: verp.is_some().then_some(token.as_str()),
                };
                let bytes = super::message::wire(&message);
                match tokio::time::timeout(*limit, client.send(&envelope, &bytes)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome::Transient(format!(
                        "máy chủ thư không trả lời trong {} giây",
                        limit.as_secs()
                    )),
                }
            }
            Transport::Folder(dir) => {
                let name: String = c
                    .message_id
                    .trim_matches(['<', '>'])
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || ".-@".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                match crate::output::write_atomic(&path, &super::message::wire(&message)) {
                    // The file's name only: the reply reaches pages and the API, where a
                    // server's folders have no business.
                    Ok(()) => Outcome::Sent(format!("đã ghi tệp {name}.eml vào thư mục thư đi")),
                    Err(e) => Outcome::Transient(format!("không ghi được {}: {e}", path.display())),
                }
            }
        }
    }

    /// Closes the connections this run opened (QUIT on each).
    pub async fn close(&self) {
        if let Transport::Smtp { client, .. } = self {
            client.close().await;
        }
    }
}

/// Whether delivery would work now: the SMTP server reached as a delivery reaches it
/// (TLS, login) and left with QUIT, or where the .eml files go (nothing is created).
/// What was found, in words, or the problem.
pub async fn check(settings: &MailSettings) -> Result<String, String> {
    let described = match &settings.smtp {
        Some(s) => format!("máy chủ thư {}:{}", s.host, s.port()),
        None => format!("thư mục thư đi {}", settings.folder.display()),
    };
    if settings.smtp.is_none() {
        // Not made here: the first delivery makes it.
        let state = if settings.folder.is_dir() {
            "có sẵn"
        } else {
            "sẽ được tạo khi gửi thư đầu tiên"
        };
        return Ok(format!(
            "{described}: {state}; thư được ghi thành tệp .eml (chưa cấu hình máy chủ thư [mail.smtp])"
        ));
    }
    let transport = Transport::new(settings).map_err(|e| format!("{described}: {e}"))?;
    let Transport::Smtp { client, .. } = &transport else {
        // Transport::new makes an SMTP client whenever [mail.smtp] is set (above).
        return Err(format!(
            "{described}: chưa tạo được kết nối tới máy chủ thư"
        ));
    };
    client
        .check()
        .await
        .map(|s| format!("{described}: {s}"))
        .map_err(|e| format!("{described}: {e}"))
}

/// When the worker stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Nothing is due now (retries scheduled later are left for a later run).
    Idle,
    /// Nothing is queued or being sent at all (waits for scheduled retries).
    Done,
    /// Never by itself: only when the stop signal comes.
    Stopped,
}

/// What a run of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

struct Shared {
    store: Mutex<Store>,
    settings: MailSettings,
    transport: Transport,
    documents: Mutex<HashMap<i64, Arc<Outgoing>>>,
}

impl Shared {
    fn outgoing(&self, document: i64) -> Result<Arc<Outgoing>, MailError> {
        if let Some(o) = self.documents.lock().expect("not poisoned").get(&document) {
            return Ok(o.clone());
        }
        let loaded = {
            let store = self.store.lock().expect("not poisoned");
            let entry = register::by_id(&store, document)?;
            Arc::new(Outgoing::load(&store, entry, &self.settings)?)
        };
        let mut docs = self.documents.lock().expect("not poisoned");
        // Keep memory flat: only the documents being worked on stay loaded.
        if docs.len() >= 8 {
            docs.clear();
        }
        docs.insert(document, loaded.clone());
        Ok(loaded)
    }

    fn record(&self, c: &Claimed, outcome: &Outcome) -> Result<(), MailError> {
        let mut store = self.store.lock().expect("not poisoned");
        outbox::record(store.conn_mut(), c, outcome, &self.settings)?;
        Ok(())
    }
}

async fn deliver(shared: Arc<Shared>, c: Claimed) -> Result<Outcome, MailError> {
    // Building a message never takes the worker down: whatever a stored value holds,
    // a message that cannot be built fails with the reason (counted on the dashboard).
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shared
            .outgoing(c.document_id)
            .and_then(|o| o.message(&c.recipient, &c.email, &c.message_id))
    }))
    .unwrap_or_else(|_| {
        Err(MailError::Build(
            "không tạo được thư từ dữ liệu đã lưu (tên hay tiêu đề có ký tự không hợp lệ)".into(),
        ))
    });
    let outcome = match built {
        Ok(message) => shared.transport.send(message, &c).await,
        Err(e @ MailError::Sqlite(_)) => return Err(e),
        Err(e) => Outcome::Permanent(e.to_string()),
    };
    // Recorded the moment the reply is in: the window in which a crash would send this
    // message again is this one write.
    shared.record(&c, &outcome)?;
    log_attempt(&c, &outcome);
    Ok(outcome)
}

/// One line per attempt on stderr (never the password: it is not in any of these).
fn log_attempt(c: &Claimed, outcome: &Outcome) {
    let (what, reply) = match outcome {
        Outcome::Sent(r) => ("sent", r),
        Outcome::Transient(r) => ("retry", r),
        Outcome::Permanent(r) => ("failed", r),
    };
    if std::env::var_os("VANTHU_QUIET").is_none() {
        eprintln!(
            "delivery {} attempt {} to {}: {what}: {reply}",
            c.id, c.attempt, c.email
        );
    }
}

/// How often a running worker reads the bounce mailbox.
const BOUNCE_SCAN: Duration = Duration::from_secs(10);

/// Runs the worker over the outbox of `db` (only `document`'s messages when given) until
/// `until`, or until `stop` completes; then lets the messages in flight finish.
pub async fn run(
    db: &Path,
    settings: &MailSettings,
    document: Option<i64>,
    until: Until,
    stop: impl std::future::Future<Output = ()>,
) -> Result<Report, MailError> {
    settings.check().map_err(MailError::Settings)?;
    let shared = Arc::new(Shared {
        store: Mutex::new(Store::open(db)?),
        settings: settings.clone(),
        transport: Transport::new(settings)?,
        documents: Mutex::new(HashMap::new()),
    });
    let lease = Duration::from_secs(settings.lease_secs);
    // This run's claim: rows it holds are renewed while in flight and recorded only
    // under it, so another worker never takes one of them (see outbox::claim).
    let token = outbox::new_claim_token();
    let mut renewed = std::time::Instant::now();
    let mut ticker = (settings.rate_per_second > 0.0).then(|| {
        let mut t = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.rate_per_second));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    let mut tasks: JoinSet<Result<Outcome, MailError>> = JoinSet::new();
    let mut report = Report::default();
    let mut first_error: Option<MailError> = None;
    let mut tally = |r: Result<Result<Outcome, MailError>, tokio::task::JoinError>,
                     first_error: &mut Option<MailError>| match r {
        Ok(Ok(Outcome::Sent(_))) => report.sent += 1,
        Ok(Ok(Outcome::Transient(_))) => report.retrying += 1,
        Ok(Ok(Outcome::Permanent(_))) => report.failed += 1,
        Ok(Err(e)) => {
            first_error.get_or_insert(e);
        }
        Err(e) => {
            first_error.get_or_insert(MailError::Build(format!("delivery task: {e}")));
        }
    };
    tokio::pin!(stop);
    let mut stopping = false;
    let mut bounces_read: Option<std::time::Instant> = None;
    while !stopping && first_error.is_none() {
        // The bounce mailbox, at the start and every BOUNCE_SCAN while running.
        if let Some((dir, local)) = settings
            .bounces
            .as_ref()
            .and_then(|b| Some((b.maildir.as_ref()?, b.local())))
            .filter(|_| bounces_read.is_none_or(|t| t.elapsed() >= BOUNCE_SCAN))
        {
            let mut store = shared.store.lock().expect("not poisoned");
            // The bounce mailbox never stops delivery: a problem reading it is said and
            // tried again at the next turn.
            match super::bounces::scan(&mut store, dir, local) {
                Ok(scan) if !scan.bounced.is_empty() => {
                    if std::env::var_os("VANTHU_QUIET").is_none() {
                        eprintln!("bounces: deliveries {:?} failed further on", scan.bounced);
                    }
                }
                Ok(_) => {}
                Err(super::bounces::ScanError::Sqlite(e)) => return Err(e.into()),
                Err(e) => eprintln!("bounces: {e}"),
            }
            bounces_read = Some(std::time::Instant::now());
        }
        if renewed.elapsed() >= lease / 3 {
            let store = shared.store.lock().expect("not poisoned");
            outbox::renew(store.conn(), lease, &token)?;
            renewed = std::time::Instant::now();
        }
        let free = settings.concurrency.saturating_sub(tasks.len());
        // With a rate limit, wait for the turn *before* claiming, and claim one: a row
        // is never held while it waits.
        let want = match ticker.as_mut() {
            Some(t) if free > 0 => {
                t.tick().await;
                1
            }
            _ => free,
        };
        let claimed = if want > 0 {
            let store = shared.store.lock().expect("not poisoned");
            outbox::claim(store.conn(), lease, want, document, &token)?
        } else {
            vec![]
        };
        let got = claimed.len();
        for c in claimed {
            tasks.spawn(deliver(shared.clone(), c));
        }
        if got > 0 && tasks.len() < settings.concurrency {
            continue;
        }
        // Nothing more to start now: wait for a message to finish, for the next
        // retry, or for the stop signal.
        let wait = if tasks.is_empty() {
            let p = {
                let store = shared.store.lock().expect("not poisoned");
                outbox::pending(store.conn(), document)?
            };
            let finished = match until {
                Until::Idle => p.due == 0,
                Until::Done => p.due == 0 && p.waiting == 0 && p.sending == 0,
                Until::Stopped => false,
            };
            if finished {
                break;
            }
            // Nothing in flight and nothing due: say goodbye to the idle connections
            // rather than leave them for the server to time out.
            if p.due == 0 {
                shared.transport.close().await;
            }
            p.next_at.map_or(Duration::from_secs(1), |t| {
                Stamp::now()
                    .until(t)
                    .clamp(Duration::from_millis(10), Duration::from_secs(1))
            })
        } else {
            Duration::from_secs(1)
        };
        tokio::select! {
            Some(r) = tasks.join_next(), if !tasks.is_empty() => tally(r, &mut first_error),
            _ = tokio::time::sleep(wait) => {}
            _ = &mut stop => stopping = true,
        }
    }
    // Let the messages in flight finish and be recorded, then say goodbye.
    while let Some(r) = tasks.join_next().await {
        tally(r, &mut first_error);
    }
    shared.transport.close().await;
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}
