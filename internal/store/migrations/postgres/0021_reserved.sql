-- Number 0021 is reserved for a migration on another branch (telegram-link);
-- this placeholder keeps the numbers without gaps until that one lands, and
-- is deleted then. It changes nothing.
SELECT 1;
