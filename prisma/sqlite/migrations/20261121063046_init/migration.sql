-- CreateTable
CREATE TABLE "Pair" (
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
    "endedAt" DATETIME
);

-- CreateTable
CREATE TABLE "QuestionSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "scope" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "stages" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Cycle" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "meetingAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "skipReason" TEXT,
    "closedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Form" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "cycleNumber" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "recipientRole" TEXT NOT NULL,
    "questionSetId" TEXT NOT NULL,
    "questionSetVersion" INTEGER NOT NULL,
    "sentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME
);

-- CreateTable
CREATE TABLE "FormLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "formId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Answer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "formId" TEXT NOT NULL,
    "pairId" TEXT NOT NULL,
    "cycleNumber" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "respondentRole" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "submittedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deliveredAt" DATETIME
);

-- CreateTable
CREATE TABLE "ActionItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "cycleNumber" INTEGER NOT NULL,
    "sourceFormId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "doneInCycle" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Topic" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "addedByRole" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "forCycle" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "OutboxEmail" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "cycleNumber" INTEGER NOT NULL,
    "stage" TEXT NOT NULL,
    "recipientRole" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME
);

-- CreateTable
CREATE TABLE "PairEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "cycleNumber" INTEGER,
    "kind" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "Pair_managerEmail_reportEmail_key" ON "Pair"("managerEmail", "reportEmail");

-- CreateIndex
CREATE UNIQUE INDEX "QuestionSet_scope_version_key" ON "QuestionSet"("scope", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Cycle_pairId_number_key" ON "Cycle"("pairId", "number");

-- CreateIndex
CREATE INDEX "Form_pairId_idx" ON "Form"("pairId");

-- CreateIndex
CREATE UNIQUE INDEX "Form_pairId_cycleNumber_kind_key" ON "Form"("pairId", "cycleNumber", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "FormLink_tokenHash_key" ON "FormLink"("tokenHash");

-- CreateIndex
CREATE INDEX "FormLink_formId_idx" ON "FormLink"("formId");

-- CreateIndex
CREATE UNIQUE INDEX "Answer_formId_key" ON "Answer"("formId");

-- CreateIndex
CREATE INDEX "Answer_pairId_cycleNumber_idx" ON "Answer"("pairId", "cycleNumber");

-- CreateIndex
CREATE INDEX "ActionItem_pairId_done_idx" ON "ActionItem"("pairId", "done");

-- CreateIndex
CREATE INDEX "Topic_pairId_forCycle_idx" ON "Topic"("pairId", "forCycle");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxEmail_messageId_key" ON "OutboxEmail"("messageId");

-- CreateIndex
CREATE INDEX "OutboxEmail_pairId_cycleNumber_idx" ON "OutboxEmail"("pairId", "cycleNumber");

-- CreateIndex
CREATE INDEX "PairEvent_pairId_at_idx" ON "PairEvent"("pairId", "at");
