import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from './app-error.js';
import type { ErrorEnvelope } from './envelope.js';
import { ErrorCode } from './error-codes.js';
import { renderError } from './exception.filter.js';

/**
 * What happens to a request before Nest sees it: body parsing, router refusals (bad URL, over-long
 * parameter) and the HTTP parser's refusals (bad bytes, huge headers). Each one answers Berth's
 * envelope with a request id, like every other answer.
 */

/** Deepest nesting of objects/arrays a JSON body may have (Kubernetes objects stay far below). */
export const MAX_JSON_DEPTH = 64;
/** The one body type Berth reads. */
export const JSON_TYPE = 'application/json';

const logger = new Logger('HttpEdge');

/**
 * True when `text` nests objects/arrays deeper than `max`. One linear pass without recursion, run
 * before anything recursive (JSON.parse, class-transformer, class-validator) sees attacker input.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Replaces every body parser with one JSON parser: an empty body (many clients send
 * `content-type: application/json` on every request, DELETE included) is "no body", nesting is bounded,
 * `__proto__` / `constructor.prototype` are refused as by Fastify's default. Any other content type is 415.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'string', bodyLimit }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        AppError.validation([
          {
            field: 'body',
            errors: [`body must not nest objects or arrays deeper than ${MAX_JSON_DEPTH} levels`],
          },
        ]),
        undefined,
      );
      return;
    }
    parse(req, text, done);
  });
}

function envelope(
  err: unknown,
  requestId: string,
): { status: number; body: ErrorEnvelope; headers?: Record<string, string> } {
  const { status, body, headers } = renderError(err, logger, requestId);
  return { status, body: { ...body, request_id: requestId }, headers };
}

/** Fastify's router refusals (400 bad percent-encoding, 414 over-long path parameter), enveloped. */
export function frameworkErrors(
  error: Error & { code?: string },
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  const err =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError(ErrorCode.URI_TOO_LONG, 'A path parameter is longer than Berth accepts (100 characters)')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AppError(ErrorCode.BAD_REQUEST, 'The URL is not validly percent-encoded')
        : error;
  const { status, body, headers } = envelope(err, req.id);
  void reply
    .status(status)
    .headers({ ...headers, 'x-request-id': req.id })
    .send(body);
}

/**
 * Node's HTTP parser refusals (bytes that are not HTTP, a header over `maxHeaderSize`, a timeout):
 * there is no request object, so a minimal enveloped answer is written to the socket, then it is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, ErrorCode.HEADERS_TOO_LARGE, 'The request headers are larger than Berth accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, ErrorCode.REQUEST_TIMEOUT, 'The request was not received in time']
        : [400, ErrorCode.BAD_REQUEST, 'The request is not valid HTTP'];
  logger.debug(`refused a malformed HTTP request (${err.code ?? err.message}), request id ${requestId}`);
  const body = JSON.stringify({ code, message, data: null, request_id: requestId } satisfies ErrorEnvelope);
  const respond = () => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
    // a client that keeps its end open does not hold the socket: the answer has had its time to flush
    setTimeout(() => socket.destroy(), 2_000).unref();
  };
  // bad bytes after a good request on a keep-alive socket: its answer goes out first, whole, then this one
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (inFlight && !inFlight.writableEnded) {
    inFlight.once('finish', respond);
    inFlight.once('close', () => setImmediate(() => socket.destroyed || respond()));
    return;
  }
  respond();
}
