//! Inventory codes: the region's *kode barang* with its register number
//! (`1.3.2.10.01.02.001/0003`) or a code the Dinas gives; one per asset,
//! unique in the region (the store's unique index holds the rule).

/// The longest code, in characters.
pub const MAX_CODE_CHARS: usize = 64;

/// A normalised inventory code: upper case, without blanks, of letters,
/// digits and `.`, `-`, `/`, 1 to [`MAX_CODE_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct InventoryCode(String);

/// Why a text is not an inventory code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryCodeError {
    #[error("an inventory code is not empty")]
    Empty,
    #[error("an inventory code is at most {MAX_CODE_CHARS} characters")]
    TooLong,
    #[error("an inventory code holds letters, digits, '.', '-' and '/' only")]
    Characters,
}

impl InventoryCode {
    /// Normalises `raw`: blanks go (codes are written with spaces around
    /// the dots on paper), letters become upper case, so `1.3.2 / 0003 a`
    /// and `1.3.2/0003A` are one code.
    pub fn parse(raw: &str) -> Result<Self, InventoryCodeError> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
        if code.is_empty() {
            return Err(InventoryCodeError::Empty);
        }
        if code.chars().count() > MAX_CODE_CHARS {
            return Err(InventoryCodeError::TooLong);
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/')) {
            return Err(InventoryCodeError::Characters);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_so_one_code_is_written_one_way() {
        let a = InventoryCode::parse(" 1.3.2.10 / 0003 a ").unwrap();
        assert_eq!(a.as_str(), "1.3.2.10/0003A");
        assert_eq!(InventoryCode::parse("1.3.2.10/0003A"), Ok(a));
    }

    #[test]
    fn bad_codes_are_refused_with_the_reason() {
        assert_eq!(InventoryCode::parse("  "), Err(InventoryCodeError::Empty));
        assert_eq!(InventoryCode::parse(&"1".repeat(65)), Err(InventoryCodeError::TooLong));
        assert_eq!(InventoryCode::parse("SRV#1"), Err(InventoryCodeError::Characters));
        assert_eq!(InventoryCode::parse("séri"), Err(InventoryCodeError::Characters));
    }
}
