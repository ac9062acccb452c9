//! Authentication: password hashes, JWT access tokens, refresh tokens and
//! API keys, and the extractor that turns a request into a `Principal`;
//! also the keys derived from or kept beside them (list cursors, audit
//! checkpoints).

pub mod audit_key;
pub mod cursor_seal;
pub mod extractor;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod secrets;

pub use extractor::{Authenticated, Authenticator};
pub use jwt::TokenService;
