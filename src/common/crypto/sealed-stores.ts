import { Injectable } from '@nestjs/common';

export interface ResealBatch {
  /** Rows looked at in this batch (0 = the store is done). */
  processed: number;
  resealed: number;
  /** Ids of rows that could not be decrypted with the key ring. */
  failed: string[];
  /** Cursor for the next batch. */
  after: string;
}

/** A table holding sealed secrets. Every such table registers itself so key rotation reaches it. */
export interface SealedStore {
  readonly storeName: string;
  /** Sealed values per key id. */
  countByKey(): Promise<Record<string, number>>;
  /** Re-seals, under the active key, up to `limit` rows with id > `after` that are sealed under another key. */
  resealBatch(after: string, limit: number): Promise<ResealBatch>;
}

@Injectable()
export class SealedStores {
  private readonly stores: SealedStore[] = [];

  register(store: SealedStore): void {
    if (!this.stores.includes(store)) this.stores.push(store);
  }

  all(): readonly SealedStore[] {
    return this.stores;
  }
}
