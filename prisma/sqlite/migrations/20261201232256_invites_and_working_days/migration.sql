-- AlterTable
ALTER TABLE "OutboxEmail" ADD COLUMN "calendar" TEXT;

-- AlterTable
ALTER TABLE "Pair" ADD COLUMN "calendarInvites" BOOLEAN;
ALTER TABLE "Pair" ADD COLUMN "workingDays" TEXT;
