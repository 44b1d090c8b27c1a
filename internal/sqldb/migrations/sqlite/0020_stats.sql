-- Summary counts for the dashboards and the public page, kept in the same
-- transaction as the changes they count (a case opened, a victim recorded,
-- a service given, a referral answered, a case closed, a first response),
-- by month (local) and region (desa or kecamatan). Dashboards read only
-- these, never the cases.
CREATE TABLE stats_counts (
    month       TEXT NOT NULL,
    region_code TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (month, region_code, dimension, value)
);
CREATE INDEX stats_counts_region ON stats_counts (region_code, month);
CREATE INDEX stats_counts_dimension ON stats_counts (dimension, month);
CREATE INDEX clock_breaches_due ON clock_breaches (due_at);
