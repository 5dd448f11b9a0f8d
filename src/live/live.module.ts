import { TokensModule } from '../auth/tokens/tokens.module.js';
import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { AuditModule } from '../common/audit/audit.module.js';
import { PodSessionsController } from './exec/pod-sessions.controller.js';
import { PodSessions } from './exec/pod-sessions.js';
import { KubeconfigController } from './kubeconfig/kubeconfig.controller.js';
import { KubeconfigService } from './kubeconfig/kubeconfig.service.js';
import { LiveUpgrades } from './live-upgrades.js';
import { KubeProxy } from './proxy/k8s-proxy.js';
import { SessionRelay } from './session-relay.js';

/**
 * Live interaction with clusters: exec / attach / port-forward sessions over WebSocket, the
 * Kubernetes-compatible proxy `/k8s/clusters/:id/*`, and the multi-cluster kubeconfig that points kubectl at it.
 */
@Module({
  imports: [AuthModule, AccessModule, AuditModule, TokensModule],
  controllers: [PodSessionsController, KubeconfigController],
  providers: [SessionRelay, PodSessions, KubeProxy, KubeconfigService, LiveUpgrades],
})
export class LiveModule {}
