DROP INDEX knowledge_terms_by_reach;
CREATE INDEX knowledge_terms_by_impact ON knowledge_terms (term, impact DESC, article_id);
ALTER TABLE knowledge_terms
    DROP COLUMN published,
    DROP COLUMN article_length,
    DROP COLUMN audience,
    DROP COLUMN service_id,
    DROP COLUMN owner_unit_id,
    DROP COLUMN author_id;
