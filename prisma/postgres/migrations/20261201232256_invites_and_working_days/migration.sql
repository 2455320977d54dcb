-- AlterTable
ALTER TABLE "OutboxEmail" ADD COLUMN     "calendar" TEXT;

-- AlterTable
ALTER TABLE "Pair" ADD COLUMN     "calendarInvites" BOOLEAN,
ADD COLUMN     "workingDays" TEXT;
