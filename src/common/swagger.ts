import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CODE_DESCRIPTIONS, ErrorCode } from './error-codes.js';

export class ErrorEnvelopeDto {
  @ApiProperty({
    enum: ErrorCode,
    enumName: 'ErrorCode',
    description: Object.entries(ERROR_CODE_DESCRIPTIONS)
      .map(([code, text]) => `${code}: ${text}`)
      .join('\n\n'),
    example: ErrorCode.NOT_FOUND,
  })
  code: ErrorCode;

  @ApiProperty({ example: 'credential 3f1c… not found' })
  message: string;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    properties: {
      fields: {
        type: 'array',
        description: 'Validation errors (code 40001): each bad field and what is wrong with it',
        items: {
          type: 'object',
          required: ['field', 'errors'],
          properties: {
            field: { type: 'string', description: 'Path of the field (e.g. `spec.vpc_id`, `page_size`)' },
            errors: { type: 'array', items: { type: 'string' }, description: 'What is wrong with it' },
          },
        },
      },
    },
    description:
      'Details, or null. Validation errors (40001) carry `fields: [{field, errors}]`; others may add context (e.g. `kube_status`).',
  })
  data: Record<string, unknown> | null;

  @ApiProperty({ description: 'Request id, also sent as the X-Request-Id header', example: 'c0a8012e-…' })
  request_id: string;
}

/** A documented model: a class, or a raw schema (e.g. a `$ref` to a live-object schema). */
type Model = Type<unknown> | Record<string, unknown>;
const isClass = (m: Model): m is Type<unknown> => typeof m === 'function';
const modelSchema = (m: Model) => (isClass(m) ? { $ref: getSchemaPath(m) } : m);
const extraModels = (...models: (Model | null | undefined)[]) =>
  models.filter((m): m is Type<unknown> => !!m && isClass(m)).map((m) => ApiExtraModels(m));

function envelopeSchema(data: Record<string, unknown>) {
  return {
    type: 'object',
    required: ['code', 'message', 'data'],
    properties: {
      code: { type: 'integer', example: 0 },
      message: { type: 'string', example: 'ok' },
      data,
    },
  };
}

/** Documents a `{code: 0, message, data: <model>}` response (model null → data is null). */
export function ApiOkEnvelope(model: Model | null, opts: { status?: number; description?: string } = {}) {
  const data = model ? modelSchema(model) : { type: 'object', nullable: true, example: null };
  return applyDecorators(
    ...extraModels(model),
    ApiResponse({
      status: opts.status ?? 200,
      description: opts.description ?? 'Success',
      schema: envelopeSchema(data),
    }),
  );
}

/** Documents a paginated list response (with optional extra properties beside the page fields). */
export function ApiPageEnvelope(
  model: Model,
  description = 'One page of the list',
  extra: { name: string; model: Type<unknown>; description: string } | null = null,
  props: Record<string, Record<string, unknown>> = {},
  required: string[] = [],
) {
  return applyDecorators(
    ...extraModels(model, extra?.model),
    ApiResponse({
      status: 200,
      description,
      schema: envelopeSchema({
        type: 'object',
        required: [
          'cur_page',
          'cur_page_size',
          'total',
          'total_page',
          'data',
          ...(extra ? [extra.name] : []),
          ...required,
        ],
        properties: {
          cur_page: { type: 'integer', example: 1 },
          cur_page_size: { type: 'integer', example: 20 },
          total: { type: 'integer', example: 42 },
          total_page: { type: 'integer', example: 3 },
          data: { type: 'array', items: modelSchema(model) },
          ...(extra
            ? {
                [extra.name]: {
                  type: 'array',
                  description: extra.description,
                  items: { $ref: getSchemaPath(extra.model) },
                },
              }
            : {}),
          ...props,
        },
      }),
    }),
  );
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (code 40001 lists each bad field)',
  401: 'Missing, invalid, expired or revoked bearer token',
  403: 'The caller’s role does not allow this',
  404: 'Not found',
  405: 'The resource type does not support this verb',
  408: 'The request was not received in time',
  409: 'Conflict with the current state',
  412: 'Precondition failed',
  422: 'Well-formed but refused',
  426: 'A WebSocket upgrade is required',
  429: 'Rate limited',
  502: 'The vendor or cluster answered with an error',
  503: 'The cluster, vendor or a dependency is unreachable',
  504: 'The cluster or vendor did not answer in time',
};

const REQUEST_ID = '6f1d2c3b-8a4e-4f0b-9c2d-1e5a7b9c0d3f';
const err = (code: ErrorCode, message: string, data: Record<string, unknown> | null = null) => ({
  code,
  message,
  data,
  request_id: REQUEST_ID,
});

/** A real answer of Berth for each error status (the shapes the exception filter renders). */
export const ERROR_EXAMPLES: Record<number, ReturnType<typeof err>> = {
  400: err(ErrorCode.VALIDATION_FAILED, 'Validation failed: name is invalid', {
    fields: [{ field: 'name', errors: ['name must be 1-63 lowercase letters, digits or "-"'] }],
  }),
  401: err(ErrorCode.UNAUTHENTICATED, 'A bearer token is required (Authorization: Bearer <token>)'),
  403: err(ErrorCode.FORBIDDEN, 'This action needs the operator role; you are viewer'),
  404: err(ErrorCode.NOT_FOUND, 'cluster 3f1c2a4e-9b1d-4c7e-8f2a-5d6b7c8e9f01 not found', {
    kind: 'cluster',
    id: '3f1c2a4e-9b1d-4c7e-8f2a-5d6b7c8e9f01',
  }),
  405: err(ErrorCode.METHOD_NOT_ALLOWED, 'tokenreviews does not support "list"', {
    resource: 'tokenreviews',
    verbs: ['create'],
  }),
  408: err(ErrorCode.REQUEST_TIMEOUT, 'The request was not received in time'),
  409: err(ErrorCode.CONFLICT, 'cluster prod-hz already exists'),
  412: err(ErrorCode.PRECONDITION_FAILED, 'project team-a still holds 3 repositories; send force=true'),
  415: err(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the body as application/json', {
    expected: 'application/json',
  }),
  422: err(ErrorCode.UNPROCESSABLE, 'imported clusters have no vendor: this needs a vendor cluster'),
  426: err(
    ErrorCode.UPGRADE_REQUIRED,
    'This route is a WebSocket: send GET with Connection: Upgrade, Upgrade: websocket and a Kubernetes channel subprotocol',
  ),
  429: err(ErrorCode.RATE_LIMITED, 'Too many failed logins; retry in 60 s', { retry_after_seconds: 60 }),
  500: err(
    ErrorCode.INTERNAL,
    'Internal error; quote request id 7c9e6679-7425-40de-944b-e07fc1f90ae7 when reporting it',
  ),
  502: err(ErrorCode.VENDOR_API_ERROR, 'ack answered DescribeClustersV1 with an error: Throttling.User'),
  503: err(ErrorCode.CLUSTER_UNREACHABLE, 'Cluster prod-hz is unreachable'),
  504: err(ErrorCode.UPSTREAM_TIMEOUT, 'Cluster prod-hz did not answer within 10000 ms'),
};

/** Documents error responses with the shared error envelope, each status with its own example. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_TEXT[status] ?? 'Error',
        type: ErrorEnvelopeDto,
        ...(ERROR_EXAMPLES[status] ? { example: ERROR_EXAMPLES[status] } : {}),
      }),
    ),
  );
}
