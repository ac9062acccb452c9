DROP TABLE audit_log;
DROP TABLE login_throttle;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE units;
DROP TABLE write_gate;
