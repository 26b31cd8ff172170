//! The service: `vanthu serve`. One process holds the web pages ([`web`]), the JSON API
//! under `/api/v1` ([`api`]), the delivery worker and the daily reminder run.
//!
//! Handlers parse input, call the library ([`crate::service`], [`crate::store`],
//! [`crate::mail`]) on a blocking thread with a fresh SQLite connection, and shape the
//! output; they hold no logic of their own. Errors become [`error::ApiError`] (JSON with
//! a stable code) in the API and a Vietnamese message on the page in the web UI.

pub mod api;
pub mod auth;
pub mod edge;
pub mod error;
pub mod metrics;
pub mod views;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::config::ServerSettings;
use crate::mail::MailSettings;
use crate::render::Renderer;
use crate::store::Store;
use error::ApiError;

/// Connections kept open between requests (one per blocking thread at work is plenty).
pub const IDLE_CONNECTIONS: usize = 8;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: PathBuf,
    /// Open connections kept between requests, so a request does not reopen the file,
    /// recheck the schema and lose its prepared statements.
    idle: std::sync::Mutex<Vec<Store>>,
    renderer: Renderer,
    pages: tera::Tera,
    mail: MailSettings,
    secure_cookies: bool,
    keyring: crate::sign::Keyring,
    /// Issues waiting on a remote signer, run in the background.
    jobs: crate::service::issuing::Jobs,
}

impl AppState {
    /// The state of a service over `db`.
    pub fn new(
        db: PathBuf,
        renderer: Renderer,
        mail: MailSettings,
        secure_cookies: bool,
        keyring: crate::sign::Keyring,
    ) -> Result<AppState, tera::Error> {
        Ok(AppState {
            inner: Arc::new(Inner {
                db,
                idle: std::sync::Mutex::new(Vec::new()),
                renderer,
                pages: web::pages()?,
                mail,
                secure_cookies,
                keyring,
                jobs: Default::default(),
            }),
        })
    }

    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    pub fn mail(&self) -> &MailSettings {
        &self.inner.mail
    }

    /// The signing keys and trust settings of `[signing]`.
    pub fn keyring(&self) -> &crate::sign::Keyring {
        &self.inner.keyring
    }

    /// The background issues.
    pub fn jobs(&self) -> &crate::service::issuing::Jobs {
        &self.inner.jobs
    }

    /// Issues draft `id` as `user` with the PINs of `unlock`. When a key is at a remote
    /// service the signer confirms on their phone: the issue goes on in the background
    /// ([`Self::jobs`] tells its state) and `None` is returned at once; otherwise the
    /// register's entry is returned when it is done.
    pub async fn issue(
        &self,
        user: crate::service::accounts::User,
        id: i64,
        unlock: crate::sign::Unlock,
        confirmed: crate::service::drafts::Confirmation,
    ) -> Result<Option<crate::store::register::Entry>, ApiError> {
        use crate::service::drafts;
        use crate::service::issuing::JobState;
        use crate::sign::keys::KeyPlace;
        let asking = user.clone();
        let places = self
            .run(move |store, state| {
                drafts::may_issue(store, &asking, id, confirmed)?;
                Ok::<_, ApiError>(drafts::issue_keys(store, state.keyring(), &asking, id)?)
            })
            .await?;
        if !places.iter().any(|(_, p)| matches!(p, KeyPlace::Remote(_))) {
            return Ok(Some(self.issue_now(user, id, unlock, confirmed).await?));
        }
        if !self.jobs().begin(id) {
            return Ok(None);
        }
        let state = self.clone();
        let told = self.clone();
        let unlock = unlock.on_wait(Arc::new(move |message: &str| {
            told.jobs().set(
                id,
                JobState::Waiting {
                    message: message.to_string(),
                },
            )
        }));
        tokio::spawn(async move {
            let result = state.issue_now(user, id, unlock, confirmed).await;
            let done = match result {
                Ok(entry) => JobState::Issued {
                    number_symbol: entry.number_symbol,
                },
                Err(e) => JobState::Failed { message: e.message },
            };
            tracing::info!(draft = id, state = ?done, "background issue finished");
            state.jobs().set(id, done);
        });
        Ok(None)
    }

