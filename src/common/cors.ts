import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { AppError } from './app-error.js';
import { ErrorCode } from './error-codes.js';
import { renderError } from './exception.filter.js';

/**
 * CORS for browser clients on other origins (README "Browser clients (CORS)"). Only the exact origins of
 * `BERTH_CORS_ORIGINS` get a grant, with credentials; with none configured Berth sends no CORS header at all.
 * Preflights are answered in `onRequest`, before routing completes its work: every path gets one, and
 * neither auth, the JSON body parser (415), the audit trail nor the login throttle ever sees them.
 */

export const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
export const CORS_ALLOW_HEADERS = 'authorization, content-type, idempotency-key, x-request-id';
export const CORS_EXPOSE_HEADERS = 'X-Request-Id, Retry-After';
/** How long a browser may cache a preflight grant (Chromium caps this at 7200 s). */
export const CORS_MAX_AGE_SECONDS = 600;

const logger = new Logger('Cors');

function addVary(current: unknown, value: string): string {
  const list = typeof current === 'string' && current !== '' ? current.split(',').map((v) => v.trim()) : [];
  if (!list.some((v) => v.toLowerCase() === value.toLowerCase() || v === '*')) list.push(value);
  return list.join(', ');
}

/** Registers the CORS hook on the root instance (so it covers every route and the 404 handler). */
export function registerCors(fastify: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  fastify.addHook('onRequest', async (req, reply) => {
    // Answers differ by Origin whenever CORS is on: caches must key on it, even for requests without one.
    reply.header('vary', addVary(reply.getHeader('vary'), 'Origin'));
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!allowed.has(origin)) {
      if (!preflight) return; // answered as usual, without a grant: the browser keeps it from the page
      // An explained refusal (curl and dev tools show why); no grant, so the browser fails the request.
      const err = new AppError(
        ErrorCode.FORBIDDEN,
        `Origin ${origin.slice(0, 200)} is not allowed to call Berth (BERTH_CORS_ORIGINS)`,
      );
      const { status, body } = renderError(err, logger, req.id);
      return reply.status(status).send({ ...body, request_id: req.id });
    }
    reply.headers({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    });
    if (!preflight) return;
    return reply
      .status(204)
      .headers({
        'access-control-allow-methods': CORS_ALLOW_METHODS,
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      })
      .send();
  });
}
