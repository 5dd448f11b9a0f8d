/**
 * What an integrator writes with a client generated from Berth's OpenAPI document (openapi-typescript
 * types + openapi-fetch). Never run: test/contract/client.spec.ts generates `./berth-api.ts` from the
 * app's /api/docs-json and type-checks this file against it (strict). Excluded from the project's own
 * typecheck (the generated types exist only in the spec's temp dir).
 *
 * Each `@ts-expect-error` line is something the document says cannot be: the spec checks that removing
 * the markers makes exactly those lines fail.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './berth-api.js';

type Pod = components['schemas']['Pod'];
type Node = components['schemas']['Node'];
type Deployment = components['schemas']['Deployment'];
type ErrorEnvelope = components['schemas']['ErrorEnvelopeDto'];

export function describeError(e: ErrorEnvelope): string {
  const fields = (e.data?.fields ?? []).map((f) => `${f.field}: ${f.errors.join(', ')}`);
  return `${e.code} ${e.message} [${e.request_id}] ${fields.join('; ')}`;
}

export function podLine(pod: Pod): string {
  const containers = (pod.spec?.containers ?? []).map((c) => `${c.name}=${c.image ?? '?'}`);
  const restarts = (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status === 'True';
  return `${pod.metadata.namespace}/${pod.metadata.name} ${pod.status?.phase ?? 'Unknown'} ready=${ready} restarts=${restarts} on ${pod.spec?.nodeName ?? '-'} (${containers.join(' ')}) labels=${Object.keys(pod.metadata.labels ?? {}).length}`;
}

export function nodeLine(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
  const ip = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
  return `${node.metadata.name} ready=${ready} cordoned=${node.spec?.unschedulable ?? false} ip=${ip} cpu=${node.status?.allocatable?.cpu} kubelet=${node.status?.nodeInfo?.kubeletVersion} taints=${taints.join(',')} created=${node.metadata.creationTimestamp}`;
}

export function deploymentLine(d: Deployment): string {
  const want = d.spec?.replicas ?? 1;
  const labels = d.spec?.selector.matchLabels ?? {};
  return `${d.metadata.name} ${d.status?.readyReplicas ?? 0}/${want} gen=${d.metadata.generation}/${d.status?.observedGeneration} selector=${JSON.stringify(labels)}`;
}

export async function tour(baseUrl: string, username: string, password: string): Promise<string[]> {
  const out: string[] = [];
  // List routes also answer text/event-stream (watch=true): a JSON client says which media type it reads.
  const anon = createClient<paths, 'application/json'>({ baseUrl });

  // auth
  const login = await anon.POST('/api/v1/auth/login', { body: { username, password } });
  if (login.error) throw new Error(describeError(login.error));
  const token = login.data.data.access_token;
  const api = createClient<paths, 'application/json'>({
    baseUrl,
    headers: { authorization: `Bearer ${token}` },
  });
  const me = await api.GET('/api/v1/auth/me');
  out.push(`me: ${me.data?.data.username} (${me.data?.data.role})`);

  // users
  const users = await api.GET('/api/v1/users', { params: { query: { page: 1, page_size: 50 } } });
  out.push(`users: ${users.data?.data.total}`);

  // credentials
  const creds = await api.GET('/api/v1/credentials');
  for (const c of creds.data?.data.data ?? []) out.push(`credential ${c.name} (${c.provider})`);

  // clusters
  const clusters = await api.GET('/api/v1/clusters', { params: { query: { page_size: 100 } } });
  if (clusters.error) throw new Error(describeError(clusters.error));
  const first = clusters.data.data.data[0];
  if (!first) return out;
  const id = first.id;
  const cluster = await api.GET('/api/v1/clusters/{id}', { params: { path: { id } } });
  out.push(`cluster ${cluster.data?.data.name}: ${cluster.data?.data.status} (${first.provider})`);

  // live resources: namespaces, pods, their logs, workloads, events, any resource, apply
  const namespaces = await api.GET('/api/v1/clusters/{id}/namespaces', { params: { path: { id } } });
  for (const ns of namespaces.data?.data.data ?? []) out.push(`namespace ${ns.metadata.name}`);

  const pods = await api.GET('/api/v1/clusters/{id}/namespaces/{ns}/pods', {
    params: { path: { id, ns: 'default' } },
  });
  if (pods.error) throw new Error(describeError(pods.error));
  out.push(`${pods.data.data.total} ${pods.data.data.kind} (${pods.data.data.api_version})`);
  for (const item of pods.data.data.data) {
    out.push(podLine(item));
    // List items carry no kind (the page does): this must not compile without a check.
    // @ts-expect-error kind is optional on a list item
    out.push(item.kind.toLowerCase());
    if (item.kind) out.push(item.kind.toLowerCase());
    // @ts-expect-error a pod's phase is one of Pending, Running, Succeeded, Failed, Unknown
    const _lost: 'Lost' | undefined = item.status?.phase;
    const logs = await api.GET('/api/v1/clusters/{id}/namespaces/{ns}/pods/{name}/logs', {
      params: { path: { id, ns: 'default', name: item.metadata.name ?? '' }, query: { tail_lines: 10 } },
    });
    // JSON lines without follow (this client reads application/json; with follow=true the answer is a
    // text/plain stream, read with a client for that media type).
    const lines = logs.data?.data.lines ?? [];
    out.push(...lines);
  }
  const pod = await api.GET('/api/v1/clusters/{id}/namespaces/{ns}/pods/{name}', {
    params: { path: { id, ns: 'default', name: 'web-0' } },
  });
  if (pod.data) out.push(podLine(pod.data.data));

  const deployments = await api.GET('/api/v1/clusters/{id}/namespaces/{ns}/{kind}', {
    params: { path: { id, ns: 'default', kind: 'deployments' } },
  });
  if (deployments.data) {
    const page = deployments.data.data;
    // @ts-expect-error this route lists deployments or stateful sets, never pods
    const _pods: 'Pod' = page.kind;
    for (const d of page.data) {
      out.push(`${d.metadata.name}: spec.replicas=${d.spec?.replicas} status.replicas=${d.status?.replicas}`);
    }
  }
  const scaled = await api.POST('/api/v1/clusters/{id}/namespaces/{ns}/{kind}/{name}/scale', {
    params: { path: { id, ns: 'default', kind: 'deployments', name: 'web' } },
    body: { replicas: 3 },
  });
  out.push(`scale: ${scaled.data?.data.spec?.replicas} (now ${scaled.data?.data.status?.replicas})`);
  const one = await api.GET('/api/v1/clusters/{id}/namespaces/{ns}/{kind}/{name}', {
    params: { path: { id, ns: 'default', kind: 'deployments', name: 'web' } },
  });
  if (one.data) out.push(`${one.data.data.metadata.name} ready ${one.data.data.status?.readyReplicas}`);

  const events = await api.GET('/api/v1/clusters/{id}/events', {
    params: { path: { id }, query: { type: 'Warning' } },
  });
  for (const e of events.data?.data.data ?? [])
    out.push(
      `${e.lastTimestamp ?? e.eventTime} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`,
    );

  const secrets = await api.GET('/api/v1/clusters/{id}/resources/{resource}', {
    params: { path: { id, resource: 'configmaps' }, query: { namespace: 'default' } },
  });
  for (const o of secrets.data?.data.data ?? [])
    out.push(`${o.metadata.name} ${JSON.stringify(o.spec ?? {})}`);
  const applied = await api.POST('/api/v1/clusters/{id}/apply', {
    params: { path: { id } },
    body: { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\n', dry_run: true },
  });
  for (const r of applied.data?.data.results ?? []) out.push(`${r.kind}/${r.name}: ${r.action}`);

  // nodes (with Berth's record on vendor clusters) and node pools
  const nodes = await api.GET('/api/v1/clusters/{id}/nodes', { params: { path: { id } } });
  for (const n of nodes.data?.data.data ?? []) {
    out.push(`${nodeLine(n)} instance=${n.berth_node?.instance_id ?? '-'}`);
  }
  const node = await api.GET('/api/v1/clusters/{id}/nodes/{name}', { params: { path: { id, name: 'n1' } } });
  if (node.data) out.push(nodeLine(node.data.data));
  const pools = await api.GET('/api/v1/clusters/{id}/node-pools', { params: { path: { id } } });
  for (const p of pools.data?.data.data ?? []) out.push(`pool ${p.name}: ${p.ready_nodes}/${p.desired_size}`);

  // fleet
  const fleet = await api.GET('/api/v1/fleet/resources/{resource}', {
    params: { path: { resource: 'pods' }, query: { namespace: 'default' } },
  });
  for (const c of fleet.data?.data.clusters ?? []) out.push(`${c.cluster_name}: ${c.status} ${c.count}`);
  for (const i of fleet.data?.data.data ?? [])
    out.push(`${i.cluster_id} ${i.kind} ${i.object.metadata.name} ${JSON.stringify(i.object.status ?? {})}`);
  const summary = await api.GET('/api/v1/fleet/summary');
  for (const s of summary.data?.data.data ?? []) out.push(`${s.cluster_name} ${s.version} ${s.nodes?.ready}`);

  // registries, their contents, image pull secrets; operations, secrets, audit
  const registries = await api.GET('/api/v1/registries');
  for (const r of registries.data?.data.data ?? []) {
    out.push(`registry ${r.name} ${r.host}`);
    const projects = await api.GET('/api/v1/registries/{id}/projects', { params: { path: { id: r.id } } });
    out.push(`projects: ${projects.data?.data.total}`);
  }
  const pullSecrets = await api.GET('/api/v1/clusters/{id}/image-pull-secrets', { params: { path: { id } } });
  out.push(`image pull secrets: ${pullSecrets.data?.data.total}`);
  const keys = await api.GET('/api/v1/secrets/keys');
  out.push(`keys: ${JSON.stringify(keys.data?.data)}`);
  const ops = await api.GET('/api/v1/operations', { params: { query: { status: 'failed' } } });
  for (const o of ops.data?.data.data ?? []) {
    const op = await api.GET('/api/v1/operations/{id}', { params: { path: { id: o.id } } });
    out.push(`operation ${op.data?.data.type}: ${op.data?.data.status}`);
  }
  const audit = await api.GET('/api/v1/audit-logs');
  out.push(`audit: ${audit.data?.data.total}`);
  return out;
}
