-- The integrated network (DESIGN.md §2.5–2.6): partner agencies with their
-- own key pair (a holder group named agency:<id>), referrals and transfers
-- whose packet is ciphertext under a packet key sealed to the agency and,
-- under the case key, to the case team; outreach visits and meetings whose
-- details are ciphertext under a visit key sealed to the officers who go;
-- reports filed by staff on someone's behalf; and the office's settings.
CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    services    TEXT NOT NULL,
    contact     TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL
);
ALTER TABLE users ADD COLUMN agency_id TEXT REFERENCES agencies (id);

CREATE TABLE referrals (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    agency_id        TEXT REFERENCES agencies (id),
    destination      TEXT NOT NULL,
    service          TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    status           TEXT NOT NULL,
    fields           TEXT NOT NULL,
    consent          TEXT NOT NULL,
    consent_override BLOB NOT NULL,
    packet           BLOB NOT NULL,
    key_case         BLOB NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    responded_at     TIMESTAMP,
    response         BLOB,
    service_date     TEXT NOT NULL DEFAULT '',
    outcome          BLOB,
    completed_at     TIMESTAMP
);
CREATE INDEX referrals_case ON referrals (case_id, created_at);
CREATE INDEX referrals_agency ON referrals (agency_id, status, created_at);

ALTER TABLE case_entries ADD COLUMN referral_id TEXT;

CREATE TABLE visits (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    at              TIMESTAMP NOT NULL,
    place_kind      TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    report_id       TEXT,
    reporter_status TEXT NOT NULL,
    status          TEXT NOT NULL,
    outcome         TEXT NOT NULL DEFAULT '',
    details         BLOB NOT NULL,
    result          BLOB,
    key_case        BLOB NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    outcome_by      INTEGER REFERENCES users (id),
    outcome_at      TIMESTAMP
);
CREATE INDEX visits_case ON visits (case_id, at);
CREATE INDEX visits_region ON visits (region_code, at);
CREATE INDEX visits_report ON visits (report_id);

CREATE TABLE visit_team (
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (visit_id, user_id)
);
CREATE INDEX visit_team_user ON visit_team (user_id);

ALTER TABLE reports ADD COLUMN filed_by INTEGER REFERENCES users (id);
CREATE INDEX reports_filed_by ON reports (filed_by, created_at);

CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
