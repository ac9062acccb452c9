DROP TABLE knowledge_attachments;
