DROP INDEX audit_heads_unsigned;
