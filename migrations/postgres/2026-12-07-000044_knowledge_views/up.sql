-- A reporter opening a published article: at most one row per reporter,
-- article and hour. A view is solved by self-service when the reporter
-- files no ticket on its service within 24 hours (docs/knowledge.md).
-- Reads, not changes of an aggregate: no journal entry.
CREATE TABLE knowledge_views (
    article_id UUID NOT NULL REFERENCES knowledge_articles (id),
    viewer_id UUID NOT NULL REFERENCES users (id),
    service_id UUID NOT NULL REFERENCES services (id),
    viewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, viewer_id, viewed_at)
);
CREATE INDEX knowledge_views_by_time ON knowledge_views (viewed_at);
