import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import type { ClusterRecord } from '../kube/access/cluster-record.js';
import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { mapLimit } from '../common/concurrency.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { KubeApi, type KubePodList } from '../kube/access/kube-api.js';
import { assertSomeAnswered, ClusterFanOut } from '../kube/cluster-fan-out.js';
import type {
  ArtifactUsageDto,
  ArtifactUsageQueryDto,
  UsageClusterDto,
  UsagePodDto,
} from './dto/registry-contents.dto.js';
import { type OpenRegistry, RegistriesService } from './registries.service.js';
import { registryHost } from './registry.mapper.js';
import type { RegistryArtifact } from './registry-provider.js';

/** Registry calls at once while searching every repository for a digest. */
const SEARCH_CONCURRENCY = 4;
const POD_PAGE = 500;

interface Container {
  name: string;
  image?: string;
}
interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
}
interface Pod {
  metadata: { name: string; namespace: string };
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
  };
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}
type PodList = KubePodList<Pod>;

/** The containers of a pod running the artifact: by resolved image id (digest) or by a matching image reference. */
export function matchingContainers(pod: Pod, digest: string, references: Set<string>): string[] {
  const names = new Set<string>();
  const specs = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ];
  for (const c of specs) if (c.image && references.has(c.image)) names.add(c.name);
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  for (const s of statuses)
    if (s.imageID?.includes(digest) || (s.image && references.has(s.image))) names.add(s.name);
  return [...names].sort();
}

/**
 * Which clusters, namespaces and pods run an artifact right now. The artifact (repository, tags) comes
 * from the registry; pods are read live from every reachable cluster at once (bounded concurrency,
 * a deadline per cluster), and each cluster's outcome is part of the answer.
 */
@Injectable()
export class ArtifactUsageService {
  constructor(
    private readonly registries: RegistriesService,
    private readonly fanOut: ClusterFanOut,
    private readonly access: AccessService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Only clusters and namespaces the caller may read are searched: clusters outside its grants are never
   * queried nor named; where it reads only some namespaces, only those are searched (`namespaces` says which).
   */
  async usage(
    user: AuthUser,
    id: string,
    digest: string,
    q: ArtifactUsageQueryDto,
  ): Promise<ArtifactUsageDto> {
    const open = await this.registries.open(id);
    const found = await this.findArtifact(open, digest, q.repository);
    const host = registryHost(open.registry.endpoint);
    const tags = found.artifact.tags.map((t) => t.name);
    const references = [
      `${host}/${found.repository}@${digest}`,
      ...tags.map((t) => `${host}/${found.repository}:${t}`),
    ];
    const refSet = new Set(references);
    const timeoutMs = q.timeout_ms ?? this.config.kube.timeout_ms;
    const scopes = new Map<string, 'all' | string[]>();
    const gate = async (c: ClusterRecord) => {
      const cluster = { id: c.id, labels: c.labels ?? {} };
      if ((await this.access.decide(user, Verb.CLUSTERS_READ, { cluster })) === 'hidden')
        return 'hidden' as const;
      const ns = await this.access.permittedNamespaces(user, Verb.OBJECTS_READ, c.id);
      scopes.set(c.id, ns);
      if (ns === 'all' || ns.length) return 'ok' as const;
      return new AppError(
        ErrorCode.FORBIDDEN,
        `Your grants on cluster ${c.name} do not give ${Verb.OBJECTS_READ}`,
        {
          verb: Verb.OBJECTS_READ,
        },
      );
    };
    const outcomes = await this.fanOut.run(
      undefined,
      timeoutMs,
      async (client, cluster) => {
        const kube = new KubeApi(client);
        const pods: UsagePodDto[] = [];
        const scope = scopes.get(cluster.id) ?? 'all';
        for (const namespace of scope === 'all' ? [undefined] : scope) {
          let cont: string | undefined;
          do {
            const list: PodList = await kube.podsPage<Pod>({
              limit: POD_PAGE,
              continue: cont,
              timeoutMs,
              namespace,
            });
            for (const pod of list.items ?? []) {
              const containers = matchingContainers(pod, digest, refSet);
              if (containers.length) {
                pods.push({
                  cluster_id: cluster.id,
                  cluster_name: cluster.name,
                  namespace: pod.metadata.namespace,
                  pod: pod.metadata.name,
                  node: pod.spec?.nodeName ?? null,
                  phase: pod.status?.phase ?? null,
                  containers,
                });
              }
            }
            cont = list.metadata?.continue || undefined;
          } while (cont);
        }
        return pods;
      },
      { gate },
    );
    const clusters: UsageClusterDto[] = outcomes.map((o) => ({
      cluster_id: o.cluster.id,
      cluster_name: o.cluster.name,
      latency_ms: o.latency_ms,
      namespaces: Array.isArray(scopes.get(o.cluster.id)) ? (scopes.get(o.cluster.id) as string[]) : null,
      ...('value' in o
        ? { status: 'ok' as const, pods: o.value.length, error: null }
        : { status: o.status, pods: 0, error: o.error }),
    }));
    assertSomeAnswered(clusters);
    const pods = outcomes
      .flatMap((o) => ('value' in o ? o.value : []))
      .sort((a, b) =>
        `${a.cluster_name}/${a.namespace}/${a.pod}`.localeCompare(
          `${b.cluster_name}/${b.namespace}/${b.pod}`,
        ),
      );
    return { digest, repository: found.repository, tags, references, pods, clusters };
  }

  /** The artifact and its "<project>/<repository>": asked directly when given, else searched repository by repository. */
  private async findArtifact(
    { provider, conn, registry }: OpenRegistry,
    digest: string,
    repository?: string,
  ): Promise<{ repository: string; artifact: RegistryArtifact }> {
    if (repository) {
      const slash = repository.indexOf('/');
      const artifact = await provider.getArtifact(
        conn,
        repository.slice(0, slash),
        repository.slice(slash + 1),
        digest,
      );
      return { repository, artifact };
    }
    const repos: { project: string; name: string; full: string }[] = [];
    for (let offset = 0; ; offset += 100) {
      const projects = await provider.listProjects(conn, { offset, limit: 100 });
      for (const p of projects.items) {
        for (let roff = 0; ; roff += 100) {
          const rs = await provider.listRepositories(conn, p.name, { offset: roff, limit: 100 });
          repos.push(...rs.items.map((r) => ({ project: p.name, name: r.name, full: r.full_name })));
          if (roff + 100 >= rs.total || !rs.items.length) break;
        }
      }
      if (offset + 100 >= projects.total || !projects.items.length) break;
    }
    const hits = await mapLimit(repos, SEARCH_CONCURRENCY, async (r) => {
      try {
        return { repository: r.full, artifact: await provider.getArtifact(conn, r.project, r.name, digest) };
      } catch (e) {
        if (e instanceof AppError && e.code === ErrorCode.NOT_FOUND) return undefined;
        throw e;
      }
    });
    const hit = hits.find((h) => h !== undefined);
    if (!hit)
      throw new AppError(ErrorCode.NOT_FOUND, `artifact ${digest} not found in registry ${registry.name}`, {
        kind: 'artifact',
        id: digest,
      });
    return hit;
  }
}
