//! Password hashing with argon2id. Hashing is slow on purpose, so it runs on
//! the blocking thread pool, and at most one hash per core but one runs at a
//! time: a burst of sign-ins queues up instead of taking every core from the
//! requests the async runtime is serving.

use crate::error::{DomainError, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// How many hashes may run at once: one core is always left to the runtime.
fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        Semaphore::new(cores.saturating_sub(1).max(1))
    })
}

/// Hashes a new password (argon2id, random salt, PHC string format).
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    let _slot =
        hashing_slots().acquire().await.map_err(|_| DomainError::Upstream("password hashing stopped".into()))?;
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|err| DomainError::Upstream(format!("password hashing was interrupted: {err}")))?
}

fn hash_now(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| DomainError::invalid("password", format!("cannot be hashed: {err}")))
}

/// Checks `password` against `stored`. Without a stored hash (unknown user,
/// or one who signs in only through single sign-on) a dummy hash is checked
/// instead, so the answer takes as long either way and reveals nothing.
pub async fn verify(stored: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    let Ok(_slot) = hashing_slots().acquire().await else { return false };
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match stored {
            Some(hash) => (hash, true),
            None => (dummy_hash().to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now(&super::secrets::random_secret("")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("correct horse"));
        assert!(verify(Some(stored.clone()), "correct horse battery").await);
        assert!(!verify(Some(stored), "correct horse battery!").await);
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        assert!(!verify(None, "").await);
        assert!(!verify(None, "anything at all").await);
        assert!(!verify(Some("not a hash".to_owned()), "x").await);
    }
}
