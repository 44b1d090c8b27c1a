-- Durable jobs: work that must happen later or elsewhere (time-limit clocks,
-- alerts and their escalation, notifications) is a row written in the same
-- transaction as the change that causes it, claimed by one node at a time
-- under a lease, and retried with backoff. A dedupe key makes enqueueing
-- the same work twice a no-op. Payloads never hold protected content.
CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    dedupe_key   TEXT UNIQUE,
    run_at       TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    claimed_by   TEXT,
    lease_until  TIMESTAMPTZ,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
