-- AlterTable
ALTER TABLE "Answer" ADD COLUMN     "deliveryError" TEXT;

-- CreateTable
CREATE TABLE "PairLink" (
    "id" TEXT NOT NULL,
    "pairId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PairLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PairLink_tokenHash_key" ON "PairLink"("tokenHash");

-- CreateIndex
CREATE INDEX "PairLink_pairId_idx" ON "PairLink"("pairId");
