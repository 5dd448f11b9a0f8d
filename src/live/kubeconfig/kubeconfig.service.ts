import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { AccessService } from '../../access/access.service.js';
import { Verb } from '../../access/roles.js';
import { AuthService } from '../../auth/auth.service.js';
import type { AuthUser } from '../../auth/role.js';
import { UsersRepository } from '../../auth/users.repository.js';
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
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
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
    const cred = await this.credential(user, `kubeconfig ${new Date().toISOString()}`);
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
      users: [{ name: userName, user: { token: cred.token } }],
      contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: userName } })),
      'current-context': contexts[0]?.name ?? '',
    };
    return {
      kubeconfig: stringify(doc),
      contexts,
      current_context: contexts[0]?.name ?? null,
      expires_at: cred.expiresAt.toISOString(),
      credential: 'session',
    };
  }

  /**
   * The credential a downloaded kubeconfig carries. Today: a Berth login session minted for the caller
   * (BERTH_JWT_TTL_SECONDS, revoked like any session when the user's role, password or state changes).
   * When API tokens land this becomes an API token named `name` with the caller's grants (expiring,
   * revocable, listed with the caller's tokens) — this one function changes.
   */
  async credential(user: AuthUser, name: string): Promise<KubeconfigCredential> {
    void name;
    const authTime = Math.floor(Date.now() / 1000);
    const entity = await this.users.findById(user.id);
    if (!entity) throw new AppError(ErrorCode.UNAUTHENTICATED, 'The bearer token is invalid');
    const session = await this.auth.issueSession(entity, authTime);
    return { token: session.access_token, expiresAt: new Date(Date.now() + session.expires_in * 1000) };
  }

  /** Berth's public URL (BERTH_PUBLIC_URL when it is absolute, else the address the caller used). */
  private publicBase(requestBase: string): string {
    const configured = this.config.public_url;
    if (/^https?:\/\//.test(configured)) return configured.replace(/\/+$/, '');
    return requestBase.replace(/\/+$/, '') + (configured === '/' ? '' : configured.replace(/\/+$/, ''));
  }
}
