import type { OpenAPIObject } from '@nestjs/swagger';
import { getSchemaPath } from '@nestjs/swagger';
import { ERROR_EXAMPLES, ErrorEnvelopeDto } from '../../common/swagger.js';

type Json = Record<string, any>;

const CLUSTER = {
  cluster_id: { type: 'string', format: 'uuid' },
  cluster_name: { type: 'string' },
};
const ERROR = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
};
const obj = (required: string[], properties: Json) => ({ type: 'object', required, properties });
const typed = (name: string) => ({ type: 'string', enum: [name] });

const OBJECT_EVENTS = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'];

/** The `data` of each event a watch stream sends (`x-berth-events`: event name → JSON Schema of its data). */
function watchEvents(fleet: boolean): Json {
  const tag = fleet ? CLUSTER : {};
  const tagged = fleet ? ['cluster_id', 'cluster_name'] : [];
  const events: Json = {};
  for (const name of OBJECT_EVENTS)
    events[name] = obj(['type', ...tagged, 'object'], {
      type: typed(name),
      ...tag,
      object: {
        type: 'object',
        description:
          name === 'BOOKMARK'
            ? 'Only apiVersion, kind and metadata.resourceVersion; the bookmark that ends the initial list carries the annotation k8s.io/initial-events-end: "true"'
            : 'The Kubernetes object (Secret values redacted unless show_secret_values=true is allowed)',
      },
    });
  events.RESYNC = obj(['type', ...tagged, 'expired_resource_version', 'message'], {
    type: typed('RESYNC'),
    ...tag,
    expired_resource_version: { type: 'string' },
    message: { type: 'string' },
  });
  events.CLUSTER_UNREACHABLE = obj(['type', 'cluster_id', 'cluster_name', 'error', 'retry_in_ms'], {
    type: typed('CLUSTER_UNREACHABLE'),
    ...CLUSTER,
    error: ERROR,
    retry_in_ms: { type: 'integer' },
  });
  events.CLUSTER_RECOVERED = obj(['type', 'cluster_id', 'cluster_name'], {
    type: typed('CLUSTER_RECOVERED'),
    ...CLUSTER,
  });
  if (fleet) {
    events.CLUSTER_FORBIDDEN = obj(['type', 'cluster_id', 'cluster_name', 'verb', 'namespaces', 'message'], {
      type: typed('CLUSTER_FORBIDDEN'),
      ...CLUSTER,
      verb: { type: 'string' },
      namespaces: { type: 'array', items: { type: 'string' } },
      message: { type: 'string' },
    });
    events.CLUSTER_JOINED = obj(['type', 'cluster_id', 'cluster_name'], {
      type: typed('CLUSTER_JOINED'),
      ...CLUSTER,
    });
    events.CLUSTER_LEFT = obj(['type', 'cluster_id', 'cluster_name', 'message'], {
      type: typed('CLUSTER_LEFT'),
      ...CLUSTER,
      message: { type: 'string' },
    });
    events.CLUSTER_ERROR = obj(['type', 'cluster_id', 'cluster_name', 'error'], {
      type: typed('CLUSTER_ERROR'),
      ...CLUSTER,
      error: ERROR,
    });
  }
  events.error = closeEvent();
  return events;
}

function closeEvent(): Json {
  return obj(['type', 'reason', 'message'], {
    type: typed('error'),
    reason: {
      type: 'string',
      enum: [
        'overflow',
        'token_expired',
        'token_revoked',
        'forbidden',
        'not_found',
        'auth_unavailable',
        'server_shutdown',
        'upstream_error',
      ],
    },
    message: { type: 'string' },
    code: { type: 'integer' },
  });
}

const WATCH_TEXT =
  'With watch=true: a text/event-stream. Without Last-Event-ID the current objects come first as ADDED events (no id), then a BOOKMARK whose id is the list’s resourceVersion; then changes (ADDED, MODIFIED, DELETED, BOOKMARK), each with its resourceVersion as the SSE id. ' +
  'A reconnect with Last-Event-ID resumes after it, without duplicates; when that resourceVersion has expired (410 Gone) a RESYNC event is followed by a fresh list as ADDED events. ' +
  'A cluster that stops answering gives CLUSTER_UNREACHABLE (Berth reconnects with backoff) and CLUSTER_RECOVERED. Comments (": heartbeat") keep proxies from closing an idle stream. ' +
  'The stream ends with an `error` event saying why (reason overflow, token_expired, token_revoked, forbidden, …). Each event’s data is JSON; x-berth-events gives each event’s data schema.';
