import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { VendorCaller, type VendorFailure } from '../common/http/vendor-caller.js';
import type { ProviderName, VendorCallOptions } from './cluster-provider.js';

export type { VendorFailure } from '../common/http/vendor-caller.js';

/** Turns a classified failure of a cluster vendor into the AppError the API and operations report. */
export function toAppError(vendor: ProviderName, action: string, f: VendorFailure): AppError {
  const details: Record<string, unknown> = {
    vendor,
    action,
    vendor_code: f.vendor_code,
    vendor_status: f.vendor_status,
    request_id: f.request_id,
  };
  switch (f.kind) {
    case 'credential':
      return new AppError(
        ErrorCode.VENDOR_CREDENTIAL_REJECTED,
        `${vendor} rejected the credential (${f.vendor_code ?? f.vendor_status}): check the key and secret`,
        {
          ...details,
          reason: 'credential_rejected',
        },
      );
    case 'not_found':
      return new AppError(ErrorCode.NOT_FOUND, `${vendor} ${action}: ${f.message}`, details);
    case 'throttled':
      return new AppError(
        ErrorCode.VENDOR_UNAVAILABLE,
        `${vendor} throttled ${action} (${f.vendor_code}); retried, still refused`,
        { ...details, reason: 'throttled' },
      );
    case 'unavailable':
    case 'refused':
      return new AppError(ErrorCode.VENDOR_UNAVAILABLE, `${vendor} ${action}: ${f.message}`, details);
    case 'timeout':
      return new AppError(ErrorCode.UPSTREAM_TIMEOUT, `${vendor} ${action} did not answer in time`, details);
    default:
      return new AppError(
        ErrorCode.VENDOR_API_ERROR,
        `${vendor} ${action} failed: ${f.vendor_code ? `${f.vendor_code}: ` : ''}${f.message}`,
        details,
      );
  }
}

/**
 * The one vendor caller (common/http) with a cluster vendor's classifier and the shared cluster-vendor
 * error mapping: every Rancher HTTP request and every ACK / TKE SDK call goes through one of these.
 */
export class ProviderCaller extends VendorCaller {
  constructor(vendor: ProviderName, opts: VendorCallOptions, classify: (e: unknown) => VendorFailure) {
    super(opts, { classify, toError: (f, action) => toAppError(vendor, action, f) }, vendor);
  }
}
