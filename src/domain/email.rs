//! E-mail addresses, compared case-insensitively.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("must be an e-mail address such as nama@instansi.go.id")]
    Invalid,
    #[error("must be at most 254 characters")]
    TooLong,
}

/// A syntactically plausible address, stored lower-cased so that uniqueness
/// is case-insensitive (`Budi@Kab.go.id` and `budi@kab.go.id` are one user).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let address = raw.trim().to_lowercase();
        if address.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = address.split_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(address))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lower_cased() {
        assert_eq!(
            EmailAddress::parse(" Budi.Santoso@MajeneKab.go.id ").map(|e| e.0),
            Ok("budi.santoso@majenekab.go.id".into())
        );
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in ["", "budi", "budi@", "@kab.go.id", "budi@kab", "bu di@kab.go.id", "a..b@kab.go.id", "a@-kab.go.id"]
        {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }
}
