-- The engine: its transitions (who moved it, from what, to what, why), its runs, and the
-- order intents that carry an idempotency id before anything is sent to a broker. The
-- configuration history and the transitions are append-only, enforced here as well as in
-- code: an UPDATE or DELETE of either table raises.
CREATE TABLE "engine_transitions" (
    "id" BIGSERIAL NOT NULL,
    "action" TEXT NOT NULL,
    "from_state" TEXT NOT NULL,
    "to_state" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "actor_user_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "engine_transitions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "engine_transitions_created_at_idx" ON "engine_transitions"("created_at");

CREATE TABLE "engine_runs" (
    "id" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "refusal" TEXT,
    "detail" TEXT,
    "intents" JSONB NOT NULL DEFAULT '[]',
    "actor" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "engine_runs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "engine_runs_started_at_idx" ON "engine_runs"("started_at");

CREATE TABLE "order_intents" (
    "id" UUID NOT NULL,
    "run_id" UUID,
    "source" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "account_hash" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "quantity" DECIMAL(20,8) NOT NULL,
    "order_type" TEXT NOT NULL DEFAULT 'MARKET',
    "limit_price" DECIMAL(20,8),
    "intended_price" DECIMAL(20,8) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "broker_order_id" TEXT,
    "filled_quantity" DECIMAL(20,8) NOT NULL DEFAULT 0,
    "average_fill_price" DECIMAL(20,8),
    "error" TEXT,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_intents_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "order_intents_broker_order_id_key" ON "order_intents"("broker_order_id");
-- One intent per symbol per run: a retried run can never create a second.
CREATE UNIQUE INDEX "order_intents_run_id_symbol_key" ON "order_intents"("run_id", "symbol");
CREATE INDEX "order_intents_status_idx" ON "order_intents"("status");
CREATE INDEX "order_intents_created_at_idx" ON "order_intents"("created_at");

-- A trade recorded from an intent points back to it; one trade per intent.
ALTER TABLE "live_trades" ADD COLUMN "intent_id" UUID;
ALTER TABLE "live_trades" ADD COLUMN "intended_price" DECIMAL(20,8);
CREATE UNIQUE INDEX "live_trades_intent_id_key" ON "live_trades"("intent_id");

CREATE FUNCTION "jutsu_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "config_history_append_only" BEFORE UPDATE OR DELETE ON "config_history" FOR EACH ROW EXECUTE FUNCTION "jutsu_append_only"();
CREATE TRIGGER "engine_transitions_append_only" BEFORE UPDATE OR DELETE ON "engine_transitions" FOR EACH ROW EXECUTE FUNCTION "jutsu_append_only"();
