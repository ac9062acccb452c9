DROP TABLE knowledge_review_notices;
DROP TABLE knowledge_reviews;
