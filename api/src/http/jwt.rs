//! Issuing and verifying signed JWTs (HS256, algorithm pinned).
//!
//! Verification requires `exp`, `iss`, `aud` and `sub`, checks issuer and audience, and allows
//! 5 seconds of clock skew. A token whose header names another algorithm (including `none`)
//! is refused before its signature is looked at.

use std::sync::Arc;

use domain::{Caller, CustomerNumber, Role};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::JwtConfig;

/// A token that passed verification.
#[derive(Debug, Clone)]
pub struct Verified {
    pub caller: Caller,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Claims carried by every token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_number: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// `iat` in milliseconds, so that a token issued just before a secret rotation is told from
    /// one issued just after it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub iat_ms: Option<i64>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

/// Issues and verifies tokens with the configured secret, issuer and audience.
#[derive(Clone)]
pub struct TokenService {
    keys: Arc<Keys>,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
    link_key: app::links::LinkKey,
}

/// Why a presented token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid: {0}")]
    Invalid(String),
}

impl TokenService {
    pub fn new(config: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.leeway = 5;
        Self {
            keys: Arc::new(Keys {
                encoding: EncodingKey::from_secret(config.secret.as_bytes()),
                decoding: DecodingKey::from_secret(config.secret.as_bytes()),
                validation,
            }),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl_seconds: config.ttl_seconds,
            link_key: app::links::LinkKey::derive(config.secret.as_bytes()),
        }
    }

    /// The key of mailed links, derived from the signing secret.
    pub fn link_key(&self) -> app::links::LinkKey {
        self.link_key.clone()
    }

    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Signs a token for `caller`, valid from `now` for the configured lifetime.
    pub fn issue(
        &self,
        caller: &Caller,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, String> {
        let claims = Claims {
            sub: caller.subject.clone(),
            role: caller.role,
            customer_number: caller.customer_number.as_ref().map(|c| c.to_string()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_seconds as i64,
            iat_ms: Some(now.timestamp_millis()),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.keys.encoding)
            .map_err(|e| e.to_string())
    }

    /// Verifies signature, algorithm, expiry, issuer and audience, and rebuilds the caller, with
    /// the times the token was issued and expires.
    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = decode::<Claims>(token, &self.keys.decoding, &self.keys.validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidAudience => TokenError::Invalid("wrong audience".into()),
                ErrorKind::InvalidIssuer => TokenError::Invalid("wrong issuer".into()),
                ErrorKind::InvalidSignature => TokenError::Invalid("bad signature".into()),
                ErrorKind::InvalidAlgorithm => TokenError::Invalid("algorithm not accepted".into()),
                ErrorKind::MissingRequiredClaim(c) => {
                    TokenError::Invalid(format!("missing claim {c}"))
                }
                _ => TokenError::Invalid("malformed token".into()),
            },
        )?;
        let claims = data.claims;
        let customer = claims
            .customer_number
            .as_deref()
            .map(CustomerNumber::parse)
            .transpose()
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let issued_at = chrono::DateTime::from_timestamp_millis(
            claims.iat_ms.unwrap_or(claims.iat.saturating_mul(1000)),
        )
        .ok_or_else(|| TokenError::Invalid("bad iat".into()))?;
        let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
            .ok_or_else(|| TokenError::Invalid("bad exp".into()))?;
        let caller = Caller::new(claims.sub, claims.role, customer)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        Ok(Verified {
            caller,
            issued_at,
            expires_at,
        })
    }
}
