-- The UU PDP register: data-subject requests and breach notices, each with
-- its 3 × 24 h clock. Categories and dates only.
CREATE TABLE pdp_requests (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    done_at     TIMESTAMP
);
CREATE INDEX pdp_requests_received ON pdp_requests (received_at);
