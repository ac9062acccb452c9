DROP TABLE knowledge_flags;
DROP TABLE knowledge_ratings;
