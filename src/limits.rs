//! The limits that keep one request from taking the service down, in one place.
//!
//! No single request, signed in or not, may abort the process or take the machine's
//! memory. Each kind of work on user input has its own bound, kept beside the code it
//! bounds; this page lists them, and holds the ones that belong to the process:
//!
//! - **Stack**: every thread that parses user input has [`THREAD_STACK`] (the service's
//!   runtime threads; the command line's main thread has the system's 8 MiB). Every
//!   recursive parse is bounded well inside it, and a test of each runs its limit on an
//!   eighth of it: letters' templates ([`crate::letter::sandbox::MAX_NESTING`],
//!   [`crate::letter::sandbox::MAX_OPERATORS`]), Word drafts
//!   (`service::docx_reader::budget`: depth, tables in tables, elements, text), TOML and
//!   JSON imports (their parsers' own depth limits).
//! - **Work that scales with the content, not the bytes**: a Word draft's parts are
//!   measured by a streaming pass before any tree is built; a letter's template has its
//!   loop, output and time budget ([`crate::letter::sandbox::Limits`]); a render its page
//!   and layout caps ([`crate::render::budget`]).
//! - **Slots**: renders, Word uploads and signature verification share the render slots
//!   (one per core, [`crate::render::budget::Slots`]); verification also stops at its
//!   deadline and refuses a file with more than
//!   [`crate::sign::verify::MAX_SIGNATURES`] signature dictionaries up front.
//! - **Logins**: at most [`crate::service::accounts::CONCURRENT_CHECKS`] password checks
//!   (argon2, 19 MiB each, in buffers allocated once) run at once; the rest wait up to
//!   [`crate::service::accounts::CHECK_WAIT`] and are then told to retry (429). Failed
//!   attempts are counted before the check, atomically, per login and per address.

/// The stack of every runtime thread of the service (tokio's default is 2 MiB). The
/// depth limits above are sized to fit in an eighth of it.
pub const THREAD_STACK: usize = 8 * 1024 * 1024;

/// Allocations at least this large are mapped on their own and returned to the system
/// when freed ([`tune_allocator`]); up to this much free memory at the top of a heap is
/// kept for the next allocations. A preview's page image (893 × 1263 RGBA, 4.5 MB) is
/// below it: mapped on its own, each page cost 1,100 page faults and the kernel's
/// zeroing, 6–8 % of the composer's CPU under 8 drafters. What the renders freed is
/// handed back once they pause ([`QUIET_BEFORE_RELEASE`]) and after a large document.
pub const MMAP_THRESHOLD: usize = 8 * 1024 * 1024;

/// How long no render runs before the memory renders freed is handed back
/// ([`release_memory`]).
pub const QUIET_BEFORE_RELEASE: std::time::Duration = std::time::Duration::from_secs(2);

/// Sets the allocator so that a large buffer freed is memory returned: glibc raises its
/// mmap threshold after each large free (up to 32 MiB), after which large buffers come
/// from per-thread arenas whose tops are never trimmed; six refused 8 MB uploads kept
/// 50 MB that way. A fixed threshold of [`MMAP_THRESHOLD`] keeps large buffers mapped
/// on their own, and the same trim threshold bounds the free memory each heap keeps.
/// Called once when the service starts; a no-op elsewhere than glibc.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_MMAP_THRESHOLD: i32 = -3;
        const M_TRIM_THRESHOLD: i32 = -1;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: mallopt only changes the allocator's tuning parameters; it takes no
        // pointer and is called before the service's threads allocate much.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD as i32);
            mallopt(M_TRIM_THRESHOLD, MMAP_THRESHOLD as i32);
        }
    }
}

/// Hands the memory the allocator holds but no longer uses back to the system, so a
/// long-running service returns near its usual size after a large piece of work (glibc
/// keeps freed memory otherwise: 354 MB after a 5,000-row annex). A no-op elsewhere.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free heap pages; it takes no pointer and is
        // safe to call from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}
