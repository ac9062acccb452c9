//! Knowledge management (Manajemen Pengetahuan SPBE): articles, their
//! kinds and audiences ([`article`]), their files ([`attachments`]),
//! lifecycle ([`workflow`]) and access ([`access`]); the Markdown body as safe HTML ([`markdown`]); search in
//! Bahasa Indonesia: the stemmer ([`stem`], over [`roots`]), terms
//! ([`terms`]), ranking ([`search`]) and snippets ([`snippet`]); the kept
//! collection and labelled queries ([`corpus`]) and the quality figures
//! ([`quality`]). Pure rules; the store is `db::knowledge`.

pub mod access;
pub mod article;
pub mod attachments;
pub mod corpus;
pub mod feedback;
pub mod from_ticket;
pub mod markdown;
pub mod quality;
pub mod report;
pub mod roots;
pub mod search;
pub mod self_service;
pub mod snippet;
pub mod spelling;
pub mod stem;
pub mod terms;
pub mod workflow;

pub use article::{ArticleAudience, ArticleKind, ArticleStatus};
pub use workflow::ArticleMove;
