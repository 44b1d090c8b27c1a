-- Free text a person types that may name someone, sealed like content.
-- A break-glass request's reason and a data officer's identity-export
-- request's reason are sealed under a key of their own (reason_sealed),
-- granted in key_grants to the supervisors' group and the escrow (and, for
-- an export request, to its requester). The plaintext reason columns stay
-- for the schema's sake but are written empty; rows from before are sealed
-- and blanked at the next start (Store.Setup), which needs only the public
-- keys.
ALTER TABLE break_glass ADD COLUMN reason_sealed BLOB;
ALTER TABLE register_grants ADD COLUMN reason_sealed BLOB;
