-- Enrolment that only the user completes. A user is created without a
-- password or key pair (password_hash is '' until enrolled); the one-time
-- link's kind says what completing it does: 'new' chooses a password and
-- makes the key pair, 'totp' (a lost authenticator) proves the password and
-- enrols a new authenticator, keeping the key.
--
-- A lost authenticator is first asked for (by the user or an admin) and
-- then approved by a supervisor who did not ask.
ALTER TABLE users ADD COLUMN enrol_kind TEXT;
ALTER TABLE users ADD COLUMN totp_lost_by INTEGER REFERENCES users (id);
ALTER TABLE users ADD COLUMN totp_lost_at TIMESTAMP;
