DROP TABLE knowledge_links;
