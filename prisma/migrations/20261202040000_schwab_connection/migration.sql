-- The Schwab login is bound to the session that started it, and a refused refresh token is
-- remembered so nothing retries it until the owner logs in again.
ALTER TABLE "oauth_states" ADD COLUMN "session_id" UUID;
ALTER TABLE "schwab_tokens" ADD COLUMN "reauth_required_at" TIMESTAMPTZ(6);
