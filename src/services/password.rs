//! Password hashing with argon2id. Slow on purpose: call it from `web::block`, not on an async thread.

use std::sync::OnceLock;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::domain::account::NewPassword;
use crate::error::AppError;

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for `password`, with a random salt.
/// The parameters are argon2's defaults (the OWASP recommendation) and are stored in
/// the string, so that they can be raised later without breaking existing hashes.
pub fn hash(password: &NewPassword) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| AppError::internal(anyhow::anyhow!("encoding a password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Whether `candidate` matches `stored`. A malformed stored hash matches nothing.
pub fn verify(stored: &str, candidate: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(candidate.as_bytes(), &hash).is_ok())
}

/// Checks `candidate` against the account's hash, or, when there is no such account,
/// against a throwaway hash, so that an unknown user name takes as long to refuse as a
/// wrong password (the response time does not reveal which accounts exist).
pub fn verify_or_waste_time(stored: Option<&str>, candidate: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    match stored {
        Some(stored) => verify(stored, candidate),
        None => {
            let dummy = DUMMY.get_or_init(|| {
                let throwaway = NewPassword::generate(&mut rand::rng());
                hash(&throwaway).unwrap_or_default()
            });
            let _ = verify(dummy, candidate);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_own_password_and_nothing_else() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("horse"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        assert_ne!(hash(&password).unwrap(), hash(&password).unwrap());
    }

    #[test]
    fn an_unknown_account_never_verifies() {
        assert!(!verify_or_waste_time(None, ""));
        assert!(!verify_or_waste_time(None, "anything at all"));
    }
}
