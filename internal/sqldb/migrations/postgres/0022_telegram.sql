-- Telegram linking (DESIGN.md §2.8). A staff member's one live linking
-- code, kept only as a keyed hash until it is used or expires; the bot's
-- updates already taken (by webhook or long polling), so that a redelivery
-- does nothing; and the one long-polling lease with the next getUpdates
-- offset, so that one node at a time polls Telegram and a restart neither
-- loses nor repeats updates. Nothing here holds what anyone wrote.
CREATE TABLE telegram_codes (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE telegram_updates (
    bot         TEXT NOT NULL,
    update_id   BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (bot, update_id)
);
CREATE INDEX telegram_updates_received ON telegram_updates (received_at);

CREATE TABLE telegram_poll (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,
    lease_until TIMESTAMPTZ,
    bot         TEXT NOT NULL,
    next_offset BIGINT NOT NULL
);
INSERT INTO telegram_poll (id, holder, bot, next_offset) VALUES (1, '', '', 0);
