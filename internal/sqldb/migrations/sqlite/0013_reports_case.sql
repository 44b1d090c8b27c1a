-- A case lists its reports: find them by case without walking every report.
CREATE INDEX reports_case ON reports (case_id);
