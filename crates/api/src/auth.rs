//! Authentication: HS256 access tokens, rotating refresh tokens, API keys, argon2id
//! passwords, and the [`Auth`] extractor that turns a request's credentials into a
//! [`Actor`].
//!
//! Access tokens are verified strictly: exactly three parts, a header whose `alg` is
//! `HS256` (so `none` and any other algorithm are refused before the signature is even
//! looked at), a constant-time signature check, `typ` = `access`, and expiry.

use crate::error::{ApiError, Result};
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bourse_service::{Actor, Code};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    bytes
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Compares two secrets (or their digests) in time that does not depend on where
/// they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A random password for generated accounts: 20 characters, about 119 bits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    random_bytes::<20>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

/// An argon2id hash of a random password nobody knows, for checks that must take as
/// long as a real one.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_password()).unwrap_or_default())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checks a new password: 8 to 128 characters.
pub fn check_password(password: &str) -> Result<()> {
    let length = password.chars().count();
    if !(8..=128).contains(&length) {
        return Err(ApiError::new(
            Code::WeakPassword,
            "a password has 8 to 128 characters",
        ));
    }
    Ok(())
}

/// Checks a username: 3 to 32 characters from letters, digits and `._-`.
pub fn check_username(username: &str) -> Result<()> {
    let valid = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid {
        return Err(ApiError(bourse_service::ServiceError::field(
            "username",
            "a username has 3 to 32 characters from letters, digits, '.', '_' and '-'",
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: String,
    /// Seconds since the Unix epoch.
    pub iat: u64,
    pub exp: u64,
    /// Always `access`.
    pub typ: String,
    /// The session (refresh-token family) the token belongs to: ending the session
    /// ends the token at once.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sid: String,
}

/// The longest a header `alg` or a token part may be before it is refused unread.
const TOKEN_LEN_MAX: usize = 4_096;

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
}

/// Signs and verifies access tokens with one secret.
#[derive(Clone)]
pub struct Jwt {
    secret: Vec<u8>,
    header: String,
}

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jwt { .. }")
    }
}

impl Jwt {
    pub fn new(secret: &[u8]) -> Jwt {
        Jwt {
            secret: secret.to_vec(),
            header: B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length")
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let signing_input = format!("{}.{payload}", self.header);
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = B64.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// Verifies a token; `now` in seconds since the Unix epoch.
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims> {
        let invalid = || ApiError::new(Code::TokenInvalid, "the access token is not valid");
        if token.len() > TOKEN_LEN_MAX {
            return Err(invalid());
        }
        let mut parts = token.split('.');
        let (Some(raw_header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let header: Header = B64
            .decode(raw_header)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid)?;
        if header.alg != "HS256" {
            return Err(invalid());
        }
        let signature = B64.decode(signature).map_err(|_| invalid())?;
        let mut mac = self.mac();
        mac.update(raw_header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| invalid())?;
        let claims: Claims = B64
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid)?;
        if claims.typ != "access" {
            return Err(invalid());
        }
        if claims.exp <= now {
            return Err(ApiError::new(
                Code::TokenExpired,
                "the access token has expired; refresh it",
            ));
        }
        Ok(claims)
    }
}

/// The authenticated caller. Extracting it authenticates the request (bearer token or
/// API key) and applies the per-user rate limit.
#[derive(Debug, Clone, Copy)]
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let principal = if let Some(key) = header("x-api-key") {
            state.authenticate_api_key(key.trim()).await?
        } else if let Some(value) = header("authorization") {
            let value = value.trim();
            if let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            {
                state.authenticate_token(token.trim())?
            } else if let Some(key) = value.strip_prefix("ApiKey ") {
                state.authenticate_api_key(key.trim()).await?
            } else {
                return Err(ApiError::new(
                    Code::Unauthorized,
                    "use `Authorization: Bearer <access token>` or `X-API-Key: <key>`",
                ));
            }
        } else {
            return Err(ApiError::new(
                Code::Unauthorized,
                "this needs authentication",
            ));
        };
        state.limit_user(principal.user_id)?;
        Ok(Auth(principal))
    }
}

/// A refresh token as handed out: `<id>.<secret>`.
pub struct NewRefreshToken {
    pub token: String,
    pub id: String,
    pub secret_hash: String,
}

impl std::fmt::Debug for NewRefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRefreshToken")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

pub fn new_refresh_token() -> NewRefreshToken {
    let id = hex(&random_bytes::<16>());
    let secret = B64.encode(random_bytes::<32>());
    NewRefreshToken {
        token: format!("{id}.{secret}"),
        secret_hash: sha256_hex(&secret),
        id,
    }
}

/// Splits `<id>.<secret>`.
pub fn parse_refresh_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    (id.len() == 32 && !secret.is_empty()).then_some((id, secret))
}

