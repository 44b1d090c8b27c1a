-- KSBE takedown tracker (UU TPKS): content to be removed and the requests
-- sent for it. Platform, statuses and dates are clear for the time limit;
-- the URL, the evidence hashes and the outcome note (body) and each
-- request's reference number are sealed with the case key.
CREATE TABLE case_takedowns (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    platform    TEXT NOT NULL,
    status      TEXT NOT NULL,
    outcome_on  TEXT NOT NULL DEFAULT '',
    body        BYTEA NOT NULL
);
CREATE INDEX case_takedowns_case ON case_takedowns (case_id, created_at);

-- A request to the platform or the ministry; its clock runs from sent_at.
CREATE TABLE case_takedown_requests (
    id           TEXT PRIMARY KEY,
    takedown_id  TEXT NOT NULL REFERENCES case_takedowns (id) ON DELETE CASCADE,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    actor_id     BIGINT NOT NULL REFERENCES users (id),
    addressee    TEXT NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    outcome_on   TEXT NOT NULL DEFAULT '',
    reference    BYTEA NOT NULL
);
CREATE INDEX case_takedown_requests_item ON case_takedown_requests (takedown_id, sent_at);
CREATE INDEX case_takedown_requests_case ON case_takedown_requests (case_id);
