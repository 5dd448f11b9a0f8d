import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthUser } from '../auth/role.js';
import { ClusterClients } from './access/cluster-clients.js';
import type { ClusterRecord } from './access/cluster-record.js';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { REDIS } from '../redis/redis.module.js';
import { type ApiResource, apiVersionOf, resourcePath } from './client/discovery.js';
import type { KubeClient } from './client/kube-client.js';
import type { ApiResourceDto, ApiResourceQueryDto } from './dto/resource.dto.js';
import { checkResourceUse } from './fleet-validation.js';
import { itemsOf, type KubeList, type KubeObject, METADATA_ONLY, redactSecret } from './kube-list.js';
import { openList, readItems, skipTo } from './list-stream.js';

/** A page of objects of one type; items as Kubernetes lists them (apiVersion and kind on the page). */
export type KubePage = Page<KubeObject> & { api_version: string; kind: string };

export interface ListOptions {
  namespace?: string;
  label_selector?: string;
  field_selector?: string;
  page: number;
  page_size: number;
  show_secret_values?: boolean;
}

/** Continue tokens live a few minutes in the API server (etcd compaction); we keep them a little less. */
const CONTINUE_TTL_SECONDS = 240;
const COUNT_PAGE = 500;

const isSecret = (r: ApiResource) => r.group === '' && r.name === 'secrets';

/**
 * Generic reads of any resource type a cluster's discovery lists (CRDs included), straight from the
 * API server. Berth pages map onto Kubernetes' own paging: page N is fetched with a continue token
 * (cached in Redis when page N-1 was served, else found by a metadata-only walk), so a page never
 * holds more than one page of objects, and all pages of a walk come from one consistent snapshot.
 */
