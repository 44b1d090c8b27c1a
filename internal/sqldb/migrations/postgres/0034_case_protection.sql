-- Legal protections, risk assessments and the safety plan of a case.
-- Categorical parts (kinds, issuers, dates, amounts, statuses, the risk
-- levels proposed and chosen) are clear for time limits and statistics;
-- notes, answers, reasons and the plan are sealed with the case key.

-- The risk level chosen at the case's latest assessment.
ALTER TABLE cases ADD COLUMN risk TEXT NOT NULL DEFAULT '';

-- Restitusi (UU TPKS Pasal 30–31). Dates are YYYY-MM-DD; decided_on is ''
-- until decided; amounts are whole rupiah.
CREATE TABLE case_restitutions (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at        TIMESTAMPTZ NOT NULL,
    actor_id          BIGINT NOT NULL REFERENCES users (id),
    requested_on      TEXT NOT NULL,
    amount_requested  BIGINT NOT NULL,
    decided_on        TEXT NOT NULL DEFAULT '',
    amount_decided    BIGINT NOT NULL DEFAULT 0,
    payment           TEXT NOT NULL DEFAULT '',
    notes             BYTEA NOT NULL
);
CREATE INDEX case_restitutions_case ON case_restitutions (case_id, created_at);

-- Protection orders: perlindungan sementara (Pasal 42), pembatasan gerak
-- pelaku, perlindungan LPSK or by a court. The end date is inclusive.
CREATE TABLE case_protection_orders (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    status      TEXT NOT NULL,
    notes       BYTEA NOT NULL
);
CREATE INDEX case_protection_orders_case ON case_protection_orders (case_id, ends_on);

-- Each structured risk assessment is kept: the answers and the reason for
-- overriding the proposal sealed (body), the levels clear.
CREATE TABLE case_risk_assessments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    proposed    TEXT NOT NULL,
    chosen      TEXT NOT NULL,
    body        BYTEA NOT NULL
);
CREATE INDEX case_risk_assessments_case ON case_risk_assessments (case_id, created_at);

-- Each version of the safety plan, all of it sealed (body).
CREATE TABLE case_safety_plans (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    body        BYTEA NOT NULL
);
CREATE INDEX case_safety_plans_case ON case_safety_plans (case_id, created_at);
