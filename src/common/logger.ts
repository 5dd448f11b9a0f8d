import type { LoggerService } from '@nestjs/common';
import { type DestinationStream, pino, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log record. Bodies are never logged in the first place. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.access_token',
  '*.access_key_secret',
  '*.secret_key',
  '*.kubeconfig',
  '*.authorization',
];

export function createRootLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'berth' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Nest's boot chatter (every module, controller and route mapped): logged at debug, not info. */
const FRAMEWORK_NOISE = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Routes Nest's own logging into the same structured JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, params: unknown[]) {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (level === 'info' && context && FRAMEWORK_NOISE.has(context)) level = 'debug';
    const log = context ? this.root.child({ context }) : this.root;
    if (message && typeof message === 'object') {
      const [msg] = params;
      log[level](message as object, typeof msg === 'string' ? msg : undefined);
    } else if (level === 'error' && typeof params[0] === 'string' && params[0].includes('\n')) {
      log.error({ stack: params[0] }, String(message));
    } else {
      log[level](String(message));
    }
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
}
