import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';
import './audit/audit.decorator.js';
import type { ErrorEnvelope } from './envelope.js';
import { ERROR_CODE_DESCRIPTIONS, ErrorCode } from './error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { dependencyFailure, type DependencyEndpoints, dependencyEndpoints } from './dependency-errors.js';

const BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BAD_REQUEST,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  408: ErrorCode.REQUEST_TIMEOUT,
  409: ErrorCode.CONFLICT,
  412: ErrorCode.PRECONDITION_FAILED,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  414: ErrorCode.URI_TOO_LONG,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  422: ErrorCode.UNPROCESSABLE,
  429: ErrorCode.RATE_LIMITED,
  431: ErrorCode.HEADERS_TOO_LARGE,
  503: ErrorCode.DEPENDENCY_UNAVAILABLE,
  504: ErrorCode.UPSTREAM_TIMEOUT,
};

interface Rendered {
  status: number;
  body: Omit<ErrorEnvelope, 'request_id'>;
  headers?: Record<string, string>;
}

/** Turns any thrown value into Berth's error envelope. Stack traces and SQL never leave the process. */
export function renderError(
  err: unknown,
  logger: Logger,
  requestId: string,
  endpoints: DependencyEndpoints = {},
): Rendered {
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: { code: err.code, message: err.message, data: err.details },
      headers: err.headers,
    };
  }
  const unavailable = dependencyFailure(err, endpoints, logger, requestId);
  if (unavailable) return unavailable;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = BY_STATUS[status];
    if (status === 415) return unsupportedMediaType();
    if (code !== undefined) {
      const res = err.getResponse();
      const message =
        status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /.test(err.message)
          ? err.message.replace(/^Cannot/, 'No route for')
          : typeof res === 'object' && res && 'message' in res && typeof res.message === 'string'
            ? res.message
            : err.message;
      const finalCode =
        status === 404 && message.startsWith('No route for') ? ErrorCode.ROUTE_NOT_FOUND : code;
      return { status, body: { code: finalCode, message: humanize(message, finalCode), data: null } };
    }
  }
  // Errors raised by Fastify itself (body parsing, content type, body size) carry a 4xx statusCode.
  const fst = err as { statusCode?: number; code?: string; message?: string };
  if (
    typeof fst?.statusCode === 'number' &&
    fst.statusCode >= 400 &&
    fst.statusCode < 500 &&
    BY_STATUS[fst.statusCode]
  ) {
    const code = BY_STATUS[fst.statusCode];
    if (fst.statusCode === 415) return unsupportedMediaType();
    return { status: fst.statusCode, body: { code, message: humanize(fst.message ?? '', code), data: null } };
  }
  const pg = err as { code?: string; constraint?: string; name?: string };
  if (pg?.name === 'QueryFailedError' && pg.code === '23505') {
    return {
      status: 409,
      body: { code: ErrorCode.CONFLICT, message: 'The resource already exists', data: null },
    };
  }
  if (pg?.name === 'QueryFailedError' && pg.code === '23503') {
    return {
      status: 409,
      body: { code: ErrorCode.CONFLICT, message: 'The resource is still used by other records', data: null },
    };
  }
  logger.error({ err: serializeError(err), request_id: requestId }, 'unhandled error');
  return {
    status: 500,
    body: {
      code: ErrorCode.INTERNAL,
      message: `Internal error; quote request id ${requestId} when reporting it`,
      data: null,
    },
  };
}

/** Berth reads JSON bodies only (a form or text body is not "a field error"). */
function unsupportedMediaType(): Rendered {
  return {
    status: 415,
    body: {
      code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      message: 'Unsupported content type: send the body as application/json',
      data: { expected: 'application/json' },
    },
  };
}

function humanize(message: string, code: ErrorCode): string {
  const m = message.trim();
  return m ? m.charAt(0).toUpperCase() + m.slice(1) : ERROR_CODE_DESCRIPTIONS[code];
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');
  private readonly endpoints: DependencyEndpoints;

  constructor(@Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    this.endpoints = config ? dependencyEndpoints(config) : {};
  }

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { status, body, headers } = renderError(err, this.logger, req.id, this.endpoints);
    req.audit = { ...req.audit, errorCode: body.code };
    reply.status(status);
    if (headers) reply.headers(headers);
    void reply.send({ ...body, request_id: req.id } satisfies ErrorEnvelope);
  }
}
