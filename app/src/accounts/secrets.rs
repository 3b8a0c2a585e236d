//! Slow salted hashing of passwords and client secrets with argon2id (R-AUTH3).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// A valid hash of a random string: verifying against it when an account does not exist takes
/// as long as a real check, so response time does not reveal which emails are registered.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
     2bQ3vNQmFz9Ck8Y9CqfJSZkWmHD0M7xYfTsXnCc0qUo";

/// Hashes a secret into a PHC string (`$argon2id$…`) with a fresh random salt.
pub fn hash_secret(secret: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing failed: {e}"))
}

/// Checks a secret against a stored PHC string. A malformed stored hash never matches.
pub fn verify_secret(secret: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(secret.as_bytes(), stored_hash)
        .is_ok()
}

/// Burns the time of one verification, for unknown accounts.
pub fn verify_against_dummy(secret: &str) {
    let _ = verify_secret(secret, DUMMY_HASH);
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
        assert!(verify_secret("correct horse", &a));
        assert!(!verify_secret("wrong horse", &a));
        assert!(!verify_secret("correct horse", "not-a-hash"));
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
