DROP TABLE knowledge_collection;
DROP TABLE knowledge_term_stats;
DROP INDEX knowledge_terms_by_impact;
ALTER TABLE knowledge_terms DROP COLUMN impact;
