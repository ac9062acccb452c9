-- A posting says, by itself, who may read it and how it ranks
-- (docs/knowledge.md, "Search at scale"): its article's length, service
-- and audience, whether the article is published, and, while it is not,
-- its author and owning unit. A search then reads a term's postings in
-- impact order from one index range and joins nothing. WITHOUT ROWID, so
-- the table is that range: (term, published, impact, article) first.
CREATE TABLE knowledge_postings (
    term TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    impact INTEGER NOT NULL,
    article_id BLOB NOT NULL REFERENCES knowledge_articles (id),
    frequency INTEGER NOT NULL,
    article_length INTEGER NOT NULL,
    audience TEXT NOT NULL,
    service_id BLOB NOT NULL,
    -- Only while the article is not published (who else may read it then).
    owner_unit_id BLOB,
    author_id BLOB,
    PRIMARY KEY (term, published, impact DESC, article_id)
) WITHOUT ROWID;
INSERT INTO knowledge_postings
    SELECT t.term, a.status = 'published', t.impact, t.article_id, t.frequency, a.term_count, a.audience,
        a.service_id,
        CASE WHEN a.status = 'published' THEN NULL ELSE a.owner_unit_id END,
        CASE WHEN a.status = 'published' THEN NULL ELSE a.author_id END
    FROM knowledge_terms t JOIN knowledge_articles a ON a.id = t.article_id;
DROP TABLE knowledge_terms;
ALTER TABLE knowledge_postings RENAME TO knowledge_terms;
-- An article's terms (rewritten when it is), one row per term.
CREATE UNIQUE INDEX knowledge_terms_by_article ON knowledge_terms (article_id, term);
