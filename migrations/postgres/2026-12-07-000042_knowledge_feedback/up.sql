-- What readers tell an article (docs/knowledge.md): ratings, one per
-- reader and published version (a second replaces the first), and flags
-- that it is wrong, which its owners close.
CREATE TABLE knowledge_ratings (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES knowledge_articles (id),
    article_version INTEGER NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT NULL,
    rated_by UUID NOT NULL REFERENCES users (id),
    rated_at TIMESTAMP NOT NULL,
    UNIQUE (article_id, article_version, rated_by)
);

CREATE TABLE knowledge_flags (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES knowledge_articles (id),
    article_version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    flagged_by UUID NOT NULL REFERENCES users (id),
    flagged_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP NULL,
    closed_by UUID NULL REFERENCES users (id)
);
CREATE INDEX knowledge_flags_by_article ON knowledge_flags (article_id, id);
