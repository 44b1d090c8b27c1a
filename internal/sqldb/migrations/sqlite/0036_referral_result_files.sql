-- A partner's result file (a visum et repertum, a photo) attached when a
-- referral is completed: a case file linked to its referral. The partner
-- holds no case key, so its name and content are sealed under the
-- referral's own key, which the case team opens through referrals.key_case
-- (NULL for the team's own files, sealed under the case key).
ALTER TABLE case_files ADD COLUMN referral_id TEXT REFERENCES referrals (id);
CREATE INDEX case_files_referral ON case_files (referral_id);