@Injectable()
export class ResourcesService {
  constructor(
    private readonly clients: ClusterClients,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** A cluster's record as live reads see it (reused for a moment: no SQL per call). */
  cluster(clusterId: string): Promise<ClusterRecord> {
    return this.clients.record(clusterId);
  }

  async apiResources(clusterId: string, q: ApiResourceQueryDto): Promise<Page<ApiResourceDto>> {
    const client = await this.clients.client(clusterId);
    const needle = q.q?.toLowerCase();
    const all = (await client.discovery.resources()).filter(
      (r) =>
        !r.name.includes('/') &&
        (q.group === undefined || r.group === q.group) &&
        (q.namespaced === undefined || r.namespaced === q.namespaced) &&
        (!needle || r.name.includes(needle) || r.kind.toLowerCase().includes(needle)),
    );
    return page(all.slice(q.offset, q.offset + q.page_size), all.length, q.page, q.page_size);
  }

  /** Resolves a resource name on a cluster and checks the verb and scope. */
  async target(
    clusterId: string,
    name: string,
    verb: string,
    namespace?: string,
  ): Promise<{ client: KubeClient; resource: ApiResource }> {
    const client = await this.clients.client(clusterId);
    const resource = await client.discovery.resolve(name);
    checkResourceUse(resource, verb, namespace);
    return { client, resource };
  }

  /** `signal`: the client went away; the upstream call and stream are released at once. */
  async list(
    user: AuthUser,
    clusterId: string,
    name: string,
    q: ListOptions,
    signal?: AbortSignal,
  ): Promise<KubePage | StreamableFile> {
    const { client, resource } = await this.target(clusterId, name, 'list', q.namespace);
    return this.listPage(client, resource, q, { signal });
  }

  /** One page of a list as objects (for callers that change them before answering). */
  async listObjects(user: AuthUser, clusterId: string, name: string, q: ListOptions): Promise<KubePage> {
    const { client, resource } = await this.target(clusterId, name, 'list', q.namespace);
    return (await this.listPage(client, resource, q, { parse: true })) as KubePage;
  }

  /**
   * One page of a list. Passed through as a stream (the API server's item bytes untouched) unless
   * Secret values must be redacted, which needs the objects parsed.
   */
  async listPage(
    client: KubeClient,
    resource: ApiResource,
    q: ListOptions,
    opts: { parse?: boolean; signal?: AbortSignal } = {},
  ): Promise<KubePage | StreamableFile> {
    const path = resourcePath(resource, q.namespace);
    const selectors = { labelSelector: q.label_selector, fieldSelector: q.field_selector };
    const offset = (q.page - 1) * q.page_size;
    const key = this.continueKey(client, path, q);
    const kind = { api_version: apiVersionOf(resource), kind: resource.kind };
    const redact = isSecret(resource) && !q.show_secret_values;
    const parse = redact || opts.parse;
    let res: IncomingMessage | undefined;
    for (let attempt = 0; attempt < 2 && !res; attempt++) {
      let cont: string | undefined;
      if (q.page > 1) {
        const found = await this.continueToken(client, path, selectors, key, q.page, offset, attempt > 0);
        if (found.end) return { ...page([], found.total, q.page, q.page_size), ...kind };
        cont = found.token;
      }
      try {
        res = await client.stream(path, {
          query: { ...selectors, limit: q.page_size, continue: cont },
          signal: opts.signal,
        });
      } catch (e) {
        // 410 Gone: the continue token expired; walk again once from a fresh snapshot.
        if (!(e instanceof AppError && e.details?.kube_status === 410 && attempt === 0)) throw e;
        await this.redis.del(`${key}:${q.page}`);
      }
    }
    const list = await openList(res!, q.page_size, { timeoutMs: client.timeoutMs });
    /** Total and the next page's token, once the items have been read. */
    const finish = async (count: number): Promise<number> => {
      const meta = list.metadata();
      const next = meta.continue;
      if (!next) return offset + count;
      void this.redis.set(`${key}:${q.page + 1}`, next, 'EX', CONTINUE_TTL_SECONDS).catch(() => undefined);
      const remaining =
        typeof meta.remainingItemCount === 'number'
          ? meta.remainingItemCount
          : await this.countFrom(client, path, selectors, next);
      return offset + count + remaining;
    };
    if (parse) {
      let items: KubeObject[];
      try {
        items = (JSON.parse((await readItems(list)).toString('utf8')) ?? []) as KubeObject[];
      } finally {
        list.close();
      }
      return {
        ...page(redact ? items.map(redactSecret) : items, await finish(items.length), q.page, q.page_size),
        ...kind,
      };
    }
    const head = `{"code":0,"message":"ok","data":{"cur_page":${q.page},"cur_page_size":${q.page_size},"api_version":${JSON.stringify(kind.api_version)},"kind":${JSON.stringify(kind.kind)},"data":`;
    const stream = list.relay(Buffer.from(head), async () => {
      const total = await finish(list.count());
      return Buffer.from(
        `,"total":${total},"total_page":${total === 0 ? 0 : Math.ceil(total / q.page_size)}}}`,
      );
    });
    // However the relay ends — read to the end, the client hanging up before or while the body flows
    // (Fastify destroys the stream), an error — the upstream answer is released with it.
    stream.once('close', () => list.close());
    if (opts.signal) {
      if (opts.signal.aborted) stream.destroy();
      else opts.signal.addEventListener('abort', () => stream.destroy(), { once: true });
    }
    return new StreamableFile(stream, { type: 'application/json; charset=utf-8' });
  }

  async get(
    user: AuthUser,
    clusterId: string,
    name: string,
    objectName: string,
    q: { namespace?: string; show_secret_values?: boolean },
  ): Promise<KubeObject> {
    const { client, resource } = await this.target(clusterId, name, 'get', q.namespace);
    this.assertNamespace(resource, q.namespace);
    const obj = await client.json<KubeObject>('GET', resourcePath(resource, q.namespace, objectName));
    return isSecret(resource) && !q.show_secret_values ? redactSecret(obj) : obj;
  }

  async delete(clusterId: string, name: string, objectName: string, namespace?: string): Promise<KubeObject> {
    const { client, resource } = await this.target(clusterId, name, 'delete', namespace);
    this.assertNamespace(resource, namespace);
    const res = await client.json<KubeObject>('DELETE', resourcePath(resource, namespace, objectName), {
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }),
    });
    return isSecret(resource) ? redactSecret(res) : res;
  }

  assertNamespace(resource: ApiResource, namespace?: string): void {
    if (resource.namespaced && !namespace) {
      throw AppError.validation([
        { field: 'namespace', errors: [`${resource.name} is namespaced; give namespace`] },
      ]);
    }
  }

  private continueKey(client: KubeClient, path: string, q: ListOptions): string {
    const digest = createHash('sha1')
      .update(JSON.stringify([path, q.label_selector ?? '', q.field_selector ?? '', q.page_size]))
      .digest('hex');
    return `kube-continue:${client.cluster.id}:${digest}`;
  }

  /** The continue token that starts page `pageNo` (cached, or found by skipping `offset` items metadata-only). */
  private async continueToken(
    client: KubeClient,
    path: string,
    selectors: Record<string, string | undefined>,
    key: string,
    pageNo: number,
    offset: number,
    fresh: boolean,
  ): Promise<{ token?: string; end?: boolean; total: number }> {
    if (!fresh) {
      const cached = await this.redis.get(`${key}:${pageNo}`);
      if (cached) return { token: cached, total: 0 };
    }
    // Only the head of the metadata-only page is read: its continue token comes before its items.
    const skipped = await skipTo(
      await client.stream(path, { accept: METADATA_ONLY, query: { ...selectors, limit: offset } }),
      offset,
      client.timeoutMs,
    );
    if (!skipped.token) return { end: true, total: skipped.count };
    return { token: skipped.token, total: 0 };
  }

  /** Counts the items after a continue token, metadata only (selectors leave remainingItemCount unset). */
  private async countFrom(
    client: KubeClient,
    path: string,
    selectors: Record<string, string | undefined>,
    cont: string,
  ): Promise<number> {
    let n = 0;
    let token: string | undefined = cont;
    while (token) {
      const chunk: KubeList = await client.json<KubeList>('GET', path, {
        accept: METADATA_ONLY,
        query: { ...selectors, limit: COUNT_PAGE, continue: token },
      });
      n += itemsOf(chunk).length;
      token = chunk.metadata.continue;
    }
    return n;
  }
}
