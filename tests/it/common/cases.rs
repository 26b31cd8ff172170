//! Counting the cases of a hostile-input test binary: each test marks itself done when
//! it ends (passing or not) and adds its cases; the last test waits for the others and
//! asserts the total that the README states.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The cases and finished tests of one binary (a `static` there).
pub struct Counter {
    cases: AtomicUsize,
    done: AtomicUsize,
}

/// Marks its test finished when dropped, panicking or not.
pub struct Done(&'static Counter);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counter {
    pub const fn new() -> Counter {
        Counter {
            cases: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    /// Held by a counting test for as long as it runs.
    pub fn test(&'static self) -> Done {
        Done(self)
    }

    /// `n` more cases ran.
    pub fn add(&self, n: usize) {
        self.cases.fetch_add(n, Ordering::Relaxed);
    }

    /// Waits for `tests` counting tests to finish (while they make progress; `idle`
    /// without a new case ends the wait), prints the count as `label`, and asserts that
    /// every test finished and at least `min` cases ran. Nothing is asserted when the
    /// counting tests were filtered out.
    pub fn assert_total(&self, label: &str, tests: usize, min: usize, idle: Duration) {
        let mut last = (self.cases.load(Ordering::Relaxed), Instant::now());
        while self.done.load(Ordering::Relaxed) < tests {
            std::thread::sleep(Duration::from_millis(200));
            let n = self.cases.load(Ordering::Relaxed);
            if n != last.0 {
                last = (n, Instant::now());
            } else if last.1.elapsed() > idle {
                break;
            }
        }
        let (n, done) = (
            self.cases.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed),
        );
        println!("{label}: {n} in {done} tests");
        if done == 0 && n == 0 {
            println!("the counting tests were filtered out");
            return;
        }
        assert_eq!(done, tests, "not every counting test finished");
        assert!(n >= min, "only {n} cases ran");
    }
}