    /// Issues draft `id` as `user`, waiting for it (on a blocking thread).
    async fn issue_now(
        &self,
        user: crate::service::accounts::User,
        id: i64,
        unlock: crate::sign::Unlock,
        confirmed: crate::service::drafts::Confirmation,
    ) -> Result<crate::store::register::Entry, ApiError> {
        self.run(move |store, state| {
            Ok::<_, ApiError>(crate::service::drafts::issue(
                store,
                state.renderer(),
                state.keyring(),
                unlock,
                &user,
                id,
                confirmed,
            )?)
        })
        .await
    }

    /// Runs `f` on a blocking thread (SQLite and typst block) with a connection of its
    /// own: an idle one when there is one, else a newly opened one; it is kept for the
    /// next request afterwards (at most [`IDLE_CONNECTIONS`]).
    pub async fn run<T, E>(
        &self,
        f: impl FnOnce(&mut Store, &AppState) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let idle = state.inner.idle.lock().expect("not poisoned").pop();
            let mut store = match idle {
                Some(store) => store,
                None => Store::open(&state.inner.db).map_err(ApiError::from)?,
            };
            let result = f(&mut store, &state);
            let mut idle = state.inner.idle.lock().expect("not poisoned");
            if idle.len() < IDLE_CONNECTIONS {
                idle.push(store);
            }
            result
        })
        .await
        .map_err(|e| ApiError::internal(format!("tác vụ bị dừng: {e}")))?
    }
}

/// The whole application: pages, API, health checks, with the tower-http layers.
pub fn router(state: AppState, settings: &ServerSettings) -> Router {
    let limits = edge::Limits {
        body_limit: settings.body_limit,
        timeout_secs: settings.timeout_secs,
        upload_limit: api::incoming::UPLOAD_LIMIT,
    };
    // Incoming files may be larger than any other body: the outer limit lets them
    // through, and every route but the incoming upload keeps `body_limit` (axum's
    // extractors read at most DefaultBodyLimit).
    let outer_limit = settings.body_limit.max(api::incoming::UPLOAD_LIMIT);
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .route(
            "/metrics",
            axum::routing::get(metrics::metrics).with_state((
                state.clone(),
                std::sync::Arc::new(metrics::MetricsAccess {
                    from: settings.metrics_from.clone(),
                    token: settings.metrics_token.clone(),
                }),
            )),
        )
        .nest("/api/v1", api::router())
        .merge(web::router())
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(RequestBodyLimitLayer::new(outer_limit))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.timeout_secs),
        ))
        .layer(axum::middleware::from_fn_with_state(
            (state, limits),
            edge::edge,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::from(settings.trusted_proxies.clone()),
            auth::client_address,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(edge::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn(edge::request_id))
}

/// Alive: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database opens and answers.
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, ApiError> {
    state
        .run(|store, _| {
            store
                .ping()
                .map_err(|e| ApiError::unavailable(e.to_string()))
        })
        .await?;
    Ok("ready")
}

/// What the service reads on its own: the agencies' mailboxes, one after the other,
/// at start and then every `every`.
#[derive(Debug, Clone, Default)]
pub struct Fetching {
    pub mailboxes: Vec<crate::incoming::mailbox::Mailbox>,
    pub every: Option<Duration>,
}

/// Serves until `shutdown` completes: the web app on `settings.addr`, the delivery
/// worker, (when `settings.reminder_at` is set) the daily reminder run and (when
/// mailboxes are configured) the incoming fetch. On shutdown the server stops taking
/// requests and the worker finishes the message it is sending.
/// `on_listen` is told the bound address (the port may have been 0).
pub async fn serve(
    state: AppState,
    settings: ServerSettings,
    fetching: Fetching,
    backup: crate::config::BackupSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listen: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    use anyhow::Context;
    crate::limits::tune_allocator();
    let listener = tokio::net::TcpListener::bind(&settings.addr)
        .await
        .with_context(|| format!("không mở được cổng {}", settings.addr))?;
    on_listen(listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(delivery_worker(state.clone(), stop_rx.clone()));
    let reminders = settings
        .reminder_time()
        .map_err(anyhow::Error::msg)?
        .map(|at| tokio::spawn(reminder_schedule(state.clone(), at, stop_rx.clone())));
    let backups = match (&backup.dir, backup.time()) {
        (Some(_), Ok(at)) => Some(tokio::spawn(backup_schedule(
            state.clone(),
            backup.clone(),
            at,
            stop_rx.clone(),
        ))),
        (Some(_), Err(e)) => anyhow::bail!(e),
        (None, _) => None,
    };
    let fetch = match fetching.every {
        Some(every) if !fetching.mailboxes.is_empty() => Some(tokio::spawn(incoming_schedule(
            state.clone(),
            fetching.mailboxes,
            every,
            stop_rx,
        ))),
        _ => None,
    };
    let app = router(state, &settings);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: no new requests; the worker finishes its message");
        let _ = stop_tx.send(true);
    })
    .await?;
    let _ = worker.await;
    for task in [reminders, fetch, backups].into_iter().flatten() {
        task.abort();
    }
    Ok(())
}

