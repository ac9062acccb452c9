-- Bounded knowledge search (docs/knowledge.md, "Search at scale"): each
-- posting's impact (its BM25 term-frequency part against a reference
-- length, domain::knowledge::search::impact) so a search reads a term's
-- best postings first and stops; the number of articles per term and
-- the collection's size kept here instead of counted per query.
ALTER TABLE knowledge_terms ADD COLUMN impact INTEGER NOT NULL DEFAULT 0;
UPDATE knowledge_terms t SET impact = floor(1000000.0 * frequency / (frequency + 1.2 * (0.25 + 0.75 *
    a.term_count / 100.0)))::integer FROM knowledge_articles a WHERE a.id = t.article_id;
CREATE INDEX knowledge_terms_by_impact ON knowledge_terms (term, impact DESC, article_id);

CREATE TABLE knowledge_term_stats (
    term TEXT PRIMARY KEY,
    articles INTEGER NOT NULL
);
INSERT INTO knowledge_term_stats (term, articles) SELECT term, COUNT(*) FROM knowledge_terms GROUP BY term;

-- One row: every article and the sum of their weighted lengths.
CREATE TABLE knowledge_collection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    articles BIGINT NOT NULL,
    total_length BIGINT NOT NULL
);
INSERT INTO knowledge_collection (id, articles, total_length)
    SELECT 1, COUNT(*), COALESCE(SUM(term_count), 0)::bigint FROM knowledge_articles;
