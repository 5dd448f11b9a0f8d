import { describe, expect, it } from '@jest/globals';
import { ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { ProviderCaller, toAppError } from '../vendor-call.js';
import { classifyAckError } from './ack-errors.js';

const sdkError = (Cls: typeof ClientError, statusCode: number, code: string, message = 'm') =>
  new Cls({ statusCode, code, message, data: { code, message, requestId: 'REQ-1' }, requestId: 'REQ-1' });

describe('ACK error mapping', () => {
  it.each([
    [ClientError, 400, 'SignatureDoesNotMatch', 'credential', ErrorCode.VENDOR_CREDENTIAL_REJECTED],
    [ClientError, 404, 'InvalidAccessKeyId.NotFound', 'credential', ErrorCode.VENDOR_CREDENTIAL_REJECTED],
    [ThrottlingError, 400, 'Throttling.User', 'throttled', ErrorCode.VENDOR_UNAVAILABLE],
    [ClientError, 404, 'ErrorClusterNotFound', 'not_found', ErrorCode.NOT_FOUND],
    [ClientError, 400, 'ErrorClusterState', 'client', ErrorCode.VENDOR_API_ERROR],
    [ServerError, 500, 'InternalError', 'server', ErrorCode.VENDOR_API_ERROR],
    [ServerError, 503, 'ServiceUnavailable', 'unavailable', ErrorCode.VENDOR_UNAVAILABLE],
  ] as const)('%p %p %s → %s → %s', (Cls, status, code, kind, berth) => {
    const f = classifyAckError(sdkError(Cls as typeof ClientError, status, code));
    expect(f).toMatchObject({ kind, vendor_code: code, vendor_status: status, request_id: 'REQ-1' });
    const e = toAppError('ack', 'CreateCluster', f);
    expect(e.code).toBe(berth);
    expect(e.details).toMatchObject({
      vendor: 'ack',
      action: 'CreateCluster',
      vendor_code: code,
      request_id: 'REQ-1',
    });
    if (kind === 'credential') expect(e.details).toMatchObject({ reason: 'credential_rejected' });
  });

  it('retries idempotent calls on 5xx, non-idempotent calls only on throttling', async () => {
    const caller = new ProviderCaller(
      'ack',
      { timeoutMs: 1000, attempts: 3, backoffMs: 1 },
      classifyAckError,
    );
    let n = 0;
    const flaky = (e: Error) => async () => {
      if (++n < 3) throw e;
      return 'ok';
    };
    await expect(
      caller.call('DescribeClusterDetail', flaky(sdkError(ServerError, 500, 'InternalError')), {
        idempotent: true,
      }),
    ).resolves.toBe('ok');
    expect(n).toBe(3);
    n = 0;
    const create = caller.call('CreateCluster', flaky(sdkError(ServerError, 500, 'InternalError')), {
      idempotent: false,
    });
    await expect(create).rejects.toMatchObject({ code: ErrorCode.VENDOR_API_ERROR });
    expect(n).toBe(1);
    n = 0;
    await expect(
      caller.call('CreateCluster', flaky(sdkError(ThrottlingError, 400, 'Throttling.User')), {
        idempotent: false,
      }),
    ).resolves.toBe('ok');
    n = -10;
    const exhausted = await caller
      .call('CreateCluster', flaky(sdkError(ThrottlingError, 400, 'Throttling.User')), { idempotent: false })
      .catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(AppError);
    expect((exhausted as AppError).details).toMatchObject({
      reason: 'throttled',
      vendor_code: 'Throttling.User',
    });
  });

  it('bounds every call with a deadline (504) and maps refused connections to 503', async () => {
    const caller = new ProviderCaller('ack', { timeoutMs: 50, attempts: 1, backoffMs: 1 }, classifyAckError);
    const hung = await caller
      .call('DescribeTaskInfo', () => new Promise(() => undefined), { idempotent: true })
      .catch((e: unknown) => e);
    expect((hung as AppError).code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const down = await caller
      .call('DescribeTaskInfo', () => Promise.reject(refused), { idempotent: true })
      .catch((e: unknown) => e);
    expect((down as AppError).code).toBe(ErrorCode.VENDOR_UNAVAILABLE);
  });
});
