-- Dashboard read side: the latest balances per account (written by the Schwab sync), each
-- position's day P&L, external cash flows for time-weighted returns, and indexes for the
-- trade history's keyset pagination and filters.
ALTER TABLE "brokerage_accounts" ADD COLUMN "liquidation_value" DECIMAL(20,8);
ALTER TABLE "brokerage_accounts" ADD COLUMN "cash" DECIMAL(20,8);
ALTER TABLE "brokerage_accounts" ADD COLUMN "buying_power" DECIMAL(20,8);
ALTER TABLE "brokerage_accounts" ADD COLUMN "long_market_value" DECIMAL(20,8);
ALTER TABLE "brokerage_accounts" ADD COLUMN "balances_at" TIMESTAMPTZ(6);

ALTER TABLE "positions" ADD COLUMN "day_pnl" DECIMAL(20,8);

CREATE TABLE "cash_flows" (
    "id" BIGSERIAL NOT NULL,
    "account_hash" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "amount" DECIMAL(20,8) NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'transfer',
    "external_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cash_flows_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "cash_flows_external_id_key" ON "cash_flows"("external_id");
CREATE INDEX "cash_flows_account_hash_occurred_at_idx" ON "cash_flows"("account_hash", "occurred_at");
CREATE INDEX "cash_flows_occurred_at_idx" ON "cash_flows"("occurred_at");

CREATE INDEX "live_trades_executed_at_id_idx" ON "live_trades"("executed_at" DESC, "id" DESC);
CREATE INDEX "live_trades_is_paper_executed_at_id_idx" ON "live_trades"("is_paper", "executed_at" DESC, "id" DESC);
CREATE INDEX "live_trades_status_executed_at_idx" ON "live_trades"("status", "executed_at" DESC);
