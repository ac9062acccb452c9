DROP TABLE webhook_subscriptions;
DROP TABLE notice_attempts;
DROP TABLE notices;
DROP TABLE notice_events;
ALTER TABLE users DROP COLUMN notice_opt_outs;
ALTER TABLE units DROP COLUMN head_name;
ALTER TABLE units DROP COLUMN head_email;
