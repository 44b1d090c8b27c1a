-- The UU PDP register: data-subject requests and breach notices, each with
-- its 3 × 24 h clock. Categories and dates only.
CREATE TABLE pdp_requests (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    region_code TEXT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ
);
CREATE INDEX pdp_requests_received ON pdp_requests (received_at);
