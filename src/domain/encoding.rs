//! The canonical field encoding that audit entries, checkpoints and change
//! approvals are hashed and signed in, exactly as `docs/audit.md` and
//! `docs/changes.md` specify it for independent verifiers.
//!
//! Every field is written as a presence byte (`0` absent, `1` present),
//! then for a present field its length as a 4-byte big-endian integer and
//! its bytes. Texts are UTF-8; instants are RFC 3339 UTC with exactly six
//! fractional digits; ids are lowercase hyphenated UUIDs; hashes are the
//! 32 raw bytes of a SHA-256.

use chrono::{DateTime, Utc};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The text form of an instant in the encoding.
pub fn instant_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Builds the canonical encoding field by field.
#[derive(Default)]
pub struct Encoder(Vec<u8>);

impl Encoder {
    pub fn with_domain(domain: &[u8]) -> Self {
        let mut e = Self::default();
        e.bytes(Some(domain));
        e
    }

    pub fn bytes(&mut self, field: Option<&[u8]>) -> &mut Self {
        match field {
            None => self.0.push(0),
            Some(bytes) => {
                self.0.push(1);
                // Fields come from bounded columns; a longer one cannot be stored.
                let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                self.0.extend_from_slice(&len.to_be_bytes());
                self.0.extend_from_slice(bytes);
            }
        }
        self
    }

    pub fn text(&mut self, field: Option<&str>) -> &mut Self {
        self.bytes(field.map(str::as_bytes))
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
