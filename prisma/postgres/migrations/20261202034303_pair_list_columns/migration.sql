-- AlterTable
ALTER TABLE "Pair" ADD COLUMN     "chronicSkips" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "consecutiveSkips" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "meetingAt" TIMESTAMP(3),
ADD COLUMN     "nextEventAt" TIMESTAMP(3),
ADD COLUMN     "searchText" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "stateName" TEXT;

-- CreateIndex
CREATE INDEX "Cycle_status_pairId_meetingAt_idx" ON "Cycle"("status", "pairId", "meetingAt");

-- CreateIndex
CREATE INDEX "Form_sentAt_idx" ON "Form"("sentAt");

-- CreateIndex
CREATE INDEX "OutboxEmail_status_pairId_idx" ON "OutboxEmail"("status", "pairId");

-- CreateIndex
CREATE INDEX "Pair_managerName_createdAt_idx" ON "Pair"("managerName", "createdAt");

-- CreateIndex
CREATE INDEX "Pair_reportName_createdAt_idx" ON "Pair"("reportName", "createdAt");

-- CreateIndex
CREATE INDEX "Pair_nextEventAt_idx" ON "Pair"("nextEventAt");

-- CreateIndex
CREATE INDEX "Pair_consecutiveSkips_idx" ON "Pair"("consecutiveSkips");

-- CreateIndex
CREATE INDEX "Pair_stateName_status_idx" ON "Pair"("stateName", "status");

-- Backfill: the copies of the state's fields for pairs that wrote their state before these columns
-- existed (each pair's next write keeps them up to date), and the search text.
UPDATE "Pair" SET "searchText" = lower("managerName" || ' ' || "managerEmail" || ' ' || "reportName" || ' ' || "reportEmail");
UPDATE "Pair" SET "stateName" = ("state"::jsonb ->> 'state'), "consecutiveSkips" = COALESCE(("state"::jsonb ->> 'consecutiveSkips')::int, 0) WHERE "state" IS NOT NULL;
UPDATE "Pair" SET "chronicSkips" = "consecutiveSkips" >= "skipNudgeAfter";