/// Reads every configured mailbox, one after the other, at start and then every
/// `every`. A fetch is safe to stop anywhere (see [`crate::incoming::mailbox`]); a
/// mailbox that cannot be read is logged and tried again next time.
async fn incoming_schedule(
    state: AppState,
    mailboxes: Vec<crate::incoming::mailbox::Mailbox>,
    every: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        for mailbox in &mailboxes {
            let m = mailbox.clone();
            let result = state
                .run(move |store, state| {
                    crate::incoming::mailbox::fetch_mailbox(store, state.keyring().trust(), &m)
                        .map_err(|e| ApiError::internal(e.to_string()))
                })
                .await;
            match result {
                Ok(f) => tracing::info!(
                    agency = %mailbox.agency,
                    messages = f.messages,
                    attachments = f.attachments.len(),
                    refused = f.refused(),
                    "incoming fetch"
                ),
                Err(e) => {
                    tracing::warn!(agency = %mailbox.agency, error = %e.message, "incoming fetch failed")
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped(stop.clone()) => return,
        }
    }
}

async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The outbox worker for as long as the service runs; restarted after an error.
async fn delivery_worker(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let result = crate::mail::worker::run(
            &state.inner.db,
            &state.inner.mail,
            None,
            crate::mail::worker::Until::Stopped,
            stopped(stop.clone()),
        )
        .await;
        match result {
            Ok(_) => return,
            Err(e) => {
                tracing::error!(error = %e, "delivery worker stopped; restarting in 10 s");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(10)) => {}
                    _ = stopped(stop.clone()) => return,
                }
            }
        }
    }
}

/// The daily backup at `at`, Vietnam time, into `[backup] dir`, the `keep` newest kept
/// ([`crate::store::backups::take`]); a failure is logged and tried again the next day.
async fn backup_schedule(
    state: AppState,
    settings: crate::config::BackupSettings,
    at: chrono::NaiveTime,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(dir) = settings.dir.clone() else {
        return;
    };
    loop {
        let wait = crate::remind::calendar::until_next(at, chrono::Utc::now());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped(stop.clone()) => return,
        }
        let (dir, keep) = (dir.clone(), settings.keep);
        let result = state
            .run(move |store, _| {
                crate::store::backups::take(store, &dir, keep, chrono::Utc::now())
                    .map_err(|e| ApiError::internal(e.to_string()))
            })
            .await;
        match result {
            Ok(taken) => tracing::info!(
                file = %taken.file.display(),
                removed = taken.removed.len(),
                "daily backup"
            ),
            Err(e) => tracing::error!(error = %e.message, "daily backup failed"),
        }
    }
}

/// The daily reminder run at `at`, Vietnam time: it drafts the reminders whose step has
/// come (never issues or sends them: a drafter takes each into the approval workflow).
async fn reminder_schedule(
    state: AppState,
    at: chrono::NaiveTime,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let wait = crate::remind::calendar::until_next(at, chrono::Utc::now());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped(stop.clone()) => return,
        }
        let result = state
            .run(|store, state| {
                let date = crate::store::register::today_vn();
                // Drafts only: the service never issues or sends what a person has not
                // approved; the reminders wait on the dashboard for the workflow.
                crate::remind::run(store, date, false, None, state.mail())
                    .map_err(|e| ApiError::internal(e.to_string()))
            })
            .await;
        match result {
            Ok(report) => {
                crate::metrics::PROCESS.reminder_run(true);
                tracing::info!(
                    fired = report.fired.len(),
                    issued = report.issued.len(),
                    queued = report.queued.len(),
                    "reminder run"
                )
            }
            Err(e) => {
                crate::metrics::PROCESS.reminder_run(false);
                tracing::error!(error = %e.message, "reminder run failed")
            }
        }
    }
}
