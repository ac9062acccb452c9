-- Files (images and PDFs) of knowledge articles. A row is never deleted:
-- removing a file from a draft records the version it left in, so every
-- published version keeps showing the files it was published with
-- (shown in version n: added_in_version <= n and, if removed, n <
-- removed_in_version). The bytes live in the data folder beside tickets'.
CREATE TABLE knowledge_attachments (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES knowledge_articles (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    added_in_version INTEGER NOT NULL CHECK (added_in_version >= 1),
    removed_in_version INTEGER CHECK (removed_in_version >= added_in_version),
    removed_at TIMESTAMP
);
CREATE INDEX knowledge_attachments_by_article ON knowledge_attachments (article_id, id);
