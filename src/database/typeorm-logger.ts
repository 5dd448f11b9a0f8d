import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

const MAX_QUERY_CHARS = 300;
const MAX_MESSAGE_CHARS = 300;

/** What goes into the log of a failed query: never its parameters, never a value Postgres echoes back. */
export interface QueryErrorLog {
  code?: string;
  message: string;
  constraint?: string;
  table?: string;
  column?: string;
  query: string;
  parameter_count: number;
}

/** The first characters of the SQL text on one line (TypeORM sends values as $n parameters, never inline). */
export function truncateQuery(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUERY_CHARS ? `${flat.slice(0, MAX_QUERY_CHARS)}…` : flat;
}

/**
 * Postgres quotes the offending value in some messages (`invalid input syntax for type uuid: "…"`,
 * `value "…" is out of range`): keep a quoted word only when it is an identifier the query or the error
 * names (a table, column or constraint), hide every other one.
 */
export function scrubMessage(message: string, query: string, known: (string | undefined)[]): string {
  const scrubbed = message.replace(/"([^"]*)"/g, (whole, inner: string) =>
    known.includes(inner) || (inner.length > 0 && query.includes(`"${inner}"`)) ? whole : '"…"',
  );
  return scrubbed.length > MAX_MESSAGE_CHARS ? `${scrubbed.slice(0, MAX_MESSAGE_CHARS)}…` : scrubbed;
}

export function describeQueryError(error: unknown, query: string, parameters?: unknown): QueryErrorLog {
  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    constraint?: unknown;
    table?: unknown;
    column?: unknown;
  };
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const constraint = str(e.constraint);
  const table = str(e.table);
  const column = str(e.column);
  const raw = typeof error === 'string' ? error : (str(e.message) ?? String(error));
  return {
    code: str(e.code),
    message: scrubMessage(raw, query, [constraint, table, column]),
    constraint,
    table,
    column,
    query: truncateQuery(query),
    parameter_count: Array.isArray(parameters)
      ? parameters.length
      : parameters && typeof parameters === 'object'
        ? Object.keys(parameters).length
        : 0,
  };
}

/**
 * TypeORM's logging, through Berth's pino logger (Nest's Logger is routed into it). Replaces TypeORM's
 * console logger, which printed a failed query with all its parameters — password hashes and sealed
 * secrets included — outside pino's redaction. Successful queries are not logged.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {
    // Not logged: every query would be a line, with its parameters.
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    this.logger.warn({ query_error: describeQueryError(error, query, parameters) }, 'query failed');
  }

  logQuerySlow(time: number, query: string, parameters?: unknown[]): void {
    this.logger.warn(
      { duration_ms: time, query: truncateQuery(query), parameter_count: parameters?.length ?? 0 },
      'slow query',
    );
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
