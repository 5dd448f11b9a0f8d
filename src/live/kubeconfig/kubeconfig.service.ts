import { ApiTokensService } from '../../auth/tokens/api-tokens.service.js';
import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { AccessService } from '../../access/access.service.js';
import { Verb } from '../../access/roles.js';
import type { AuthUser } from '../../auth/role.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ClusterClients } from '../../kube/access/cluster-clients.js';
import type { ClusterRecord } from '../../kube/access/cluster-record.js';
import { K8S_PREFIX } from '../proxy/k8s-proxy.js';
import type { KubeconfigDto } from './kubeconfig.dto.js';

export interface KubeconfigCredential {
  token: string;
  expiresAt: Date;
  tokenId: string;
}

/**
 * One kubeconfig for every cluster a caller may see, pointing kubectl at Berth's Kubernetes proxy. Its
 * user is a Berth credential of the caller; no cluster credential ever leaves Berth.
 */
@Injectable()
export class KubeconfigService {
  /** base64 PEM of the CA of Berth's public certificate (BERTH_KUBECONFIG_CA_FILE), read once at boot. */
  private readonly caData?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClusterClients,
    private readonly access: AccessService,
    private readonly tokens: ApiTokensService,
  ) {
    const file = config.live.kubeconfig_ca_file;
    if (file) this.caData = readFileSync(file).toString('base64');
  }

  async build(user: AuthUser, requestBase: string, ids?: string[]): Promise<KubeconfigDto> {
    const all = await this.clients.records();
    const visible: ClusterRecord[] = [];
    for (const c of all)
      if (
        (await this.access.decide(user, Verb.CLUSTERS_READ, {
          cluster: { id: c.id, labels: c.labels ?? {} },
        })) === 'allow'
      )
        visible.push(c);
    let chosen = visible;
    if (ids?.length) {
      const wanted = [...new Set(ids.map((i) => i.toLowerCase()))];
      const missing = wanted.filter((id) => !visible.some((c) => c.id === id));
      if (missing.length)
        throw new AppError(
          ErrorCode.NOT_FOUND,
          `clusters not found or not reachable: ${missing.join(', ')}`,
          { missing },
        );
      chosen = visible.filter((c) => wanted.includes(c.id));
    }
    chosen = [...chosen].sort((a, b) => a.name.localeCompare(b.name));
    const base = this.publicBase(requestBase);
    // No cluster to reach: an empty kubeconfig, and no token minted for nothing.
    const cred = chosen.length
      ? await this.credential(user, `kubeconfig ${new Date().toISOString().slice(0, 19)}`)
      : null;
    const userName = `berth-${user.username}`;
    const contexts = chosen.map((c) => ({
      name: c.name,
      cluster_id: c.id,
      server: `${base}${K8S_PREFIX}${c.id}`,
    }));
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: contexts.map((c) => ({
        name: c.name,
        cluster: { server: c.server, ...(this.caData ? { 'certificate-authority-data': this.caData } : {}) },
      })),
      users: cred ? [{ name: userName, user: { token: cred.token } }] : [],
      contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: userName } })),
      'current-context': contexts[0]?.name ?? '',
    };
    return {
      kubeconfig: stringify(doc),
      contexts,
      current_context: contexts[0]?.name ?? null,
      expires_at: cred ? cred.expiresAt.toISOString() : null,
      credential: cred ? 'api_token' : null,
      token_id: cred ? cred.tokenId : null,
    };
  }

  /**
   * The credential a downloaded kubeconfig carries: an API token (`berth_pat_…`) of the caller named after
   * the download, with the caller's grants (a token caller: its own token's grants), expiring after
   * BERTH_KUBECONFIG_TTL_DAYS, listed with the caller's tokens and revocable there. At every use it is also
   * bounded by the owner's current grants, like any token.
   */
  async credential(user: AuthUser, name: string): Promise<KubeconfigCredential> {
    const effective = await this.access.effectiveGrants(user);
    const rows = effective.token ?? effective.user;
    const grants = rows.map((g) => ({
      role: g.role,
      ...(g.cluster_ids ? { cluster_ids: g.cluster_ids } : {}),
      ...(g.cluster_selector ? { cluster_selector: g.cluster_selector } : {}),
      ...(g.namespaces ? { namespaces: g.namespaces } : {}),
      ...(g.namespace_selector ? { namespace_selector: g.namespace_selector } : {}),
    }));
    if (!grants.length)
      throw new AppError(ErrorCode.FORBIDDEN, 'You have no grant: a kubeconfig would reach nothing');
    const expiresAt = new Date(Date.now() + this.config.live.kubeconfig_ttl_days * 86_400_000);
    const made = await this.tokens.create(user, { name, expires_at: expiresAt, grants } as never);
    return { token: made.token, expiresAt, tokenId: made.id };
  }

  /** Berth's public URL (BERTH_PUBLIC_URL when it is absolute, else the address the caller used). */
  private publicBase(requestBase: string): string {
    const configured = this.config.public_url;
    if (/^https?:\/\//.test(configured)) return configured.replace(/\/+$/, '');
    return requestBase.replace(/\/+$/, '') + (configured === '/' ? '' : configured.replace(/\/+$/, ''));
  }
}
