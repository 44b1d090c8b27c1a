-- Passkeys (WebAuthn credentials), a second factor beside TOTP. Only the
-- public key is kept; sign_count is the authenticator's counter, which must
-- grow (a cloned authenticator shows up as a counter that goes back).
-- flags keeps the backup-eligible and backup-state bits the library checks
-- at every sign-in.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    transports    TEXT NOT NULL DEFAULT '',
    flags         INTEGER NOT NULL DEFAULT 0,
    aaguid        BLOB,
    attestation   TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A ceremony's challenge, kept server-side for one use: the row is found by
-- the challenge's hash and the user it was made for, and deleted when used.
CREATE TABLE passkey_challenges (
    challenge_hash BLOB PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    session        TEXT NOT NULL,
    expires_at     TIMESTAMP NOT NULL
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
