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

fn hash_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn verify_now(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// How long a password check waits for its turn before the request is answered 503.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs one Argon2 computation on the blocking pool, at most one per core at a time: each takes
/// 19 MiB and tens of milliseconds of a core, and must never stall the async threads. Logins
/// beyond that wait their turn; after `HASH_WAIT` the server says it is busy.
async fn on_hashing_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    });
    let _permit = tokio::time::timeout(HASH_WAIT, permits.acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(e.to_string()))
}

/// An Argon2id hash of a new password (on the bounded hashing pool).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    on_hashing_pool(move || hash_now(&password)).await?
}

/// Does the password match the stored hash? (On the bounded hashing pool.)
pub async fn verify_password(password: &str, phc: &str) -> Result<bool, AppError> {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    on_hashing_pool(move || verify_now(&password, &phc)).await
}

/// A hash of a password nobody knows, verified for unknown users so that the answer takes as long
/// as for a known user with a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_now(&random_token()).unwrap_or_default())
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

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A one-time password that satisfies the policy: readable groups, all four character classes.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = OsRng;
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    loop {
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
        // A group may spell a word the policy refuses (`Gqt4`): drawn again.
        if qingtuan_domain::password::validate(&out, &[]).is_ok() {
            return out;
        }
    }
}

/// Seals a secret (a master key in a backup) under a passphrase: Argon2id (m = 64 MiB, t = 3)
/// derives the key from the passphrase and a random salt, AES-256-GCM seals; the result is
/// base64 of salt ‖ nonce ‖ ciphertext.
pub fn seal_with_passphrase(secret: &[u8], passphrase: &str) -> Result<String, AppError> {
    use aes_gcm::aead::{Aead, KeyInit};
    let mut salt = [0_u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0_u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let key = passphrase_key(passphrase, &salt)?;
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed =
        cipher.encrypt(aes_gcm::Nonce::from_slice(&nonce), secret).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = salt.to_vec();
    out.extend(nonce);
    out.extend(sealed);
    Ok(base64::engine::general_purpose::STANDARD_NO_PAD.encode(out))
}

/// Opens what [`seal_with_passphrase`] sealed; `None` for a wrong passphrase or damaged data.
pub fn open_with_passphrase(sealed: &str, passphrase: &str) -> Result<Option<Vec<u8>>, AppError> {
    use aes_gcm::aead::{Aead, KeyInit};
    let Ok(bytes) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(sealed.trim()) else { return Ok(None) };
    if bytes.len() < 16 + 12 + 16 {
        return Ok(None);
    }
    let (salt, rest) = bytes.split_at(16);
    let (nonce, sealed) = rest.split_at(12);
    let key = passphrase_key(passphrase, salt)?;
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(cipher.decrypt(aes_gcm::Nonce::from_slice(nonce), sealed).ok())
}

fn passphrase_key(passphrase: &str, salt: &[u8]) -> Result<[u8; 32], AppError> {
    let params = Params::new(64 * 1024, 3, 1, Some(32)).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut key = [0_u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_always_pass_the_policy() {
        for _ in 0..20_000 {
            let password = one_time_password();
            assert!(qingtuan_domain::password::validate(&password, &["demo", "liuting"]).is_ok(), "{password}");
        }
    }

    #[test]
    fn a_passphrase_seals_and_only_it_opens() {
        let sealed = seal_with_passphrase(b"master key bytes", "correct horse battery").unwrap();
        assert_eq!(open_with_passphrase(&sealed, "correct horse battery").unwrap().unwrap(), b"master key bytes");
        assert!(open_with_passphrase(&sealed, "correct horse batterx").unwrap().is_none());
        assert!(open_with_passphrase("garbage", "correct horse battery").unwrap().is_none());
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_now("Correct-Horse-9").unwrap();
        let b = hash_now("Correct-Horse-9").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(verify_now("Correct-Horse-9", &a));
        assert!(!verify_now("Correct-Horse-8", &a));
        assert!(!verify_now("x", dummy_hash()));
    }
}

/// The keys protecting personal data at rest: one to encrypt (AES-256-GCM), one for keyed hashes
/// (HMAC-SHA-256) that find and de-duplicate without decrypting, and one to sign short-lived codes
/// such as the check-in QR codes. All derive from one master key.
#[derive(Clone)]
pub struct Keys {
    enc: [u8; 32],
    mac: [u8; 32],
    sign: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable_hmac());
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// HMAC takes keys of any length, so construction cannot fail; this keeps the code panic-free.
fn unreachable_hmac() -> HmacSha256 {
    use hmac::Mac;
    match <HmacSha256 as Mac>::new_from_slice(&[0_u8; 32]) {
        Ok(m) => m,
        Err(_) => unreachable_hmac(),
    }
}

fn hmac_of(key: &[u8; 32], value: &str) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self {
            enc: derive(master, b"qingtuan/encrypt/v1"),
            mac: derive(master, b"qingtuan/lookup/v1"),
            sign: derive(master, b"qingtuan/sign/v1"),
        }
    }

    /// A new random master key, base64-encoded, for a key file or `QINGTUAN_SECRET_KEY`.
    pub fn generate_master() -> String {
        random_token()
    }

    /// Parses a base64url master key of 32 bytes.
    pub fn parse_master(encoded: &str) -> Result<Self, AppError> {
        Ok(Self::from_master(&Self::decode_master(encoded)?))
    }

    /// The 32 bytes of a base64url master key.
    pub fn decode_master(encoded: &str) -> Result<[u8; 32], AppError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded.trim())
            .map_err(|_| AppError::Internal("密钥不是有效的 base64url 编码".into()))?;
        bytes.try_into().map_err(|_| AppError::Internal("密钥长度应为 32 字节".into()))
    }

    /// A keyed check value that tells whether a database was written under these keys, without
    /// revealing them: stored in the database at its first start, compared at every start.
    pub fn check_value(&self) -> String {
        hex::encode(hmac_of(&self.mac, "qingtuan/key-check/v1"))
    }

    pub fn lookup_hash(&self, value: &str) -> String {
        hex::encode(hmac_of(&self.mac, value))
    }

    /// The signature of a message (HMAC-SHA-256 under the signing key).
    pub fn sign(&self, message: &str) -> [u8; 32] {
        hmac_of(&self.sign, message)
    }

    pub fn encrypt(&self, plain: &str) -> Result<String, AppError> {
        use aes_gcm::aead::{Aead, KeyInit};
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.enc).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut nonce = [0_u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(aes_gcm::Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(base64::engine::general_purpose::STANDARD_NO_PAD.encode(out))
    }

    pub fn decrypt(&self, sealed: &str) -> Result<String, AppError> {
        use aes_gcm::aead::{Aead, KeyInit};
        let bad = || AppError::Internal("无法解密个人信息（密钥不匹配？）".into());
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(sealed).map_err(|_| bad())?;
        if bytes.len() < 12 {
            return Err(bad());
        }
        let (nonce, body) = bytes.split_at(12);
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.enc).map_err(|_| bad())?;
        let plain = cipher.decrypt(aes_gcm::Nonce::from_slice(nonce), body).map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn encrypts_and_hashes() {
        let keys = Keys::from_master(&[7; 32]);
        let sealed = keys.encrypt("11010519491231002X").unwrap();
        assert!(!sealed.contains("1949"));
        assert_ne!(sealed, keys.encrypt("11010519491231002X").unwrap(), "random nonce");
        assert_eq!(keys.decrypt(&sealed).unwrap(), "11010519491231002X");
        assert_eq!(keys.lookup_hash("a"), keys.lookup_hash("a"));
        assert!(Keys::from_master(&[8; 32]).decrypt(&sealed).is_err());
    }
}
