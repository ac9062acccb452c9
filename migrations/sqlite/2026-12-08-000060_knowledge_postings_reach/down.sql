CREATE TABLE knowledge_terms_before (
    term TEXT NOT NULL,
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    frequency INTEGER NOT NULL,
    impact INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (term, article_id)
);
INSERT INTO knowledge_terms_before (term, article_id, frequency, impact)
    SELECT term, article_id, frequency, impact FROM knowledge_terms;
DROP TABLE knowledge_terms;
ALTER TABLE knowledge_terms_before RENAME TO knowledge_terms;
CREATE INDEX knowledge_terms_by_article ON knowledge_terms (article_id);
CREATE INDEX knowledge_terms_by_impact ON knowledge_terms (term, impact DESC, article_id);
