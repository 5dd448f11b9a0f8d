import { Injectable } from '@nestjs/common';
import { parseAllDocuments } from 'yaml';
import { ClusterClients } from './access/cluster-clients.js';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { resourcePath } from './client/discovery.js';
import type { KubeObject } from './kube-list.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'failed';

export interface ApplyResult {
  index: number;
  api_version: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  action: ApplyAction;
  error: { code: number; message: string } | null;
}

export interface ApplySummary {
  dry_run: boolean;
  results: ApplyResult[];
  created: number;
  configured: number;
  unchanged: number;
  failed: number;
}

const MAX_OBJECTS = 500;
export const FIELD_MANAGER = 'berth';

/** Fields the API server changes on its own; ignored when deciding "unchanged". */
function comparable(o: KubeObject): string {
  const { metadata, status: _status, ...rest } = o;
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _g,
    ...meta
  } = metadata as Record<string, unknown>;
  return JSON.stringify({ ...rest, metadata: meta });
}

/** Parses multi-document YAML or JSON (an object, an array, or a List) into objects. */
export function parseManifest(manifest: string): unknown[] {
  const text = manifest.trim();
  let docs: unknown[];
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      docs = Array.isArray(parsed) ? parsed : [parsed];
    } catch (e) {
      throw AppError.validation([
        { field: 'manifest', errors: [`manifest is not valid JSON: ${(e as Error).message}`] },
      ]);
    }
  } else {
    const parsed = parseAllDocuments(text);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const bad = list.find((d) => d.errors.length);
    if (bad)
      throw AppError.validation([
        {
          field: 'manifest',
          errors: [`manifest is not valid YAML: ${bad.errors[0].message.split('\n')[0]}`],
        },
      ]);
    docs = list
      .map((d) => d.toJS({ maxAliasCount: 50 }) as unknown)
      .filter((d) => d !== null && d !== undefined);
  }
  const flat = docs.flatMap((d) => (isList(d) ? (d.items as unknown[]) : [d]));
  if (!flat.length) throw AppError.validation([{ field: 'manifest', errors: ['manifest holds no object'] }]);
  if (flat.length > MAX_OBJECTS)
    throw AppError.validation([
      { field: 'manifest', errors: [`manifest holds more than ${MAX_OBJECTS} objects`] },
    ]);
  return flat;
}

function isList(d: unknown): d is { items: unknown[] } {
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof (d as { kind?: unknown }).kind === 'string' &&
    (d as { kind: string }).kind.endsWith('List') &&
    Array.isArray((d as { items?: unknown }).items)
  );
}

/**
 * Server-side apply with field manager "berth", object by object: each result says created,
 * configured, unchanged or failed (with the API server's reason). Partial success is success;
 * only "every object failed" is an error.
 */
@Injectable()
export class ApplyService {
  constructor(
    private readonly clients: ClusterClients,
    private readonly access: AccessService,
  ) {}

