-- The security log becomes keyed (HMAC-SHA256 under a key derived from SECRET_KEY). Rows
-- already written keep their unkeyed SHA-256 hashes and are marked version 1, so
-- `jutsu audit verify` checks each row under the scheme it was written with; the first
-- keyed row links to the last unkeyed one, and an unkeyed row after a keyed one is refused.
ALTER TABLE "security_events" ADD COLUMN "hash_version" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "security_events" ALTER COLUMN "hash_version" DROP DEFAULT;
