/**
 * Berth's one error-code enum. The envelope `code` refines the HTTP status, it never replaces it:
 * the first three digits of a code are its HTTP status, the last two tell cases of that status apart.
 */
export enum ErrorCode {
  OK = 0,
  BAD_REQUEST = 40000,
  VALIDATION_FAILED = 40001,
  INVALID_ID = 40002,
  UNAUTHENTICATED = 40100,
  INVALID_CREDENTIALS = 40101,
  TOKEN_REVOKED = 40102,
  FORBIDDEN = 40300,
  NOT_FOUND = 40400,
  ROUTE_NOT_FOUND = 40401,
  RESOURCE_TYPE_UNKNOWN = 40402,
  METRICS_UNAVAILABLE = 40403,
  METHOD_NOT_ALLOWED = 40500,
  REQUEST_TIMEOUT = 40800,
  CONFLICT = 40900,
  IDEMPOTENCY_KEY_REUSED = 40901,
  PRECONDITION_FAILED = 41200,
  PAYLOAD_TOO_LARGE = 41300,
  URI_TOO_LONG = 41400,
  UNSUPPORTED_MEDIA_TYPE = 41500,
  UNPROCESSABLE = 42200,
  KUBECONFIG_REFUSED = 42201,
  CLUSTER_CREDENTIAL_REJECTED = 42202,
  APPLY_FAILED = 42203,
  OUTBOUND_ADDRESS_REFUSED = 42210,
  NOT_KUBERNETES = 42211,
  UPGRADE_REQUIRED = 42600,
  RATE_LIMITED = 42900,
  HEADERS_TOO_LARGE = 43100,
  INTERNAL = 50000,
  SECRET_UNREADABLE = 50001,
  VENDOR_API_ERROR = 50200,
  CLUSTER_API_ERROR = 50201,
  VENDOR_CREDENTIAL_REJECTED = 50202,
  DEPENDENCY_UNAVAILABLE = 50300,
  CLUSTER_UNREACHABLE = 50301,
  VENDOR_UNAVAILABLE = 50302,
  UPSTREAM_TIMEOUT = 50400,
}

export const ERROR_CODE_DESCRIPTIONS: Record<ErrorCode, string> = {
  [ErrorCode.OK]: 'Success',
  [ErrorCode.BAD_REQUEST]: 'The request is malformed (bad JSON, bad query)',
  [ErrorCode.VALIDATION_FAILED]: 'One or more fields are invalid; data.fields lists each one',
  [ErrorCode.INVALID_ID]: 'A path id is not a valid UUID',
  [ErrorCode.UNAUTHENTICATED]: 'No valid bearer token',
  [ErrorCode.INVALID_CREDENTIALS]: 'Wrong username or password',
  [ErrorCode.TOKEN_REVOKED]: 'The bearer token was revoked (logout, user disabled or changed)',
  [ErrorCode.FORBIDDEN]: 'The caller’s role does not allow this',
  [ErrorCode.NOT_FOUND]: 'The resource does not exist (or the caller may not see it)',
  [ErrorCode.ROUTE_NOT_FOUND]: 'No such route',
  [ErrorCode.RESOURCE_TYPE_UNKNOWN]: 'The cluster’s discovery does not list this resource type',
  [ErrorCode.METRICS_UNAVAILABLE]: 'The cluster does not serve metrics.k8s.io (no metrics-server)',
  [ErrorCode.METHOD_NOT_ALLOWED]: 'The route does not accept this method',
  [ErrorCode.REQUEST_TIMEOUT]: 'The request was not received in time',
  [ErrorCode.CONFLICT]: 'The resource already exists or is in a conflicting state',
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 'The Idempotency-Key was already used for a different request',
  [ErrorCode.PRECONDITION_FAILED]: 'A precondition of the operation does not hold',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'The request body is too large',
  [ErrorCode.URI_TOO_LONG]: 'A path parameter is too long',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]:
    'The request body has an unsupported content type (Berth reads application/json)',
  [ErrorCode.UNPROCESSABLE]: 'The request is well-formed but cannot be processed',
  [ErrorCode.KUBECONFIG_REFUSED]: 'The kubeconfig uses a form Berth refuses (exec, auth-provider, files)',
  [ErrorCode.CLUSTER_CREDENTIAL_REJECTED]: 'The cluster rejected the credential given for it',
  [ErrorCode.APPLY_FAILED]: 'No object of the manifest could be applied; data.results says why',
  [ErrorCode.OUTBOUND_ADDRESS_REFUSED]:
    'The URL resolves to an address Berth may not connect to (loopback, link-local, cloud metadata or BERTH_OUTBOUND_DENY); data.field names it',
  [ErrorCode.NOT_KUBERNETES]:
    'The server answered, but not as a Kubernetes API server does; never saved, even with force',
  [ErrorCode.RATE_LIMITED]: 'Too many requests; retry after the Retry-After header',
  [ErrorCode.UPGRADE_REQUIRED]:
    'The route is a WebSocket (exec, attach, port-forward): send the upgrade handshake',
  [ErrorCode.HEADERS_TOO_LARGE]: 'The request headers are too large',
  [ErrorCode.INTERNAL]: 'Unexpected server error; quote the request_id when reporting it',
  [ErrorCode.SECRET_UNREADABLE]: 'A stored secret cannot be decrypted with the configured key ring',
  [ErrorCode.VENDOR_API_ERROR]: 'The vendor API answered with an error',
  [ErrorCode.CLUSTER_API_ERROR]: 'The cluster’s API server answered with an unexpected error',
  [ErrorCode.VENDOR_CREDENTIAL_REJECTED]:
    'The vendor rejected the stored credential (wrong key or secret); data.vendor_code says how',
  [ErrorCode.DEPENDENCY_UNAVAILABLE]: 'Postgres or Redis is unavailable',
  [ErrorCode.CLUSTER_UNREACHABLE]: 'The cluster’s API server cannot be reached',
  [ErrorCode.VENDOR_UNAVAILABLE]: 'The vendor API cannot be reached',
  [ErrorCode.UPSTREAM_TIMEOUT]: 'A cluster or vendor did not answer within the timeout',
};

export function statusOf(code: ErrorCode): number {
  return Math.floor(code / 100);
}
