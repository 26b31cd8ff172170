//! The service's background work beside the requests: the delivery worker, the daily
//! reminder run, the daily backup and the incoming fetch. Each reads its settings from
//! the state's [`super::live::Live`] and plans again when they are reloaded; each ends
//! when the service stops.

use std::time::Duration;

use super::error::ApiError;
use super::live::{Wake, pause};
use super::{AppState, stopped};

/// The outbox worker for as long as the service runs: restarted after an error, and
/// after a reload once the message it is sending is done (with the new `[mail]`).
pub(super) async fn delivery_worker(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let mut live = state.inner.live.subscribe();
    loop {
        let mail = live.borrow_and_update().mail.clone();
        let mut reloaded = live.clone();
        let result = crate::mail::worker::run(
            &state.inner.db,
            &mail,
            None,
            crate::mail::worker::Until::Stopped,
            async {
                tokio::select! {
                    _ = stopped(stop.clone()) => {}
                    _ = reloaded.changed() => {}
                }
            },
        )
        .await;
        if *stop.borrow() {
            return;
        }
        match result {
            Ok(_) => tracing::info!("delivery worker goes on with the reloaded settings"),
            Err(e) => {
                tracing::error!(error = %e, "delivery worker stopped; restarting in 10 s");
                if let Wake::Stopped = pause(Some(Duration::from_secs(10)), &mut live, &stop).await
                {
                    return;
                }
            }
        }
    }
}

/// Reads every configured mailbox, one after the other, at start, every `every` and
/// after a reload. A fetch is safe to stop anywhere (see [`crate::incoming::mailbox`]);
/// a mailbox that cannot be read is logged and tried again next time.
pub(super) async fn incoming_schedule(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let mut live = state.inner.live.subscribe();
    loop {
        let fetching = live.borrow_and_update().fetching.clone();
        let every = fetching.every.filter(|_| !fetching.mailboxes.is_empty());
        if every.is_some() {
            fetch_all(&state, &fetching.mailboxes).await;
        }
        if let Wake::Stopped = pause(every, &mut live, &stop).await {
            return;
        }
    }
}

/// Hands the memory renders freed back to the system once they pause for
/// [`crate::limits::QUIET_BEFORE_RELEASE`]: under load the allocator keeps the page
/// images' buffers for the next renders; after a burst the service returns to its size.
pub(super) async fn memory_release(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(crate::limits::QUIET_BEFORE_RELEASE / 2);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped(stop.clone()) => return,
            _ = tick.tick() => {}
        }
        let s = state.clone();
        let released = tokio::task::spawn_blocking(move || {
            s.renderer()
                .release_when_quiet(crate::limits::QUIET_BEFORE_RELEASE)
        })
        .await;
        if let Ok(true) = released {
            tracing::debug!("renders paused: freed memory handed back");
        }
    }
}

async fn fetch_all(state: &AppState, mailboxes: &[crate::incoming::mailbox::Mailbox]) {
    for mailbox in mailboxes {
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
}

/// The daily backup at `[backup] at`, Vietnam time, into `[backup] dir`, the `keep`
/// newest kept ([`crate::store::backups::take`]); a failure is logged and tried again
/// the next day.
pub(super) async fn backup_schedule(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let mut live = state.inner.live.subscribe();
    loop {
        let backup = live.borrow_and_update().backup.clone();
        let wait = backup
            .as_ref()
            .map(|b| crate::remind::calendar::until_next(b.at, chrono::Utc::now()));
        match (pause(wait, &mut live, &stop).await, backup) {
            (Wake::Stopped, _) => return,
            (Wake::Due, Some(backup)) => {
                let result = state
                    .run(move |store, _| {
                        crate::store::backups::take(
                            store,
                            &backup.dir,
                            backup.keep,
                            chrono::Utc::now(),
                        )
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
            _ => {}
        }
    }
}

/// The daily reminder run at `[server] reminder_at`, Vietnam time: it drafts the
/// reminders whose step has come (never issues or sends them: a drafter takes each
/// into the approval workflow).
pub(super) async fn reminder_schedule(state: AppState, stop: tokio::sync::watch::Receiver<bool>) {
    let mut live = state.inner.live.subscribe();
    loop {
        let at = live.borrow_and_update().reminder_at;
        let wait = at.map(|at| crate::remind::calendar::until_next(at, chrono::Utc::now()));
        match pause(wait, &mut live, &stop).await {
            Wake::Stopped => return,
            Wake::Reloaded => continue,
            Wake::Due => {}
        }
        let result = state
            .run(|store, state| {
                let date = crate::store::register::today_vn();
                // Drafts only: the service never issues or sends what a person has not
                // approved; the reminders wait on the dashboard for the workflow.
                crate::remind::run(store, date, false, None, &state.mail())
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