const FLEET_TEXT =
  'With watch=true: one text/event-stream over every cluster the query covers; each event carries cluster_id and cluster_name. The SSE id is every cluster’s resourceVersion (`<cluster id>=<rv>,…`), so Last-Event-ID resumes each cluster. ' +
  'A cluster the caller sees but whose grants do not cover the query gives one CLUSTER_FORBIDDEN (with the namespaces it may ask for); an unreachable cluster CLUSTER_UNREACHABLE then CLUSTER_RECOVERED, never the end of the stream. ' +
  'Membership follows the cluster records, re-read at every re-check (BERTH_WATCH_RECHECK_SECONDS): a cluster attached later that the query and grants cover (or one newly covered by a grant) gives CLUSTER_JOINED followed by its objects as ADDED events and a BOOKMARK; a detached one gives CLUSTER_LEFT and is no longer watched. ' +
  WATCH_TEXT.split('. ').slice(1).join('. ');
const OPERATION_TEXT =
  'OPERATION events (the operation as GET /operations/{id} answers it) at once and at every change, then END; the stream closes after END.';

const example = (lines: string[]) => lines.join('\n') + '\n';

/**
 * Documents the event streams of operations marked `x-berth-watch`: the 200 answer also (or only) has
 * `text/event-stream`, with each event's data schema in `x-berth-events`; past the stream limits 429.
 */
export function addWatchResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths ?? {})) {
    const op = (item as Json).get as Json | undefined;
    const kind = op?.['x-berth-watch'] as 'cluster' | 'fleet' | 'operation' | undefined;
    if (!op || !kind) continue;
    const ok = (op.responses['200'] ??= { description: 'A text/event-stream' });
    ok.content ??= {};
    const events =
      kind === 'operation'
        ? {
            OPERATION: obj(['type', 'operation'], {
              type: typed('OPERATION'),
              operation: { type: 'object' },
            }),
            END: obj(['type', 'status'], {
              type: typed('END'),
              status: { type: 'string', enum: ['succeeded', 'failed'] },
            }),
            error: closeEvent(),
          }
        : watchEvents(kind === 'fleet');
    ok.content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: kind === 'operation' ? OPERATION_TEXT : kind === 'fleet' ? FLEET_TEXT : WATCH_TEXT,
      },
      example:
        kind === 'operation'
          ? example([
              'retry: 1000',
              '',
              'event: OPERATION',
              'id: 1',
              'data: {"type":"OPERATION","operation":{"id":"…","status":"running","progress":40}}',
              '',
              'event: END',
              'id: 2',
              'data: {"type":"END","status":"succeeded"}',
            ])
          : example([
              'retry: 1000',
              '',
              'event: ADDED',
              `data: {"type":"ADDED",${kind === 'fleet' ? '"cluster_id":"…","cluster_name":"prod",' : ''}"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"101"}}}`,
              '',
              'event: BOOKMARK',
              `id: ${kind === 'fleet' ? '3f1c2a4e-9b1d-4c7e-8f2a-5d6b7c8e9f01=102' : '102'}`,
              `data: {"type":"BOOKMARK",${kind === 'fleet' ? '"cluster_id":"…","cluster_name":"prod",' : ''}"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"102","annotations":{"k8s.io/initial-events-end":"true"}}}}`,
              '',
              ': heartbeat 2026-01-01T00:00:15.000Z',
            ]),
    };
    ok['x-berth-events'] = events;
    ok.description =
      kind === 'operation'
        ? 'The operation’s events (text/event-stream)'
        : `${ok.description ?? ''}; with watch=true a text/event-stream of changes`;
    op.responses['429'] ??= {
      description: 'Too many open watch streams (per caller or on this instance); retry after Retry-After',
      headers: {
        'Retry-After': { required: true, schema: { type: 'string' }, description: 'Seconds to wait' },
      },
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
          example: {
            ...ERROR_EXAMPLES[429],
            message: 'You have 20 watch streams open, the most one caller may; close one first',
            data: { limit: 20, retry_after_seconds: 5 },
          },
        },
      },
    };
  }
  return document;
}
