-- CreateTable
CREATE TABLE "QuestionSuggestion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "formId" TEXT NOT NULL,
    "byRole" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" DATETIME,
    "decidedBy" TEXT
);

-- CreateIndex
CREATE INDEX "QuestionSuggestion_pairId_status_idx" ON "QuestionSuggestion"("pairId", "status");
