//! Checking a password: the lockout that counts failures, and the gate that bounds the
//! argon2 work.
//!
//! Invariants:
//! - **Failures are counted before the check, atomically.** An attempt first takes a
//!   failure row in an immediate transaction (per login and per address); the row is
//!   removed only when the password turns out right. So of 100 wrong passwords sent at
//!   once for one login, exactly [`MAX_FAILURES`] are checked and the rest are refused
//!   (429) without any argon2 work.
//! - **At most [`CONCURRENT_CHECKS`] argon2 checks run at once**, each in one of as many
//!   memory buffers allocated once and kept (19 MiB each with the default parameters),
//!   so a burst of logins costs a fixed amount of memory instead of 19 MiB each, kept
//!   by the allocator afterwards (200 at once took 5.5 GB). The rest wait up to
//!   [`CHECK_WAIT`] for a buffer and are then told to come back.
//! - An unknown login costs the same argon2 verification as a known one (against a hash
//!   no password matches), so timing does not tell which logins exist.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand_core::OsRng;

use super::{AccountError, User, random_hex};
use crate::store::Store;
use crate::store::accounts::{self, Failures};
use crate::store::time::Stamp;

/// Failed logins allowed per login within [`LOCKOUT_WINDOW`].
pub const MAX_FAILURES: i64 = 5;
/// Failed logins allowed from one address within [`LOCKOUT_WINDOW`], whatever the
/// logins (an office behind one address shares it).
pub const MAX_ADDRESS_FAILURES: i64 = 30;
/// The rate-limit window for failed logins.
pub const LOCKOUT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Password checks (argon2) running at once.
pub const CONCURRENT_CHECKS: usize = 2;
/// How long an attempt waits for a free check before it is told to come back.
pub const CHECK_WAIT: Duration = Duration::from_secs(3);

/// Checks a login and password from `address` (the client's, when known). Failures
/// are counted per login and per address: after [`MAX_FAILURES`] for the login (or
/// [`MAX_ADDRESS_FAILURES`] from the address) within the window, even the right
/// password is refused until the window has passed, so guessing is slow.
pub fn authenticate(
    store: &Store,
    login: &str,
    password: &str,
    address: Option<&str>,
) -> Result<User, AccountError> {
    let login = login.trim().to_lowercase();
    let conn = store.conn();
    let reservation = reserve(conn, &login, address)?;
    let found = accounts::by_login(conn, &login)?;
    let hash = found.as_ref().map_or(dummy_hash(), |(_, h)| h.as_str());
    let verified = match GATE.check(password.as_bytes(), hash) {
        Ok(v) => v && found.is_some(),
        Err(busy) => {
            // Not checked: the attempt does not count.
            accounts::release_attempt(conn, reservation)?;
            return Err(busy);
        }
    };
    match found {
        Some((row, _)) if verified && row.disabled => {
            accounts::release_attempt(conn, reservation)?;
            Err(AccountError::Disabled)
        }
        Some((row, _)) if verified => {
            accounts::forget_failures(conn, &login)?;
            Ok(super::user_of(row))
        }
        _ => {
            crate::metrics::PROCESS.login_failures.inc();
            accounts::drop_failures_until(conn, Stamp::now().minus(LOCKOUT_WINDOW))?;
            Err(AccountError::Invalid)
        }
    }
}

/// Takes one failure row for this attempt, or refuses it when the login or the address
/// has used up the window (concurrent attempts queue).
fn reserve(
    conn: &rusqlite::Connection,
    login: &str,
    address: Option<&str>,
) -> Result<i64, AccountError> {
    let now = Stamp::now();
    // Whole minutes (at least one) until the oldest failure leaves the window.
    let wait = |oldest: Option<Stamp>| {
        let free = oldest.unwrap_or(now).plus(LOCKOUT_WINDOW);
        (now.until(free).as_secs() / 60).max(1) as i64
    };
    let refuse = |by_login: Failures, by_address: Failures| {
        if by_login.count >= MAX_FAILURES {
            Some(AccountError::TooManyAttempts(wait(by_login.oldest)))
        } else if by_address.count >= MAX_ADDRESS_FAILURES {
            Some(AccountError::TooManyFromAddress(wait(by_address.oldest)))
        } else {
            None
        }
    };
    accounts::reserve_attempt(conn, login, address, now, now.minus(LOCKOUT_WINDOW), refuse)?
}

/// The argon2 checks of the process.
static GATE: Gate = Gate::new(CONCURRENT_CHECKS, CHECK_WAIT);

/// At most `max` argon2 checks at once, each with a memory buffer of its own that is
/// allocated on first use and kept.
struct Gate {
    max: usize,
    wait: Duration,
    state: Mutex<GateState>,
    freed: Condvar,
}

