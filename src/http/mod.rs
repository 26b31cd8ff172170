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
pub mod live;
pub mod metrics;
mod tasks;
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
    /// The settings a reload may swap ([`live`]); background tasks subscribe to it.
    live: tokio::sync::watch::Sender<Arc<live::Live>>,
    /// Issues waiting on a remote signer, run in the background.
    jobs: crate::service::issuing::Jobs,
}

impl AppState {
    /// The state of a service over `db` with the settings of `live`.
    pub fn new(db: PathBuf, renderer: Renderer, live: live::Live) -> Result<AppState, tera::Error> {
        Ok(AppState {
            inner: Arc::new(Inner {
                db,
                idle: std::sync::Mutex::new(Vec::new()),
                renderer,
                pages: web::pages()?,
                live: tokio::sync::watch::Sender::new(Arc::new(live)),
                jobs: Default::default(),
            }),
        })
    }

    /// The current settings (a request keeps the ones it started with).
    pub fn live(&self) -> Arc<live::Live> {
        self.inner.live.borrow().clone()
    }

    /// Replaces the settings with `newer` (see [`live`]) and returns the changed
    /// settings that only a restart applies.
    pub fn reload(&self, newer: live::Live) -> Vec<&'static str> {
        let restart = self.live().restart_needed(&newer);
        self.inner.live.send_replace(Arc::new(newer));
        restart
    }

    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    /// `[mail]`.
    pub fn mail(&self) -> Arc<MailSettings> {
        self.live().mail.clone()
    }

    /// The signing keys and trust settings of `[signing]`.
    pub fn keyring(&self) -> Arc<crate::sign::Keyring> {
        self.live().keyring.clone()
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
                Ok::<_, ApiError>(drafts::issue_keys(store, &state.keyring(), &asking, id)?)
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
                &state.keyring(),
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
        .route("/metrics", axum::routing::get(metrics::metrics))
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
            (state.clone(), limits),
            edge::edge,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
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
/// worker, and the schedules of the state's settings ([`tasks`]): the daily reminder
/// run, the daily backup, the incoming fetch and the memory handed back after renders.
/// A reload ([`AppState::reload`]) re-plans them. On shutdown the server stops taking
/// requests and the worker finishes the message it is sending. `on_listen` is told the
/// bound address (the port may have been 0).
pub async fn serve(
    state: AppState,
    settings: ServerSettings,
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
    let background = [
        tokio::spawn(tasks::delivery_worker(state.clone(), stop_rx.clone())),
        tokio::spawn(tasks::reminder_schedule(state.clone(), stop_rx.clone())),
        tokio::spawn(tasks::backup_schedule(state.clone(), stop_rx.clone())),
        tokio::spawn(tasks::incoming_schedule(state.clone(), stop_rx.clone())),
        tokio::spawn(tasks::memory_release(state.clone(), stop_rx)),
    ];
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
    let [worker, rest @ ..] = background;
    let _ = worker.await;
    for task in rest {
        task.abort();
    }
    Ok(())
}

/// Reads the configuration again with `load` on every SIGHUP (`systemctl reload
/// vanthu`) and swaps it in when it is usable ([`live`]); a configuration with a
/// mistake is logged and changes nothing. Call it inside the runtime; the listening
/// task runs until the process ends.
pub fn reload_on_hangup(
    state: AppState,
    load: impl Fn() -> Result<live::Live, live::ReloadError> + Send + 'static,
) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match tokio::task::block_in_place(&load) {
                Ok(newer) => {
                    let restart = state.reload(newer);
                    tracing::info!(restart_needed = ?restart, "configuration reloaded");
                }
                Err(e) => {
                    tracing::error!(error = %e, "configuration not reloaded: it has a mistake; the service keeps the settings it had")
                }
            }
        }
    });
    Ok(())
}

/// Completes when the service is stopping.
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
