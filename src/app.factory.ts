import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyInstance, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { registerCors } from './common/cors.js';
import { clientErrorHandler, frameworkErrors, registerJsonBodyParser } from './common/http-edge.js';
import { createRootLogger, NestPinoLogger } from './common/logger.js';
import { registerRequestLog } from './common/request-log.js';
import type { AppConfig } from './config/app-config.js';
import { setupSwagger } from './swagger.setup.js';

export const API_PREFIX = 'api/v1';
const BODY_LIMIT = 4 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RegisteredRoute {
  method: string;
  url: string;
}

const routes = new WeakMap<NestFastifyApplication, RegisteredRoute[]>();

/** Every route Fastify registered for this app (used to check that Swagger documents them all). */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  return routes.get(app) ?? [];
}

/** Builds the whole Berth application (not listening yet). Used by main.ts and by the end-to-end tests. */
export async function createApp(config: AppConfig, opts: { logDestination?: DestinationStream } = {}) {
  const root = createRootLogger(config.log_level, opts.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: root,
    // one line per request instead of Fastify's two: registerRequestLog
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: BODY_LIMIT,
    keepAliveTimeout: 65_000,
    // refusals before any hook runs (router, Node's HTTP parser) still answer the envelope with a request id
    frameworkErrors,
    clientErrorHandler,
  });
  const list: RegisteredRoute[] = [];
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') list.push({ method, url: r.url });
  });
  // Hooks on every request are plain callbacks (an async hook costs a promise per request).
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  registerCors(fastify, config.cors.origins); // before every route: preflights answered for all of them
  registerJsonBodyParser(fastify, BODY_LIMIT);
  registerRequestLog(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new NestPinoLogger(root),
    bodyParser: false, // registerJsonBodyParser: JSON only, bounded depth, empty body = no body
  });
  routes.set(app, list);
  app.setGlobalPrefix(API_PREFIX, { exclude: ['healthz', 'readyz', 'metrics'] });
  setupSwagger(app, config);
  fastify.get('/', (_req, reply) => reply.redirect('/api/docs', 302));
  await app.init();
  return app;
}
