-- AlterTable
ALTER TABLE "Answer" ADD COLUMN "submissionId" TEXT;

-- CreateTable
CREATE TABLE "PairNote" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

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
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" DATETIME,
    "state" TEXT,
    "stateRevision" INTEGER NOT NULL DEFAULT 0,
    "stateUpdatedAt" DATETIME
);
INSERT INTO "new_Pair" ("cadence", "createdAt", "durationMinutes", "endedAt", "feedbackEveryCycles", "formatNote", "id", "managerEmail", "managerName", "meetingTime", "reportEmail", "reportName", "skipNudgeAfter", "stageOffsets", "status", "timeZone") SELECT "cadence", "createdAt", "durationMinutes", "endedAt", "feedbackEveryCycles", "formatNote", "id", "managerEmail", "managerName", "meetingTime", "reportEmail", "reportName", "skipNudgeAfter", "stageOffsets", "status", "timeZone" FROM "Pair";
DROP TABLE "Pair";
ALTER TABLE "new_Pair" RENAME TO "Pair";
CREATE UNIQUE INDEX "Pair_managerEmail_reportEmail_key" ON "Pair"("managerEmail", "reportEmail");
CREATE TABLE "new_Topic" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "addedByRole" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "forCycle" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Topic" ("addedByRole", "createdAt", "forCycle", "id", "pairId", "text") SELECT "addedByRole", "createdAt", "forCycle", "id", "pairId", "text" FROM "Topic";
DROP TABLE "Topic";
ALTER TABLE "new_Topic" RENAME TO "Topic";
CREATE INDEX "Topic_pairId_forCycle_idx" ON "Topic"("pairId", "forCycle");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "PairNote_pairId_idx" ON "PairNote"("pairId");
