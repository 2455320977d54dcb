-- CreateTable
CREATE TABLE "BankQuestion" (
    "id" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "stage" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3),

    CONSTRAINT "BankQuestion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BankQuestion_archivedAt_idx" ON "BankQuestion"("archivedAt");