struct GateState {
    /// Checks running now.
    running: usize,
    /// Buffers not in use.
    buffers: Vec<Vec<Block>>,
}

impl Gate {
    const fn new(max: usize, wait: Duration) -> Gate {
        Gate {
            max,
            wait,
            state: Mutex::new(GateState {
                running: 0,
                buffers: Vec::new(),
            }),
            freed: Condvar::new(),
        }
    }

    /// Whether `password` matches the PHC string `phc`, once a check is free;
    /// [`AccountError::Busy`] after the wait.
    fn check(&self, password: &[u8], phc: &str) -> Result<bool, AccountError> {
        let deadline = Instant::now() + self.wait;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while state.running >= self.max {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AccountError::Busy);
            }
            state = self
                .freed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        state.running += 1;
        let mut buffer = state.buffers.pop().unwrap_or_default();
        drop(state);
        let verified = verify_with(&mut buffer, password, phc);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.running -= 1;
        state.buffers.push(buffer);
        drop(state);
        self.freed.notify_one();
        Ok(verified)
    }
}

/// The most memory a stored hash may ask of a check (the default is 19 MiB); a hash
/// asking more does not verify.
const MAX_CHECK_KIB: u32 = 64 * 1024;

/// Verifies `password` against the PHC string `phc` in `blocks` (grown to the hash's
/// memory cost once), comparing in constant time.
fn verify_with(blocks: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::new(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    if params.m_cost() > MAX_CHECK_KIB {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let need = params.block_count();
    if blocks.len() < need {
        blocks.resize(need, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    if Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut blocks[..need])
        .is_err()
    {
        return false;
    }
    let expected = expected.as_bytes();
    out.len() == expected.len() && out.iter().zip(expected).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

/// The stored form of a password: argon2id with the default parameters and a fresh
/// salt, as a PHC string.
pub(super) fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// The hash of a random password nobody knows, made once the way every stored one is:
/// what an unknown login is verified against, so it costs what a known one does.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_hex(32)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown login is verified against a hash of the same algorithm, version and
    /// cost parameters as a stored one, so both paths do the same argon2 work (the
    /// timing that told logins apart: 2–8 ms unknown, 55–95 ms known).
    #[test]
    fn the_dummy_hash_costs_what_a_stored_one_does() {
        let dummy = PasswordHash::new(dummy_hash()).expect("a PHC string");
        let stored_text = hash_password("mat-khau-that-123").unwrap();
        let stored = PasswordHash::new(&stored_text).unwrap();
        assert_eq!(dummy.algorithm, stored.algorithm);
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        assert_eq!(dummy.version, stored.version);
        assert_eq!(dummy.params, stored.params);
        let mut blocks = vec![];
        assert!(!verify_with(
            &mut blocks,
            b"mat-khau-that-123",
            dummy_hash()
        ));
    }

    #[test]
    fn the_pooled_check_agrees_with_argon2() {
        let stored = hash_password("mat-khau-that-123").unwrap();
        let mut blocks = vec![];
        assert!(verify_with(&mut blocks, b"mat-khau-that-123", &stored));
        assert_eq!(blocks.len(), Params::DEFAULT_M_COST as usize);
        assert!(!verify_with(&mut blocks, b"mat-khau-that-124", &stored));
        assert!(!verify_with(&mut blocks, b"", &stored));
        assert!(!verify_with(&mut blocks, b"x", "không phải PHC"));
        // The same buffer serves the next check without growing.
        assert!(verify_with(&mut blocks, b"mat-khau-that-123", &stored));
        assert_eq!(blocks.len(), Params::DEFAULT_M_COST as usize);
        // A hash from elsewhere (argon2i, other costs) verifies too.
        let other = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(8192, 3, 1, None).unwrap(),
        )
        .hash_password(b"khac", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(verify_with(&mut blocks, b"khac", &other));
    }

    #[test]
    fn the_gate_runs_at_most_its_checks_and_sends_the_rest_back() {
        let gate = Gate::new(1, Duration::from_millis(20));
        let stored = hash_password("mat-khau-that-123").unwrap();
        let gate = &gate;
        std::thread::scope(|s| {
            let (started_tx, started) = std::sync::mpsc::channel();
            let holder = s.spawn(move || {
                // Hold the only check by taking it by hand.
                let mut st = gate.state.lock().unwrap();
                st.running += 1;
                drop(st);
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(200));
                gate.state.lock().unwrap().running -= 1;
                gate.freed.notify_one();
            });
            started.recv().unwrap();
            assert!(matches!(
                gate.check(b"mat-khau-that-123", &stored),
                Err(AccountError::Busy)
            ));
            holder.join().unwrap();
        });
        assert!(gate.check(b"mat-khau-that-123", &stored).unwrap());
        assert_eq!(gate.state.lock().unwrap().buffers.len(), 1);
    }
}
