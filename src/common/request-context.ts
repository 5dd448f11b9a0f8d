import { AsyncLocalStorage } from 'node:async_hooks';

/** What code running for an API request may know about it without being handed the request. */
export interface RequestContext {
  requestId: string;
  /** When the request arrived (performance.now() ms): request-wide deadlines count from it. */
  startedAt?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (the rest of a request's handling) with its context. */
export function runInRequestContext(ctx: RequestContext, fn: () => void): void {
  storage.run(ctx, fn);
}

/** The id of the API request this code runs for; undefined outside requests (workers, timers). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** When the API request this code runs for arrived (performance.now() ms); undefined outside requests. */
export function currentRequestStart(): number | undefined {
  return storage.getStore()?.startedAt;
}
