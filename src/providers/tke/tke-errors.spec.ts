import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../../common/error-codes.js';
import { toAppError } from '../vendor-call.js';
import { classifyTkeError } from './tke-errors.js';

// What TencentCloudSDKHttpException carries: code, message, requestId (TKE errors arrive as HTTP 200).
const sdkError = (code: string) =>
  Object.assign(new Error(`[TencentCloudSDKException] ${code}`), { code, requestId: 'rid-1' });

describe('TKE error mapping', () => {
  it.each([
    ['AuthFailure.SignatureFailure', 'credential', ErrorCode.VENDOR_CREDENTIAL_REJECTED],
    ['AuthFailure.SecretIdNotFound', 'credential', ErrorCode.VENDOR_CREDENTIAL_REJECTED],
    ['RequestLimitExceeded', 'throttled', ErrorCode.VENDOR_UNAVAILABLE],
    ['ResourceNotFound.ClusterNotFound', 'not_found', ErrorCode.NOT_FOUND],
    ['ResourceUnavailable.ClusterState', 'client', ErrorCode.VENDOR_API_ERROR],
    ['OperationDenied.ClusterInDeletionProtection', 'client', ErrorCode.VENDOR_API_ERROR],
    ['InternalError', 'server', ErrorCode.VENDOR_API_ERROR],
  ] as const)('%s → %s → %s', (code, kind, berth) => {
    const f = classifyTkeError(sdkError(code));
    expect(f).toMatchObject({ kind, vendor_code: code, request_id: 'rid-1' });
    const e = toAppError('tke', 'CreateCluster', f);
    expect(e.code).toBe(berth);
    expect(e.details).toMatchObject({ vendor: 'tke', vendor_code: code, request_id: 'rid-1' });
  });
});
