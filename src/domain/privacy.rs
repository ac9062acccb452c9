//! Personal data in hashed audit entries (UU 27/2022 on personal data
//! protection): a personal value in an entry's before/after is replaced by
//! a salted commitment, and the value and its salt are kept apart, so that
//! erasing them leaves every hash of the chain as it was (`docs/privacy.md`,
//! `docs/audit.md` "Personal data").

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::encoding::{Encoder, Hash};

/// The domain separation text of a commitment.
pub const COMMITMENT_DOMAIN: &str = "spbe-desk/personal-data/v1";

/// The fields of a snapshot that hold personal data: the contact of someone
/// reported on behalf of, who has no account (a user's own record is theirs
/// to keep current through their account, and is not committed).
pub const PERSONAL_FIELDS: [&str; 3] = ["reporter_name", "reporter_email", "reporter_phone"];

/// The key of the object a sealed value becomes: `{"personal": "<64 hex>"}`.
pub const SEALED_KEY: &str = "personal";

/// A commitment's random salt: without it, a short value (a phone number)
/// could be found from its commitment by trying every candidate.
pub type Salt = [u8; 32];

/// `SHA-256` of the field encoding of the domain text, the salt and the value.
pub fn commitment(salt: &Salt, value: &str) -> Hash {
    let mut encoder = Encoder::with_domain(COMMITMENT_DOMAIN.as_bytes());
    encoder.bytes(Some(salt)).text(Some(value));
    Sha256::digest(encoder.into_bytes()).into()
}

/// Replaces each personal field of `snapshot` that holds a text by its
/// sealed form, the commitment `commit` gives for `(field, value)`.
pub fn seal<E>(snapshot: &mut Value, mut commit: impl FnMut(&'static str, &str) -> Result<Hash, E>) -> Result<(), E> {
    let Value::Object(fields) = snapshot else { return Ok(()) };
    for field in PERSONAL_FIELDS {
        if let Some(Value::String(value)) = fields.get(field) {
            let sealed = sealed_value(&commit(field, value)?);
            fields.insert(field.to_owned(), sealed);
        }
    }
    Ok(())
}

/// The sealed form of a commitment.
pub fn sealed_value(commitment: &Hash) -> Value {
    let mut object = Map::new();
    object.insert(SEALED_KEY.to_owned(), Value::String(hex::encode(commitment)));
    Value::Object(object)
}

/// The commitment (hex) a sealed value holds, if `value` is one.
pub fn commitment_of(value: &Value) -> Option<&str> {
    match value {
        Value::Object(object) if object.len() == 1 => object
            .get(SEALED_KEY)
            .and_then(Value::as_str)
            .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())),
        _ => None,
    }
}

/// The commitments sealed in a snapshot's personal fields.
pub fn commitments_in(snapshot: &Value) -> Vec<String> {
    PERSONAL_FIELDS.iter().filter_map(|field| commitment_of(snapshot.get(field)?)).map(str::to_owned).collect()
}

/// The personal fields of a snapshot that hold their value in the clear
/// (entries written before commitments), with the values.
pub fn in_the_clear(snapshot: &Value) -> Vec<(&'static str, &str)> {
    PERSONAL_FIELDS.iter().filter_map(|field| Some((*field, snapshot.get(field)?.as_str()?))).collect()
}

/// What the store knows of a commitment when the entry is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosed {
    /// The value, still held.
    Value(String),
    /// Erased at this instant (RFC 3339): shown beside the commitment.
    Erased(String),
}

/// Shows each sealed personal field of `snapshot` as the store knows it:
/// the value itself, or `{"personal": …, "erased_at": …}` once erased.
/// A commitment the store does not know is left sealed.
pub fn disclose(snapshot: &mut Value, known: impl Fn(&str) -> Option<Disclosed>) {
    let Value::Object(fields) = snapshot else { return };
    for field in PERSONAL_FIELDS {
        let Some(value) = fields.get_mut(field) else { continue };
        let Some(commitment) = commitment_of(value).map(str::to_owned) else { continue };
        match known(&commitment) {
            Some(Disclosed::Value(text)) => *value = Value::String(text),
            Some(Disclosed::Erased(at)) => {
                if let Value::Object(object) = value {
                    object.insert("erased_at".to_owned(), Value::String(at));
                }
            }
            None => {}
        }
    }
}

