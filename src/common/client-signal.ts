import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

const SIGNAL = Symbol('berth.client-signal');

/**
 * An AbortSignal that fires when the client goes away before its answer was sent (the connection
 * closed with the response unfinished). Upstream work started for the request (a cluster call, a
 * streamed list) listens to it and releases what it holds.
 */
export function clientSignal(res: ServerResponse): AbortSignal {
  const cached = (res as ServerResponse & { [SIGNAL]?: AbortSignal })[SIGNAL];
  if (cached) return cached;
  const ac = new AbortController();
  const gone = () => !res.writableFinished;
  if (res.destroyed || res.socket?.destroyed === true) ac.abort();
  else res.once('close', () => gone() && ac.abort());
  (res as ServerResponse & { [SIGNAL]?: AbortSignal })[SIGNAL] = ac.signal;
  return ac.signal;
}

/** The request's {@link clientSignal}, as a handler parameter. */
export const ClientSignal = createParamDecorator((_: unknown, ctx: ExecutionContext): AbortSignal =>
  clientSignal(ctx.switchToHttp().getResponse<FastifyReply>().raw),
);