  /**
   * Every object is checked against the caller's grants in its own namespace (cluster-scoped objects:
   * cluster-wide) before anything is applied: one object outside the grants refuses the whole manifest
   * (403 listing them), so a manifest is never half-applied for want of rights.
   */
  private async authorize(
    actor: AuthUser,
    clusterId: string,
    client: Awaited<ReturnType<ClusterClients['client']>>,
    objects: unknown[],
    defaultNs: string | undefined,
  ): Promise<void> {
    const refused: { index: number; kind: string; name: string; namespace: string | null }[] = [];
    for (const [index, raw] of objects.entries()) {
      const o = raw as Partial<KubeObject>;
      if (typeof o?.apiVersion !== 'string' || typeof o?.kind !== 'string') continue; // reported per object later
      let namespaced: boolean;
      try {
        namespaced = (await client.discovery.forKind(o.apiVersion, o.kind)).namespaced;
      } catch (e) {
        if (e instanceof AppError && e.status < 500) continue; // an unknown kind fails on its own below
        throw e;
      }
      const namespace = namespaced ? (o.metadata?.namespace ?? defaultNs ?? 'default') : null;
      if (
        (await this.access.decide(actor, Verb.OBJECTS_WRITE, { cluster: clusterId, namespace })) !== 'allow'
      )
        refused.push({ index, kind: o.kind, name: String(o.metadata?.name ?? ''), namespace });
    }
    if (refused.length)
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `Your grants do not allow ${Verb.OBJECTS_WRITE} for ${refused.length} object(s) of the manifest (${refused
          .slice(0, 5)
          .map(
            (r) => `#${r.index} ${r.kind} ${r.name}${r.namespace ? ` in ${r.namespace}` : ' (cluster-wide)'}`,
          )
          .join(', ')}); nothing was applied`,
        { verb: Verb.OBJECTS_WRITE, objects: refused },
      );
  }

  async apply(
    actor: AuthUser,
    clusterId: string,
    manifest: string,
    opts: { dry_run?: boolean; force_conflicts?: boolean; namespace?: string },
  ): Promise<ApplySummary> {
    const objects = parseManifest(manifest);
    const client = await this.clients.client(clusterId);
    await this.authorize(actor, clusterId, client, objects, opts.namespace);
    const results: ApplyResult[] = [];
    for (const [index, raw] of objects.entries()) {
      const o = raw as Partial<KubeObject>;
      const result: ApplyResult = {
        index,
        api_version: typeof o?.apiVersion === 'string' ? o.apiVersion : null,
        kind: typeof o?.kind === 'string' ? o.kind : null,
        namespace: null,
        name: typeof o?.metadata?.name === 'string' ? o.metadata.name : null,
        action: 'failed',
        error: null,
      };
      results.push(result);
      try {
        if (!result.api_version || !result.kind || !result.name) {
          throw new AppError(ErrorCode.UNPROCESSABLE, 'object needs apiVersion, kind and metadata.name');
        }
        const resource = await client.discovery.forKind(result.api_version, result.kind);
        const namespace = resource.namespaced
          ? (o.metadata?.namespace ?? opts.namespace ?? 'default')
          : undefined;
        result.namespace = namespace ?? null;
        const path = resourcePath(resource, namespace, result.name);
        const before = await client.request('GET', path);
        if (before.status >= 400 && before.status !== 404) throw client.statusError(before);
        const body = { ...o, metadata: { ...o.metadata, ...(namespace ? { namespace } : {}) } };
        const after = await client.json<KubeObject>('PATCH', path, {
          contentType: 'application/apply-patch+yaml',
          body: JSON.stringify(body),
          query: {
            fieldManager: FIELD_MANAGER,
            force: opts.force_conflicts || undefined,
            dryRun: opts.dry_run ? 'All' : undefined,
          },
        });
        if (before.status === 404) result.action = 'created';
        else
          result.action =
            comparable(JSON.parse(before.body.toString('utf8')) as KubeObject) === comparable(after)
              ? 'unchanged'
              : 'configured';
      } catch (e) {
        const err = e instanceof AppError ? e : new AppError(ErrorCode.INTERNAL, (e as Error).message);
        if (err.code === ErrorCode.CLUSTER_UNREACHABLE || err.code === ErrorCode.UPSTREAM_TIMEOUT) throw err;
        result.error = { code: err.code, message: err.message };
      }
    }
    const count = (a: ApplyAction) => results.filter((r) => r.action === a).length;
    const summary: ApplySummary = {
      dry_run: opts.dry_run ?? false,
      results,
      created: count('created'),
      configured: count('configured'),
      unchanged: count('unchanged'),
      failed: count('failed'),
    };
    if (summary.failed === results.length) {
      throw new AppError(
        ErrorCode.APPLY_FAILED,
        `No object could be applied (${results.length} failed)`,
        summary as unknown as Record<string, unknown>,
      );
    }
    return summary;
  }
}
