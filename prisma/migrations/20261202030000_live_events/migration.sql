-- Live events with ids: writers insert a row and NOTIFY only its id; every API process reads
-- the rows after the last id it saw, and a reconnecting tab resumes from its last id.
CREATE TABLE "live_events" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "user_id" UUID,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "live_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "live_events_created_at_idx" ON "live_events"("created_at");
