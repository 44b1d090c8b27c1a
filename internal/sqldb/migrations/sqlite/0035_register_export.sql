-- The SIMFONI-PPA register export.
-- A victim's Kategori Trafficking (SIMFONI labels, ';'-joined): categorical,
-- clear like the violence types it qualifies.
ALTER TABLE case_victims ADD COLUMN trafficking_categories TEXT NOT NULL DEFAULT '';

-- A data officer's request to export the register with identities for a
-- period and region, and a supervisor's approval. The approving
-- supervisor's session decrypts the identities (names, NIK, chronology) of
-- the cases it holds and seals them under a fresh key (identities), which
-- is sealed to the requester's public key (sealed_key): only the requester
-- opens it, once, before expires_at; the download wipes both. The reason
-- says why the export is needed and names no person.
CREATE TABLE register_grants (
    id            TEXT PRIMARY KEY,
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    requested_at  TIMESTAMP NOT NULL,
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TIMESTAMP,
    expires_at    TIMESTAMP,
    used_at       TIMESTAMP,
    cases         INTEGER NOT NULL DEFAULT 0,
    sealed_key    BLOB,
    identities    BLOB
);
CREATE INDEX register_grants_status ON register_grants (status, requested_at);
