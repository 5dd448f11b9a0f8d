import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/role.js';
import { runInRequestContext } from './request-context.js';

/** The longest error body read back for the log line (error envelopes are far smaller). */
const MAX_ERROR_BODY = 16 * 1024;

interface Failure {
  code: unknown;
  message: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error envelope's code and message, read from the answer of a failed request (for its log line). */
    failure?: Failure;
  }
}

/**
 * One log line per request (Fastify's own "incoming request" / "request completed" pair is disabled):
 * request id, method, route, status, duration, user, and for 4xx/5xx answers the error code and
 * message. Also enters the request context (request id) for the handler, so operations started by it
 * record the id.
 */
export function registerRequestLog(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (req, reply, done) =>
    runInRequestContext({ requestId: req.id, startedAt: performance.now() - reply.elapsedTime }, done),
  );
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && payload.length <= MAX_ERROR_BODY) {
      try {
        const body = JSON.parse(payload) as Partial<Failure> | null;
        if (body && typeof body === 'object') req.failure = { code: body.code, message: body.message };
      } catch {
        /* not an envelope */
      }
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    logResponse(req, reply);
    done();
  });
}

function logResponse(req: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  const user = (req as FastifyRequest & { user?: AuthUser }).user;
  const line: Record<string, unknown> = {
    method: req.method,
    route: req.routeOptions?.url ?? null,
    url: req.url.split('?')[0],
    status,
    duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    // A refused login has no user yet, only the name it tried.
    user: user
      ? { id: user.id, username: user.username }
      : req.audit?.actorName
        ? { id: null, username: req.audit.actorName }
        : null,
  };
  if (status >= 400) {
    line.error_code = req.failure?.code ?? req.audit?.errorCode ?? null;
    line.error_message = req.failure?.message ?? null;
  }
  if (status >= 500) req.log.warn(line, 'request completed');
  else req.log.info(line, 'request completed');
}
