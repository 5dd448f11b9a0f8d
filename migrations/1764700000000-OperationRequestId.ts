import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The request id of the API request that started an operation, so its state-change log lines name it. */
export class OperationRequestId1764700000000 implements MigrationInterface {
  name = 'OperationRequestId1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE operations ADD COLUMN request_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE operations DROP COLUMN request_id');
  }
}
