-- Every change to what a request's authority is built from (a session's revocation, step-up
-- time, methods or expiry; a user's role, disabled flag, forced password change or name; a
-- blacklisted token) notifies `jutsu_auth` with the user's id, from the database itself. Each
-- API process keeps that state in memory and drops a user's entries when told, so every
-- writer (the API, the CLI, a restore, plain SQL) invalidates it without having to remember.
CREATE FUNCTION "jutsu_auth_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  uid TEXT;
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    uid := COALESCE(OLD.id, NEW.id)::text;
  ELSIF TG_OP = 'DELETE' THEN
    uid := OLD.user_id::text;
  ELSE
    uid := NEW.user_id::text;
  END IF;
  PERFORM pg_notify('jutsu_auth', COALESCE(uid, '*'));
  RETURN NULL;
END;
$$;

-- Only the columns apps/api/src/auth/session-guard.ts reads: a refresh's last_used_at or a
-- failed sign-in's counter changes nothing a cached entry holds.
CREATE TRIGGER "sessions_auth_changed" AFTER UPDATE ON "sessions" FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.auth_time IS DISTINCT FROM NEW.auth_time
        OR OLD.amr IS DISTINCT FROM NEW.amr OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION "jutsu_auth_changed"();
CREATE TRIGGER "sessions_auth_deleted" AFTER DELETE ON "sessions" FOR EACH ROW
  EXECUTE FUNCTION "jutsu_auth_changed"();
CREATE TRIGGER "users_auth_changed" AFTER UPDATE ON "users" FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at
        OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
        OR OLD.username IS DISTINCT FROM NEW.username OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION "jutsu_auth_changed"();
CREATE TRIGGER "users_auth_deleted" AFTER DELETE ON "users" FOR EACH ROW
  EXECUTE FUNCTION "jutsu_auth_changed"();
CREATE TRIGGER "blacklisted_tokens_auth_changed" AFTER INSERT OR UPDATE OR DELETE ON "blacklisted_tokens" FOR EACH ROW
  EXECUTE FUNCTION "jutsu_auth_changed"();
