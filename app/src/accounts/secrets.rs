//! Slow salted hashing of passwords and client secrets with argon2id (R-AUTH3).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::AppError;

/// A valid hash of a random string: verifying against it when an account does not exist takes
/// as long as a real check, so response time does not reveal which emails are registered.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
     2bQ3vNQmFz9Ck8Y9CqfJSZkWmHD0M7xYfTsXnCc0qUo";

/// Hashes a secret into a PHC string (`$argon2id$…`) with a fresh random salt.
pub fn hash_secret(secret: &str) -> Result<String, AppError> {
    gated(|| {
        Argon2::default()
            .hash_password(secret.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })?
}

/// Checks a secret against a stored PHC string. A malformed stored hash never matches.
pub fn verify_secret(secret: &str, stored_hash: &str) -> Result<bool, AppError> {
    gated(|| {
        Argon2::default()
            .verify_password(secret.as_bytes(), stored_hash)
            .is_ok()
    })
}

/// Burns the time of one verification, for unknown accounts.
pub fn verify_against_dummy(secret: &str) -> Result<(), AppError> {
    verify_secret(secret, DUMMY_HASH).map(|_| ())
}

/// How many argon2 computations this process has run (for tests and diagnostics).
pub fn argon2_runs() -> u64 {
    RUNS.load(Ordering::Relaxed)
}

/// At most one argon2 computation per CPU runs at once in this process (each takes ~19 MiB and
/// tens of milliseconds of a core): a burst of unauthenticated sign-ins or registrations queues
/// here instead of taking every blocking thread and the memory with it. A caller that waits longer
/// than [`GATE_WAIT`] is told the service is busy (503) rather than queued for ever.
static BUSY: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();
static RUNS: AtomicU64 = AtomicU64::new(0);
const GATE_WAIT: Duration = Duration::from_secs(10);

fn capacity() -> usize {
    static CAPACITY: OnceLock<usize> = OnceLock::new();
    *CAPACITY.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn gated<T>(work: impl FnOnce() -> T) -> Result<T, AppError> {
    let busy = BUSY.lock().unwrap_or_else(|e| e.into_inner());
    let (mut busy, waited) = FREED
        .wait_timeout_while(busy, GATE_WAIT, |n| *n >= capacity())
        .unwrap_or_else(|e| e.into_inner());
    if waited.timed_out() && *busy >= capacity() {
        return Err(AppError::Unavailable(
            "too many sign-ins at once; retry in a few seconds".into(),
        ));
    }
    *busy += 1;
    drop(busy);
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            *BUSY.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
            FREED.notify_one();
        }
    }
    let _release = Release;
    RUNS.fetch_add(1, Ordering::Relaxed);
    Ok(work())
}

/// A random token of `bytes` bytes, hex-encoded: client ids and client secrets.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_and_verify() {
        let a = hash_secret("correct horse").unwrap();
        let b = hash_secret("correct horse").unwrap();
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse", &a).unwrap());
        assert!(!verify_secret("wrong horse", &a).unwrap());
        assert!(!verify_secret("correct horse", "not-a-hash").unwrap());
    }

    #[test]
    fn no_more_hashing_at_once_than_cpus() {
        use std::sync::atomic::AtomicUsize;
        use std::sync::Arc;
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..capacity() * 4)
            .map(|_| {
                let (now, most) = (now.clone(), most.clone());
                std::thread::spawn(move || {
                    gated(|| {
                        let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(inside, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                    .unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=capacity()).contains(&most),
            "{most} at once on {} CPUs",
            capacity()
        );
    }

    #[test]
    fn dummy_hash_is_well_formed() {
        assert!(argon2::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn random_tokens_differ() {
        let t = random_token(16);
        assert_eq!(t.len(), 32);
        assert_ne!(t, random_token(16));
    }
}