/// An API key as handed out: `bk_<id>_<secret>`.
pub struct NewApiKey {
    pub key: String,
    pub id: String,
    pub secret_hash: String,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

pub fn new_api_key() -> NewApiKey {
    let id = hex(&random_bytes::<8>());
    let secret = hex(&random_bytes::<32>());
    NewApiKey {
        key: format!("bk_{id}_{secret}"),
        secret_hash: sha256_hex(&secret),
        id,
    }
}

pub fn parse_api_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("bk_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && secret.len() == 64).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: "7".into(),
            role: "trader".into(),
            iat: 100,
            exp,
            typ: "access".into(),
            sid: "f".into(),
        }
    }

    #[test]
    fn tokens_round_trip_and_expire() {
        let jwt = Jwt::new(b"secret");
        let token = jwt.sign(&claims(200));
        assert_eq!(jwt.verify(&token, 150).unwrap(), claims(200));
        assert_eq!(jwt.verify(&token, 200).unwrap_err().code(), "TOKEN_EXPIRED");
        assert_eq!(
            Jwt::new(b"other").verify(&token, 150).unwrap_err().code(),
            "TOKEN_INVALID"
        );
    }

    #[test]
    fn forged_and_unsigned_tokens_are_refused() {
        let jwt = Jwt::new(b"secret");
        let token = jwt.sign(&claims(200));
        let parts: Vec<&str> = token.split('.').collect();
        // alg: none with the signature dropped.
        let none = format!(
            "{}.{}.",
            B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(jwt.verify(&none, 150).unwrap_err().code(), "TOKEN_INVALID");
        // A payload changed to admin, signature kept.
        let mut admin = claims(200);
        admin.role = "admin".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(serde_json::to_vec(&admin).unwrap()),
            parts[2]
        );
        assert_eq!(
            jwt.verify(&forged, 150).unwrap_err().code(),
            "TOKEN_INVALID"
        );
        // Another algorithm, correctly "signed" with HS256 underneath.
        let hs512 = B64.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let mut mac = jwt.mac();
        mac.update(format!("{hs512}.{}", parts[1]).as_bytes());
        let resigned = format!(
            "{hs512}.{}.{}",
            parts[1],
            B64.encode(mac.finalize().into_bytes())
        );
        assert_eq!(
            jwt.verify(&resigned, 150).unwrap_err().code(),
            "TOKEN_INVALID"
        );
        for garbage in ["", "a.b", "a.b.c.d", "...", "x.y.z"] {
            assert_eq!(
                jwt.verify(garbage, 150).unwrap_err().code(),
                "TOKEN_INVALID",
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn keys_and_refresh_tokens_parse_back() {
        let key = new_api_key();
        assert_eq!(
            parse_api_key(&key.key).map(|(id, _)| id.to_string()),
            Some(key.id.clone())
        );
        assert_eq!(
            sha256_hex(parse_api_key(&key.key).unwrap().1),
            key.secret_hash
        );
        let token = new_refresh_token();
        assert_eq!(
            parse_refresh_token(&token.token).map(|(id, _)| id.to_string()),
            Some(token.id)
        );
        assert!(parse_api_key("bk_short_x").is_none());
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd") && !constant_time_eq("abc", "ab"));
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(check_password("short").is_err());
        assert!(check_username("a b").is_err() && check_username("alice_01").is_ok());
    }
}
