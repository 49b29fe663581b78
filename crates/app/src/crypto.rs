//! Password hashing (Argon2id with the OWASP parameters) and random tokens.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppError;

fn hasher() -> Result<Argon2<'static>, AppError> {
    // m = 19 MiB, t = 2, p = 1: the OWASP minimum for Argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of a password nobody knows, verified for unknown users so that the answer takes as long
/// as for a known user with a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// 256 random bits, URL-safe: session cookies, CSRF tokens, API tokens.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored instead of a bearer secret.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// A one-time password that satisfies the policy: readable groups, all four character classes.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = OsRng;
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut out = String::new();
    for group in 0..4 {
        if group > 0 {
            out.push('-');
        }
        out.push(pick(UPPER));
        out.push(pick(LOWER));
        out.push(pick(LOWER));
        out.push(pick(DIGIT));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("Correct-Horse-9").unwrap();
        let b = hash_password("Correct-Horse-9").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(verify_password("Correct-Horse-9", &a));
        assert!(!verify_password("Correct-Horse-8", &a));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn one_time_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = one_time_password();
            assert!(qingtuan_domain::password::validate(&p, &[]).is_ok(), "{p}");
        }
    }
}
