-- Which passkey opened a session, so removing the passkey ends what it opened.
-- No foreign key: the sessions must be found before the passkey row is deleted, and the
-- id stays meaningful (for the log) afterwards.
ALTER TABLE "sessions" ADD COLUMN "passkey_id" UUID;

CREATE INDEX "sessions_passkey_id_idx" ON "sessions"("passkey_id");
