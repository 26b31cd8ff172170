//! Issues that wait for a signer's confirmation on their phone (a remote signing
//! service): the faces start them in the background and show their state, because such
//! a wait outlasts a web request. Nothing here is stored: a restart forgets a wait, and
//! the draft stays approved with no number taken.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// Where a background issue stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Started: rendering, or asking the service.
    Signing { message: String },
    /// The service asked the signer to confirm.
    Waiting { message: String },
    /// Issued with this number.
    Issued { number_symbol: String },
    /// Refused, timed out or failed; the draft is still approved and no number was used.
    Failed { message: String },
}

impl JobState {
    /// Whether the issue is still under way.
    pub fn running(&self) -> bool {
        matches!(self, JobState::Signing { .. } | JobState::Waiting { .. })
    }
}

/// The background issues of this process, by draft.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<i64, JobState>>,
}

impl Jobs {
    /// Marks the issue of draft `id` started; `false` when one is already under way.
    pub fn begin(&self, id: i64) -> bool {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if jobs.get(&id).is_some_and(JobState::running) {
            return false;
        }
        jobs.insert(
            id,
            JobState::Signing {
                message: "đang ký số".into(),
            },
        );
        true
    }

    /// Records where the issue of draft `id` stands.
    pub fn set(&self, id: i64, state: JobState) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, state);
    }

    /// Where the issue of draft `id` stands, if one was started.
    pub fn get(&self, id: i64) -> Option<JobState> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_issue_of_a_draft_at_a_time() {
        let jobs = Jobs::default();
        assert!(jobs.begin(7));
        assert!(!jobs.begin(7), "a second start while the first waits");
        jobs.set(
            7,
            JobState::Failed {
                message: "từ chối".into(),
            },
        );
        assert!(jobs.begin(7), "a failed issue may be tried again");
        assert!(jobs.get(8).is_none());
    }
}
