-- A posting says, by itself, who may read it and how it ranks
-- (docs/knowledge.md, "Search at scale"): its article's length, service
-- and audience, whether the article is published, and, while it is not,
-- its author and owning unit. A search then reads a term's postings in
-- impact order from one index (an index-only scan) and joins nothing.
ALTER TABLE knowledge_terms
    ADD COLUMN published BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN article_length INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN audience TEXT NOT NULL DEFAULT 'everyone',
    ADD COLUMN service_id UUID,
    -- Only while the article is not published (who else may read it then).
    ADD COLUMN owner_unit_id UUID,
    ADD COLUMN author_id UUID;
UPDATE knowledge_terms t SET published = a.status = 'published', article_length = a.term_count,
    audience = a.audience, service_id = a.service_id,
    owner_unit_id = CASE WHEN a.status = 'published' THEN NULL ELSE a.owner_unit_id END,
    author_id = CASE WHEN a.status = 'published' THEN NULL ELSE a.author_id END
    FROM knowledge_articles a WHERE a.id = t.article_id;
ALTER TABLE knowledge_terms
    ALTER COLUMN published DROP DEFAULT,
    ALTER COLUMN article_length DROP DEFAULT,
    ALTER COLUMN audience DROP DEFAULT,
    ALTER COLUMN service_id SET NOT NULL;
DROP INDEX knowledge_terms_by_impact;
CREATE INDEX knowledge_terms_by_reach ON knowledge_terms (term, published, impact DESC, article_id)
    INCLUDE (frequency, article_length, audience, service_id, owner_unit_id, author_id);
