DROP TABLE knowledge_views;
