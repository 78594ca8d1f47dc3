-- The token whose rotation issued this one. A client whose refresh answer was lost (the
-- process died, the connection dropped) still holds the rotated parent: presenting it again
-- while this child is the family's unused live token is a retry, not reuse.
ALTER TABLE "refresh_tokens" ADD COLUMN "parent_id" UUID;
