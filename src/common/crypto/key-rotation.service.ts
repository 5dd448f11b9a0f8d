import { Injectable } from '@nestjs/common';
import { AppError } from '../app-error.js';
import { ErrorCode } from '../error-codes.js';
import {
  HandlesOperation,
  type OperationContext,
  type OperationHandler,
} from '../../operations/operation-handler.js';
import { OperationType } from '../../operations/operation-types.js';
import { SealedStores } from './sealed-stores.js';
import { SecretBox } from './secret-box.js';

const BATCH = 100;

export interface KeyUsage {
  active_key_id: string;
  sealed_by_key: Record<string, Record<string, number>>;
  not_under_active_key: number;
}

/**
 * Re-encrypts every sealed secret under the active key. Runs as the `secrets.reencrypt` operation
 * (POST /api/v1/secrets/reencrypt) or from the command line (npm run secrets:reencrypt). Resumable:
 * rows already under the active key are skipped, so a repeated run only does what is left.
 */
@Injectable()
@HandlesOperation(OperationType.SECRETS_REENCRYPT)
export class KeyRotationService implements OperationHandler {
  constructor(
    private readonly stores: SealedStores,
    private readonly box: SecretBox,
  ) {}

  async usage(): Promise<KeyUsage> {
    const sealed_by_key: Record<string, Record<string, number>> = {};
    let stale = 0;
    for (const column of this.stores.all()) {
      const counts = await this.stores.countByKey(column);
      sealed_by_key[column.table] = { ...(sealed_by_key[column.table] ?? {}), ...counts };
      for (const [key, n] of Object.entries(counts)) if (key !== this.box.activeKeyId) stale += n;
    }
    return { active_key_id: this.box.activeKeyId, sealed_by_key, not_under_active_key: stale };
  }

  async run(ctx?: Pick<OperationContext, 'progress'>): Promise<Record<string, unknown>> {
    const total = (await this.usage()).not_under_active_key;
    let resealed = 0;
    const failed: Record<string, string[]> = {};
    for (const column of this.stores.all()) {
      let after = '';
      for (;;) {
        const batch = await this.stores.resealBatch(column, after, BATCH);
        if (batch.processed === 0) break;
        resealed += batch.resealed;
        if (batch.failed.length) (failed[column.table] ??= []).push(...batch.failed);
        after = batch.after;
        await ctx?.progress(total ? (100 * resealed) / total : 99, `re-encrypted ${resealed} of ${total}`);
      }
    }
    const result = { active_key_id: this.box.activeKeyId, resealed, total };
    if (Object.keys(failed).length) {
      throw new AppError(
        ErrorCode.SECRET_UNREADABLE,
        'Some secrets could not be decrypted with the configured key ring; they keep their old encryption',
        { ...result, failed },
      );
    }
    return result;
  }
}
