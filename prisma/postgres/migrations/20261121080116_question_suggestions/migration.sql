-- CreateTable
CREATE TABLE "QuestionSuggestion" (
    "id" TEXT NOT NULL,
    "pairId" TEXT NOT NULL,
    "formId" TEXT NOT NULL,
    "byRole" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    "decidedBy" TEXT,

    CONSTRAINT "QuestionSuggestion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "QuestionSuggestion_pairId_status_idx" ON "QuestionSuggestion"("pairId", "status");
