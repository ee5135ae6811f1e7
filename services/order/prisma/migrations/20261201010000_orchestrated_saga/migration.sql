-- The orchestrated saga beside the choreography: each order says which model runs it, and an
-- orchestrated order has a saga instance its manager changes with every command it sends.

-- CreateEnum
CREATE TYPE "TransactionModel" AS ENUM ('choreography', 'orchestration');

-- CreateEnum
CREATE TYPE "SagaState" AS ENUM ('RESERVING_CREDIT', 'CHARGING_PAYMENT', 'SCHEDULING_DELIVERY', 'REFUNDING_PAYMENT', 'RELEASING_CREDIT', 'APPROVED', 'REJECTED', 'CANCELLED');

-- AlterTable
ALTER TABLE "orders" ADD COLUMN "transaction" "TransactionModel" NOT NULL DEFAULT 'choreography';

-- CreateIndex
CREATE INDEX "orders_transaction_created_at_idx" ON "orders"("transaction", "created_at");

-- CreateTable
CREATE TABLE "saga_instances" (
    "order_id" UUID NOT NULL,
    "state" "SagaState" NOT NULL,
    "compensation_reason" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saga_instances_pkey" PRIMARY KEY ("order_id")
);

-- AddForeignKey
ALTER TABLE "saga_instances" ADD CONSTRAINT "saga_instances_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
