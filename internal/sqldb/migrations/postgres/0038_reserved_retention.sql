-- PLACEHOLDER on branch h-dsr only, so that 0039 has no gap here:
-- the lead drops this file at merge (the real 0038 comes from the retention branch).
SELECT 1;
