-- AlterTable
ALTER TABLE "Answer" ADD COLUMN     "submissionId" TEXT;

-- AlterTable
ALTER TABLE "Pair" ADD COLUMN     "state" TEXT,
ADD COLUMN     "stateRevision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "stateUpdatedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Topic" ALTER COLUMN "forCycle" DROP NOT NULL;

-- CreateTable
CREATE TABLE "PairNote" (
    "id" TEXT NOT NULL,
    "pairId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PairNote_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PairNote_pairId_idx" ON "PairNote"("pairId");
