//! Short-lived JWT access tokens.
//!
//! Expiry is checked against the application clock, not the system clock,
//! so that tests (and simulations) control time.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::SigningKey;

/// The claims we put in an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The session (refresh-token family) the token belongs to.
    pub sid: Uuid,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// Not before: we issue none, but a token carrying one is held to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
}

/// Issues and checks access tokens with one algorithm and key.
pub struct TokenService {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    access_ttl_seconds: i64,
    /// Derives each refresh token's successor, so concurrent refreshes with
    /// one token (browser tabs) get the same next token.
    successor_key: [u8; 32],
    /// How far ahead of our clock a token's `iat` or `nbf` may be (clock
    /// skew between instances); beyond it the token is refused.
    clock_skew_seconds: i64,
}

impl TokenService {
    pub fn new(key: &SigningKey, issuer: &str, access_ttl_seconds: u32) -> Result<Self, String> {
        use sha2::{Digest, Sha256};
        let material = match key {
            SigningKey::Secret(secret) => secret.as_slice(),
            SigningKey::Ed25519 { private_pem, .. } => private_pem.as_slice(),
        };
        let successor_key: [u8; 32] =
            Sha256::new().chain_update(b"spbe-desk/refresh-successor-key/v1").chain_update(material).finalize().into();
        let (algorithm, encoding, decoding) = match key {
            SigningKey::Secret(secret) => {
                (Algorithm::HS256, EncodingKey::from_secret(secret), DecodingKey::from_secret(secret))
            }
            SigningKey::Ed25519 { private_pem, public_pem } => (
                Algorithm::EdDSA,
                EncodingKey::from_ed_pem(private_pem).map_err(|e| format!("auth.jwt_private_key_file: {e}"))?,
                DecodingKey::from_ed_pem(public_pem).map_err(|e| format!("auth.jwt_public_key_file: {e}"))?,
            ),
        };
        Ok(Self {
            algorithm,
            encoding,
            decoding,
            issuer: issuer.to_owned(),
            access_ttl_seconds: i64::from(access_ttl_seconds),
            successor_key,
            clock_skew_seconds: 60,
        })
    }

    /// Tolerates `seconds` of clock skew for `iat` and `nbf` (default 60).
    pub fn with_clock_skew(mut self, seconds: u32) -> Self {
        self.clock_skew_seconds = i64::from(seconds);
        self
    }

    /// The refresh token that follows `presented`: HMAC-SHA256 under a key
    /// only the service holds, so it is as unguessable as a random token,
    /// yet the same for every concurrent refresh with `presented`.
    pub fn refresh_successor(&self, presented: &str) -> String {
        use base64::Engine;
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.successor_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(presented.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn access_ttl_seconds(&self) -> i64 {
        self.access_ttl_seconds
    }

    /// Signs an access token for a session, valid from `now`.
    pub fn issue(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<String, String> {
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iss: self.issuer.clone(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.access_ttl_seconds,
            nbf: None,
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding).map_err(|e| format!("signing failed: {e}"))
    }

    /// Checks signature, algorithm (exactly ours: no `none`, no switching),
    /// issuer, expiry at `now`, and that it was not issued (`iat`) nor made
    /// valid (`nbf`) in the future beyond the clock skew allowed.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation).map_err(|_| TokenError::Invalid)?.claims;
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        let ahead = now.timestamp() + self.clock_skew_seconds;
        if claims.iat > ahead || claims.nbf.is_some_and(|nbf| nbf > ahead) {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn service(secret: &[u8]) -> TokenService {
        TokenService::new(&SigningKey::Secret(secret.to_vec()), "spbe-desk", 900).unwrap()
    }

    #[test]
    fn tokens_verify_until_they_expire() {
        let tokens = service(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let token = tokens.issue(Uuid::now_v7(), Uuid::now_v7(), now).unwrap();
        assert!(tokens.verify(&token, now + Duration::seconds(899)).is_ok());
        assert_eq!(tokens.verify(&token, now + Duration::seconds(900)).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn tokens_from_the_future_are_refused_beyond_the_clock_skew() {
        let tokens = service(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let issued_ahead = tokens.issue(Uuid::now_v7(), Uuid::now_v7(), now + Duration::seconds(600)).unwrap();
        assert_eq!(tokens.verify(&issued_ahead, now).unwrap_err(), TokenError::Invalid);
        let skewed = tokens.issue(Uuid::now_v7(), Uuid::now_v7(), now + Duration::seconds(30)).unwrap();
        assert!(tokens.verify(&skewed, now).is_ok(), "a little clock skew is tolerated");
        let claims = Claims {
            sub: Uuid::now_v7(),
            sid: Uuid::now_v7(),
            iss: "spbe-desk".into(),
            iat: now.timestamp(),
            exp: now.timestamp() + 900,
            nbf: Some(now.timestamp() + 600),
        };
        let not_yet = encode(&Header::new(Algorithm::HS256), &claims, &tokens.encoding).unwrap();
        assert_eq!(tokens.verify(&not_yet, now).unwrap_err(), TokenError::Invalid);
        let lenient = service(b"0123456789abcdef0123456789abcdef").with_clock_skew(3600);
        assert!(lenient.verify(&issued_ahead, now).is_ok());
    }

    #[test]
    fn tampered_foreign_and_unsigned_tokens_are_refused() {
        let tokens = service(b"0123456789abcdef0123456789abcdef");
        let other = service(b"fedcba9876543210fedcba9876543210");
        let now = Utc::now();
        let token = tokens.issue(Uuid::now_v7(), Uuid::now_v7(), now).unwrap();
        assert_eq!(other.verify(&token, now).unwrap_err(), TokenError::Invalid);
        let mut tampered = token.clone();
        tampered.insert(token.len() / 2, 'x');
        assert_eq!(tokens.verify(&tampered, now).unwrap_err(), TokenError::Invalid);
        let parts: Vec<&str> = token.split('.').collect();
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
        assert_eq!(tokens.verify(&unsigned, now).unwrap_err(), TokenError::Invalid);
    }

    /// A key pair made for this test only (`openssl genpkey -algorithm ed25519`).
    const TEST_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBPKI4HvTetW+qyDv8MzqWZyupGNpHyncxk3jYmMbty7\n-----END PRIVATE KEY-----\n";
    const TEST_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAt/rdbeieBemkpkWleTRxZ0FG2MK97SCJuwoiX95g5UA=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn ed25519_key_files_sign_eddsa_tokens_that_hs256_cannot_verify() {
        let key = SigningKey::Ed25519 {
            private_pem: TEST_PRIVATE_PEM.as_bytes().to_vec(),
            public_pem: TEST_PUBLIC_PEM.as_bytes().to_vec(),
        };
        let tokens = TokenService::new(&key, "spbe-desk", 900).unwrap();
        let now = Utc::now();
        let token = tokens.issue(Uuid::now_v7(), Uuid::now_v7(), now).unwrap();
        assert!(tokens.verify(&token, now).is_ok());
        let hs256 = service(b"0123456789abcdef0123456789abcdef");
        assert_eq!(hs256.verify(&token, now).unwrap_err(), TokenError::Invalid);
    }
}
