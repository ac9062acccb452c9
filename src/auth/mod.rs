//! Authentication: password hashes, JWT access tokens, refresh tokens and
//! API keys, and the extractor that turns a request into a `Principal`.

pub mod audit_key;
pub mod extractor;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod secrets;

pub use extractor::Authenticated;
pub use jwt::TokenService;
