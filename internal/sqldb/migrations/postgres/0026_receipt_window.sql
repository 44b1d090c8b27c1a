-- The web form's receipt is shown after a redirect (Post/Redirect/Get), to
-- the browser that sent the form, for a short window: view_hash is the
-- SHA-256 of the id of the handle in that browser's cookie, view_sealed the
-- receipt sealed under the handle's secret. receipt_ended is set once the
-- window has passed or quick exit ended it; a resubmitted form is then told
-- only that the report was received. Rows are purged after a day.
ALTER TABLE submissions ADD COLUMN view_hash BYTEA;
ALTER TABLE submissions ADD COLUMN view_sealed BYTEA;
ALTER TABLE submissions ADD COLUMN receipt_ended BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE submissions SET receipt_ended = TRUE;
CREATE UNIQUE INDEX submissions_view ON submissions (view_hash);
