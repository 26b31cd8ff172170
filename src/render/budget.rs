//! What one render may take: a bounded number of renders in flight, a page cap and a
//! cap on the laid-out data. (The letter's own tera work has its budget in
//! [`crate::letter::sandbox`].)
//!
//! typst cannot be interrupted once a layout has started, so its work is bounded by
//! its input instead: a letter is at most [`crate::letter::MAX_LETTER_BYTES`], tera
//! writes at most [`crate::letter::sandbox::Limits::LETTER`]`.output`, and the data
//! handed to the layout at most [`MAX_LAYOUT_BYTES`] with at most [`MAX_TABLE_CELLS`]
//! table cells; a document past [`MAX_PAGES`] is refused. The slots keep a burst of long renders from taking every core.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::RenderError;

/// The most pages of one administrative document (a 5,000-row, three-column annex
/// is 133).
pub const MAX_PAGES: usize = 1000;
/// The most bytes of layout data (JSON) of one document (seed 004: 13 kB).
pub const MAX_LAYOUT_BYTES: usize = 6 * 1024 * 1024;

/// The most table cells of one document, all tables together: a 5,000-row annex of
/// six columns. typst keeps about 17 kB per cell while it lays a table out (its memo
/// of every cell's layout), so a 20,000-row annex would take 1.5 GB; it is refused
/// before any work, saying how to split it.
pub const MAX_TABLE_CELLS: usize = 30_000;

/// Layout data past this size (about a 500-row annex; plain cells are bare strings,
/// ~180 bytes a row of five) is a large document: after it, the memory it freed is
/// handed back to the system ([`crate::limits::release_memory`]).
pub const LARGE_LAYOUT_BYTES: usize = 96 * 1024;

/// Refuses a document whose tables hold more than [`MAX_TABLE_CELLS`] cells.
pub fn admit(doc: &crate::model::Document) -> Result<(), RenderError> {
    use crate::model::Block;
    let parts = doc.parts();
    let cells: usize = parts
        .body
        .iter()
        .chain(parts.annexes.iter().flat_map(|a| &a.body))
        .map(|b| match b {
            Block::Table(t) => t.cells().len(),
            _ => 0,
        })
        .sum();
    if cells > MAX_TABLE_CELLS {
        return Err(RenderError::TooManyCells { cells });
    }
    Ok(())
}

/// A counting semaphore over renders: at most `max` at once; a caller waits up to
/// `wait` for a free slot, then is told to come back later.
#[derive(Debug)]
pub struct Slots {
    max: usize,
    wait: Duration,
    used: Mutex<Use>,
    freed: Condvar,
}

/// The slots in use, and when the last render ended if one ended since the last
/// [`Slots::quiet_for`] said so.
#[derive(Debug, Default)]
struct Use {
    renders: usize,
    ended: Option<Instant>,
}

/// A render in flight; the slot is free again when this is dropped (and its time
/// counted in [`crate::metrics::PROCESS`]).
#[derive(Debug)]
pub struct Slot<'a>(&'a Slots, Instant);

impl Slots {
    /// `max` renders at once (at least one); a caller waits at most `wait`.
    pub fn new(max: usize, wait: Duration) -> Slots {
        Slots {
            max: max.max(1),
            wait,
            used: Mutex::new(Use::default()),
            freed: Condvar::new(),
        }
    }

    /// One render per core, waiting up to 10 s.
    pub fn per_core() -> Slots {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Slots::new(cores, Duration::from_secs(10))
    }

    /// Takes a slot, waiting for one to be freed; [`RenderError::Busy`] after `wait`.
    pub fn acquire(&self) -> Result<Slot<'_>, RenderError> {
        let deadline = Instant::now() + self.wait;
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        // Counted among the renders waiting from here until a slot or the timeout.
        let waiting = &crate::metrics::PROCESS.renders_waiting;
        let waits = used.renders >= self.max;
        if waits {
            waiting.inc();
        }
        while used.renders >= self.max {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                waiting.dec();
                return Err(RenderError::Busy {
                    retry_after: self.wait.as_secs().max(1),
                });
            }
            used = self
                .freed
                .wait_timeout(used, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        if waits {
            waiting.dec();
        }
        used.renders += 1;
        Ok(Slot(self, Instant::now()))
    }

    /// Whether renders ran and none has run for `quiet`: true once per such lull (the
    /// moment to hand the memory the renders freed back to the system, see
    /// [`crate::limits::release_memory`]), false while one runs or nothing ran since.
    pub fn quiet_for(&self, quiet: Duration) -> bool {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        match used.ended {
            Some(at) if used.renders == 0 && at.elapsed() >= quiet => {
                used.ended = None;
                true
            }
            _ => false,
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        crate::metrics::PROCESS.rendered(self.1.elapsed());
        let mut used = self.0.used.lock().unwrap_or_else(|p| p.into_inner());
        used.renders -= 1;
        used.ended = Some(Instant::now());
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_says_busy_and_a_freed_slot_is_taken() {
        let slots = Slots::new(2, Duration::from_millis(50));
        let a = slots.acquire().unwrap();
        let _b = slots.acquire().unwrap();
        assert!(matches!(slots.acquire(), Err(RenderError::Busy { .. })));
        drop(a);
        assert!(slots.acquire().is_ok());
        std::thread::scope(|s| {
            let held = slots.acquire().unwrap();
            let waiter = s.spawn(|| slots.acquire().map(|_| ()));
            std::thread::sleep(Duration::from_millis(10));
            drop(held);
            assert!(waiter.join().unwrap().is_ok());
        });
    }

    #[test]
    fn a_lull_after_renders_is_told_once_and_never_while_one_runs() {
        let slots = Slots::new(2, Duration::from_millis(50));
        // Nothing rendered yet: nothing to hand back.
        assert!(!slots.quiet_for(Duration::ZERO));
        let a = slots.acquire().unwrap();
        let b = slots.acquire().unwrap();
        drop(a);
        // One still runs.
        assert!(!slots.quiet_for(Duration::ZERO));
        drop(b);
        // Not quiet for long enough yet.
        assert!(!slots.quiet_for(Duration::from_secs(60)));
        assert!(slots.quiet_for(Duration::ZERO));
        // Told once per lull.
        assert!(!slots.quiet_for(Duration::ZERO));
        drop(slots.acquire().unwrap());
        assert!(slots.quiet_for(Duration::ZERO));
    }
}
