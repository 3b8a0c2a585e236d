//! Links mailed to an address to prove that someone there received them: confirming a contact
//! (and, with the accounts flow, verifying a registration's email).
//!
//! A link's token is `<id>.<issued, Unix seconds>.<HMAC-SHA256, first 128 bits, hex>` over its purpose, the
//! record's id, the address it was sent to and when: nothing is stored, a token is good only for
//! the address the record still has (changing the address voids it), and only for
//! [`LINK_VALIDITY`]. The key is derived from the server's signing secret.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature's length in a token: 128 bits, short enough for a line of mail.
const TAG_BYTES: usize = 16;

/// How long a mailed link works.
pub const LINK_VALIDITY: Duration = Duration::days(7);

/// What a link is for; part of what is signed, so a token of one purpose is useless for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmContact,
    VerifyRegistration,
    /// A password reset: good for an hour, and only for the password it was issued against.
    ResetPassword,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::ConfirmContact => "confirm-contact",
            Purpose::VerifyRegistration => "verify-registration",
            Purpose::ResetPassword => "reset-password",
        }
    }

    /// How long a link of this purpose works.
    pub fn validity(self) -> Duration {
        match self {
            Purpose::ResetPassword => RESET_VALIDITY,
            _ => LINK_VALIDITY,
        }
    }
}

/// How long a password reset link works.
pub const RESET_VALIDITY: Duration = Duration::hours(1);

/// The key links are signed with.
#[derive(Clone)]
pub struct LinkKey(Arc<[u8]>);

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(<redacted>)")
    }
}

/// A token taken apart, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: i64,
    issued: i64,
    mac: String,
}

impl LinkKey {
    /// Derives the links' key from the server's signing secret (a key of its own, so that a link
    /// never serves as anything else).
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"service-assurance mailed links v1");
        LinkKey(mac.finalize().into_bytes().to_vec().into())
    }

    fn mac(&self, purpose: Purpose, id: i64, address: &str, issued: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        let address = domain::account::normalize_email(address);
        mac.update(format!("{}\n{id}\n{address}\n{issued}", purpose.label()).as_bytes());
        mac
    }

    /// The token of a link for record `id` at `address`, issued at `issued`.
    pub fn sign(&self, purpose: Purpose, id: i64, address: &str, issued: DateTime<Utc>) -> String {
        let issued = issued.timestamp();
        let tag = self
            .mac(purpose, id, address, issued)
            .finalize()
            .into_bytes();
        let hex: String = tag[..TAG_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{id}.{issued}.{hex}")
    }

    /// Whether `token` was made for `purpose`, its record and the record's `address` now, and
    /// is still within its validity.
    pub fn holds(
        &self,
        purpose: Purpose,
        token: &Token,
        address: &str,
        now: DateTime<Utc>,
    ) -> bool {
        let age = now.timestamp() - token.issued;
        if age < -60 || age > purpose.validity().num_seconds() {
            return false;
        }
        let Some(tag) = decode_hex(&token.mac) else {
            return false;
        };
        self.mac(purpose, token.id, address, token.issued)
            .verify_truncated_left(&tag)
            .is_ok()
    }
}

impl Token {
    /// Takes a token apart; `None` when it is not of the form this module writes.
    pub fn parse(token: &str) -> Option<Token> {
        let mut parts = token.trim().splitn(3, '.');
        let id = parts.next()?.parse().ok()?;
        let issued = parts.next()?.parse().ok()?;
        let mac = parts.next()?;
        (mac.len() == 2 * TAG_BYTES).then(|| Token {
            id,
            issued,
            mac: mac.to_owned(),
        })
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_for_its_purpose_record_and_address_only_while_valid() {
        let key = LinkKey::derive(b"a secret of the server, long enough");
        let now = Utc::now();
        let token = key.sign(Purpose::ConfirmContact, 7, "Ops@Acme.example", now);
        let parsed = Token::parse(&token).unwrap();
        assert_eq!(parsed.id, 7);
        assert!(key.holds(Purpose::ConfirmContact, &parsed, "ops@acme.example", now));
        assert!(!key.holds(
            Purpose::VerifyRegistration,
            &parsed,
            "ops@acme.example",
            now
        ));
        assert!(!key.holds(Purpose::ConfirmContact, &parsed, "other@acme.example", now));
        let later = now + LINK_VALIDITY + Duration::seconds(1);
        assert!(!key.holds(Purpose::ConfirmContact, &parsed, "ops@acme.example", later));
        let other_key = LinkKey::derive(b"another secret of another server!!");
        assert!(!other_key.holds(Purpose::ConfirmContact, &parsed, "ops@acme.example", now));
        // Another record's id with this signature is not a token.
        let forged = Token::parse(&token.replacen("7.", "8.", 1)).unwrap();
        assert!(!key.holds(Purpose::ConfirmContact, &forged, "ops@acme.example", now));
        for junk in ["", "7", "7.1", "x.1.00", "7.1.zz"] {
            assert!(Token::parse(junk).is_none(), "{junk}");
        }
    }
}
