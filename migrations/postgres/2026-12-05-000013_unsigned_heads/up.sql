-- The chain heads a checkpoint has yet to sign, found without reading
-- every head: a checkpoint signs a bounded number at a time, and each
-- would otherwise scan all of them to find its share.
CREATE INDEX audit_heads_unsigned ON audit_heads (chain_id) WHERE NOT signed;
