DROP TABLE knowledge_terms;
DROP TABLE knowledge_versions;
DROP TABLE knowledge_articles;
