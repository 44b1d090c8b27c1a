-- The SIMFONI-PPA record of a case: its victims and alleged perpetrators.
-- Categories are clear for statistics and the register; names, NIK,
-- accommodation needs and consent-override reasons are ciphertext under the
-- case key; nik_index is a blind index to spot the same person twice.
CREATE TABLE case_victims (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at       TIMESTAMPTZ NOT NULL,
    sex              TEXT NOT NULL,
    age              INTEGER NOT NULL,
    age_group        TEXT NOT NULL,
    education        TEXT NOT NULL,
    occupation       TEXT NOT NULL,
    marital          TEXT NOT NULL,
    disability       BOOLEAN NOT NULL,
    disability_types TEXT NOT NULL,
    violence_types   TEXT NOT NULL,
    sexual_forms     TEXT NOT NULL,
    place            TEXT NOT NULL,
    incident_date    TEXT NOT NULL,
    desa_code        TEXT NOT NULL,
    kdrt             BOOLEAN NOT NULL,
    consent          TEXT NOT NULL,
    name             BYTEA NOT NULL,
    nik              BYTEA NOT NULL,
    nik_index        BYTEA,
    accommodation    BYTEA NOT NULL,
    consent_override BYTEA NOT NULL
);
CREATE INDEX case_victims_case ON case_victims (case_id);
CREATE INDEX case_victims_nik ON case_victims (nik_index);

CREATE TABLE case_perpetrators (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    victim_id    TEXT NOT NULL REFERENCES case_victims (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    sex          TEXT NOT NULL,
    age_group    TEXT NOT NULL,
    relationship TEXT NOT NULL,
    name         BYTEA NOT NULL
);
CREATE INDEX case_perpetrators_case ON case_perpetrators (case_id);
