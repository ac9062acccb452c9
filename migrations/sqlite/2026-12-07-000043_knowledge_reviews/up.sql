-- Reviews of published articles (docs/knowledge.md): an owner confirming
-- the article still holds, or a republish; each moves the review date on.
CREATE TABLE knowledge_reviews (
    id BLOB PRIMARY KEY,
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    -- The review date the review met (none before the first publish).
    due_at TIMESTAMP NULL,
    reviewed_at TIMESTAMP NOT NULL,
    reviewed_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX knowledge_reviews_by_article ON knowledge_reviews (article_id, reviewed_at);

-- The review dates whose owners were told the review fell due: once per
-- article and due date.
CREATE TABLE knowledge_review_notices (
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    due_at TIMESTAMP NOT NULL,
    told_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, due_at)
);
