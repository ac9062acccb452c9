DROP TABLE knowledge_reviews;
