-- The office's own case categories ("kategori lokal"), kept by the
-- administrator. Each counts under one SIMFONI jenis kekerasan
-- (simfoni_type). A category is never deleted, only deactivated, so every
-- id a victim's record names stays readable; a rename shows on old records.
CREATE TABLE office_categories (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    simfoni_type TEXT NOT NULL,
    active       BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Lamongan's categories as the default set, each under the SIMFONI label
-- it is counted as:
--   Anak Berhadapan dengan Hukum (ABH)         -> Lainnya (a child in conflict
--     with the law is not itself a form of violence)
--   Hak Asuh Anak                              -> Lainnya (a custody dispute)
--   Nafkah Anak                                -> Penelantaran (maintenance
--     withheld is neglect of the child)
--   Perundungan (bullying)                     -> Psikis
--   Kekerasan Berbasis Gender Online (KBGO)    -> Seksual (kekerasan seksual
--     berbasis elektronik, UU 12/2022 Pasal 14)
--   Perkawinan Anak / Dispensasi Kawin         -> Lainnya (a forced marriage is
--     recorded besides as the TPKS form "Pemaksaan perkawinan")
INSERT INTO office_categories (id, name, simfoni_type, active, created_at) VALUES
    ('abh', 'Anak Berhadapan dengan Hukum (ABH)', 'Lainnya', TRUE, CURRENT_TIMESTAMP),
    ('hak-asuh-anak', 'Hak Asuh Anak', 'Lainnya', TRUE, CURRENT_TIMESTAMP),
    ('nafkah-anak', 'Nafkah Anak', 'Penelantaran', TRUE, CURRENT_TIMESTAMP),
    ('perundungan', 'Perundungan (bullying)', 'Psikis', TRUE, CURRENT_TIMESTAMP),
    ('kbgo', 'Kekerasan Berbasis Gender Online (KBGO)', 'Seksual', TRUE, CURRENT_TIMESTAMP),
    ('perkawinan-anak', 'Perkawinan Anak / Dispensasi Kawin', 'Lainnya', TRUE, CURRENT_TIMESTAMP);

-- A victim's office categories (";"-joined ids of office_categories) and
-- AMPK category (a label of UU 35/2014 Pasal 59 ayat (2)): categorical,
-- in the clear for statistics, like the SIMFONI labels beside them.
ALTER TABLE case_victims ADD COLUMN office_categories TEXT NOT NULL DEFAULT '';
ALTER TABLE case_victims ADD COLUMN ampk TEXT NOT NULL DEFAULT '';
