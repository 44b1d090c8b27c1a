-- The case manager (manajer kasus) of a case: one of its team, named by a
-- supervisor. NULL until named.
ALTER TABLE cases ADD COLUMN manager_id BIGINT REFERENCES users (id);