/// What an erased value is replaced by in texts kept as they were sent
/// (the outbox's mails and deliveries).
pub const REDACTED: &str = "[dihapus]";

/// `text` with every occurrence of each of `values` replaced by
/// [`REDACTED`], or `None` when it held none. E-mail addresses are compared
/// without case, as mail systems do.
pub fn redact(text: &str, values: &[String]) -> Option<String> {
    let mut redacted = text.to_owned();
    for value in values.iter().filter(|v| !v.is_empty()) {
        redacted = replace_ignoring_ascii_case(&redacted, value);
    }
    (redacted != text).then_some(redacted)
}

fn replace_ignoring_ascii_case(text: &str, value: &str) -> String {
    let (lower_text, lower_value) = (text.to_ascii_lowercase(), value.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    // ASCII lowering keeps every byte offset, so offsets found in the lowered
    // text cut the original at the same characters.
    for (at, _) in lower_text.match_indices(&lower_value) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(REDACTED);
        rest = at + value.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_commitment_is_the_hash_of_the_documented_encoding() {
        let salt = [7u8; 32];
        let mut expected = Vec::new();
        expected.extend_from_slice(&[1, 0, 0, 0, 26]);
        expected.extend_from_slice(b"spbe-desk/personal-data/v1");
        expected.extend_from_slice(&[1, 0, 0, 0, 32]);
        expected.extend_from_slice(&salt);
        expected.extend_from_slice(&[1, 0, 0, 0, 5]);
        expected.extend_from_slice(b"a@b.c");
        let digest: Hash = Sha256::digest(&expected).into();
        assert_eq!(commitment(&salt, "a@b.c"), digest);
        assert_ne!(commitment(&[8u8; 32], "a@b.c"), digest, "another salt, another commitment");
    }

    #[test]
    fn sealing_replaces_only_personal_texts() {
        let mut snapshot =
            json!({"title": "t", "reporter_name": "Budi", "reporter_email": null, "reporter_phone": "0812"});
        seal(&mut snapshot, |_, value| Ok::<_, ()>(commitment(&[1; 32], value))).unwrap();
        assert_eq!(snapshot["title"], "t");
        assert_eq!(snapshot["reporter_email"], Value::Null);
        assert_eq!(commitment_of(&snapshot["reporter_name"]), Some(hex::encode(commitment(&[1; 32], "Budi")).as_str()));
        assert_eq!(commitments_in(&snapshot).len(), 2);
        assert!(in_the_clear(&snapshot).is_empty());
        assert_eq!(in_the_clear(&json!({"reporter_name": "Budi"})), [("reporter_name", "Budi")]);
    }

    #[test]
    fn disclosing_shows_the_value_or_when_it_was_erased() {
        let name = hex::encode([1u8; 32]);
        let phone = hex::encode([2u8; 32]);
        let mut snapshot = json!({"reporter_name": {"personal": name}, "reporter_phone": {"personal": phone}});
        disclose(&mut snapshot, |c| {
            Some(if c == name {
                Disclosed::Value("Budi".into())
            } else {
                Disclosed::Erased("2026-12-07T00:00:00Z".into())
            })
        });
        assert_eq!(snapshot["reporter_name"], "Budi");
        assert_eq!(snapshot["reporter_phone"], json!({"personal": phone, "erased_at": "2026-12-07T00:00:00Z"}));
    }

    #[test]
    fn redaction_replaces_every_occurrence_without_regard_to_case() {
        let values = vec!["budi@example.id".to_owned(), "Budi Santoso".to_owned()];
        assert_eq!(
            redact("Kepada Budi Santoso <Budi@Example.id>, budi@example.id", &values).as_deref(),
            Some("Kepada [dihapus] <[dihapus]>, [dihapus]")
        );
        assert_eq!(redact("Tiket TKT-1", &values), None);
    }

    #[test]
    fn only_a_lone_64_hex_text_is_a_commitment() {
        assert!(commitment_of(&json!({"personal": "ab"})).is_none());
        assert!(commitment_of(&json!({"personal": hex::encode([0u8; 32]), "x": 1})).is_none());
        assert!(commitment_of(&json!("Budi")).is_none());
    }
}
