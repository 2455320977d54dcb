-- AlterTable
ALTER TABLE "Answer" ADD COLUMN "deliveryError" TEXT;

-- CreateTable
CREATE TABLE "PairLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pairId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "PairLink_tokenHash_key" ON "PairLink"("tokenHash");

-- CreateIndex
CREATE INDEX "PairLink_pairId_idx" ON "PairLink"("pairId");
