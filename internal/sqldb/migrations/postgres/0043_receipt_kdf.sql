-- The Argon2id parameters that stretched each report's receipt, recorded
-- beside its lookup hash ("argon2id;m=19456;t=2;p=1"), so that the
-- parameters can change for new receipts while every older receipt keeps
-- opening: a lookup tries the current parameters, then each other set still
-- recorded. Receipts made before this migration were stretched with RFC
-- 9106's t=3, 64 MiB, p=4. NULL where there is no receipt (demo reports,
-- purged reports). The index makes the distinct sets cheap to list.
ALTER TABLE reports ADD COLUMN receipt_kdf TEXT;
UPDATE reports SET receipt_kdf = 'argon2id;m=65536;t=3;p=4' WHERE receipt_lookup IS NOT NULL;
CREATE INDEX reports_receipt_kdf ON reports (receipt_kdf) WHERE receipt_kdf IS NOT NULL;
