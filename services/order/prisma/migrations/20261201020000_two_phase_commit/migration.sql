-- The two-phase commit beside the two sagas: the coordinator (this service) logs each order's
-- distributed transaction here, its decision before phase two.

-- AlterEnum
ALTER TYPE "TransactionModel" ADD VALUE 'two-phase-commit';

-- CreateEnum
CREATE TYPE "TwoPhaseDecision" AS ENUM ('COMMIT', 'ABORT');

-- CreateTable
CREATE TABLE "two_phase_commits" (
    "order_id" UUID NOT NULL,
    "participants" TEXT[],
    "decision" "TwoPhaseDecision",
    "reason" TEXT,
    "coordinator" TEXT NOT NULL,
    "lease_until" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "two_phase_commits_pkey" PRIMARY KEY ("order_id")
);

-- CreateIndex
CREATE INDEX "two_phase_commits_completed_at_lease_until_idx" ON "two_phase_commits"("completed_at", "lease_until");

-- AddForeignKey
ALTER TABLE "two_phase_commits" ADD CONSTRAINT "two_phase_commits_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
