-- A staff member's profile, printed on the letters they sign: full name,
-- position (jabatan) and NIP (18 digits; empty for staff who are not civil
-- servants). Staff names are not protected content.
ALTER TABLE users ADD COLUMN full_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN jabatan TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN nip TEXT NOT NULL DEFAULT '';
