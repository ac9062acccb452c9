-- Knowledge management (Manajemen Pengetahuan SPBE): articles, the
-- versions each publish makes, and the stemmed terms search ranks them by
-- (docs/knowledge.md). Enumerations are text with a CHECK.

CREATE TABLE knowledge_articles (
    id BLOB PRIMARY KEY,
    service_id BLOB NOT NULL REFERENCES services (id),
    owner_unit_id BLOB NOT NULL REFERENCES units (id),
    author_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('solution', 'known_error', 'faq', 'procedure', 'guide')),
    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'desks', 'dinas')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retired')),
    title TEXT NOT NULL,
    -- Markdown; rendered to sanitised HTML when read.
    body TEXT NOT NULL,
    -- Comma-separated, lower case.
    keywords TEXT NOT NULL,
    -- The weighted number of terms (BM25's document length).
    term_count INTEGER NOT NULL,
    -- The number of the latest published version; 0 before the first.
    published_version INTEGER NOT NULL,
    published_at TIMESTAMP,
    review_due_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX knowledge_articles_by_status ON knowledge_articles (status, id);
CREATE INDEX knowledge_articles_by_service ON knowledge_articles (service_id, id);

-- What each publish made readable; old versions stay readable.
CREATE TABLE knowledge_versions (
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    keywords TEXT NOT NULL,
    published_by BLOB NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, number)
);

-- An article's stemmed terms and their weighted frequencies: the index a
-- search fetches candidates from (by term) and ranks them with (in Rust,
-- alike on both backends).
CREATE TABLE knowledge_terms (
    term TEXT NOT NULL,
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    frequency INTEGER NOT NULL,
    PRIMARY KEY (term, article_id)
);
CREATE INDEX knowledge_terms_by_article ON knowledge_terms (article_id);
