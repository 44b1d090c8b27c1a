-- 24 hours (DESIGN.md §2.8): the duty roster, alerts with their escalation
-- level and the in-app notifications of each recipient, deliveries over
-- external channels (one per notification and channel, so a retried job
-- never sends twice what was recorded as sent), breaches of time limits,
-- the holiday calendar for working-day clocks, and staff alert addresses.
-- Nothing here holds case content: alerts name a record and a reason.
CREATE TABLE roster (
    day         TEXT NOT NULL,
    shift       TEXT NOT NULL,
    duty        TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region_code TEXT NOT NULL,
    PRIMARY KEY (day, shift, duty, user_id)
);
CREATE INDEX roster_region_day ON roster (region_code, day);

CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    record_kind     TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    clock           TEXT NOT NULL,
    urgent          BOOLEAN NOT NULL,
    level           INTEGER NOT NULL,
    region_code     TEXT NOT NULL,
    link            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    escalated_at    TIMESTAMP,
    acknowledged_at TIMESTAMP,
    acknowledged_by INTEGER REFERENCES users (id)
);
CREATE INDEX alerts_record ON alerts (record_kind, record_id);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    alert_id   TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level      INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (alert_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE deliveries (
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL,
    sent_at         TIMESTAMP,
    PRIMARY KEY (notification_id, channel)
);

CREATE TABLE clock_breaches (
    clock       TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    breached_at TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL,
    PRIMARY KEY (clock, record_kind, record_id, due_at)
);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE user_channels (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (user_id, channel)
);
