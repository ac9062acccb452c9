-- The published articles that solved a ticket: each link keeps the
-- version the technician used, and the ticket's unit and service as they
-- were, for the knowledge report (docs/knowledge.md).
CREATE TABLE knowledge_links (
    ticket_id UUID NOT NULL REFERENCES tickets (id),
    article_id UUID NOT NULL REFERENCES knowledge_articles (id),
    article_version INTEGER NOT NULL,
    unit_id UUID NOT NULL REFERENCES units (id),
    service_id UUID NOT NULL REFERENCES services (id),
    linked_by UUID NOT NULL REFERENCES users (id),
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticket_id, article_id)
);
-- An article's link count, and the report's per-article figures.
CREATE INDEX knowledge_links_by_article ON knowledge_links (article_id);
