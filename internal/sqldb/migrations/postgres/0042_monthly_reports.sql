-- The monthly reports generated on the first working day of each month:
-- one per month and region, the figures as the dashboard showed them then
-- (JSON of aggregate counts, no person, no free text). The primary key
-- makes the generation happen once, whichever node runs it and however
-- often.
CREATE TABLE monthly_reports (
    month        TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    figures      TEXT NOT NULL,
    generated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (month, region_code)
);
