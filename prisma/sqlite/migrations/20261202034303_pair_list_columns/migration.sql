-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Pair" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "managerName" TEXT NOT NULL,
    "managerEmail" TEXT NOT NULL,
    "reportName" TEXT NOT NULL,
    "reportEmail" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "cadence" TEXT NOT NULL,
    "meetingTime" TEXT NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "formatNote" TEXT,
    "stageOffsets" TEXT NOT NULL,
    "feedbackEveryCycles" INTEGER NOT NULL,
    "skipNudgeAfter" INTEGER NOT NULL,
    "workingDays" TEXT,
    "calendarInvites" BOOLEAN,
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" DATETIME,
    "state" TEXT,
    "stateRevision" INTEGER NOT NULL DEFAULT 0,
    "stateUpdatedAt" DATETIME,
    "stateName" TEXT,
    "nextEventAt" DATETIME,
    "meetingAt" DATETIME,
    "consecutiveSkips" INTEGER NOT NULL DEFAULT 0,
    "chronicSkips" BOOLEAN NOT NULL DEFAULT false,
    "searchText" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_Pair" ("cadence", "calendarInvites", "createdAt", "durationMinutes", "endedAt", "feedbackEveryCycles", "formatNote", "id", "managerEmail", "managerName", "meetingTime", "reportEmail", "reportName", "skipNudgeAfter", "stageOffsets", "state", "stateRevision", "stateUpdatedAt", "status", "timeZone", "workingDays") SELECT "cadence", "calendarInvites", "createdAt", "durationMinutes", "endedAt", "feedbackEveryCycles", "formatNote", "id", "managerEmail", "managerName", "meetingTime", "reportEmail", "reportName", "skipNudgeAfter", "stageOffsets", "state", "stateRevision", "stateUpdatedAt", "status", "timeZone", "workingDays" FROM "Pair";
DROP TABLE "Pair";
ALTER TABLE "new_Pair" RENAME TO "Pair";
CREATE INDEX "Pair_managerName_createdAt_idx" ON "Pair"("managerName", "createdAt");
CREATE INDEX "Pair_reportName_createdAt_idx" ON "Pair"("reportName", "createdAt");
CREATE INDEX "Pair_nextEventAt_idx" ON "Pair"("nextEventAt");
CREATE INDEX "Pair_consecutiveSkips_idx" ON "Pair"("consecutiveSkips");
CREATE INDEX "Pair_stateName_status_idx" ON "Pair"("stateName", "status");
CREATE UNIQUE INDEX "Pair_managerEmail_reportEmail_key" ON "Pair"("managerEmail", "reportEmail");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Cycle_status_pairId_meetingAt_idx" ON "Cycle"("status", "pairId", "meetingAt");

-- CreateIndex
CREATE INDEX "Form_sentAt_idx" ON "Form"("sentAt");

-- CreateIndex
CREATE INDEX "OutboxEmail_status_pairId_idx" ON "OutboxEmail"("status", "pairId");

-- Backfill: the copies of the state's fields for pairs that wrote their state before these columns
-- existed (each pair's next write keeps them up to date), and the search text.
UPDATE "Pair" SET "searchText" = lower("managerName" || ' ' || "managerEmail" || ' ' || "reportName" || ' ' || "reportEmail");
UPDATE "Pair" SET "stateName" = json_extract("state", '$.state'), "consecutiveSkips" = COALESCE(json_extract("state", '$.consecutiveSkips'), 0) WHERE "state" IS NOT NULL AND json_valid("state");
UPDATE "Pair" SET "chronicSkips" = "consecutiveSkips" >= "skipNudgeAfter";
