import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { ClusterClients } from '../kube/access/cluster-clients.js';
import type { KubeApi } from '../kube/access/kube-api.js';
import type {
  CreateImagePullSecretDto,
  ImagePullSecretDto,
  ImagePullSecretQueryDto,
} from './dto/image-pull-secret.dto.js';
import type { ImagePullSecretEntity } from './image-pull-secret.entity.js';
import { ImagePullSecretsRepository } from './image-pull-secrets.repository.js';
import { RegistriesService } from './registries.service.js';
import { registryHost, toImagePullSecretDto } from './registry.mapper.js';

/** `.dockerconfigjson` for one registry host. */
export function dockerConfigJson(host: string, username: string, password: string): string {
  return JSON.stringify({
    auths: {
      [host]: { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') },
    },
  });
}

/**
 * Pull access for a cluster namespace: a pull-only robot account in the registry project, installed as
 * a kubernetes.io/dockerconfigjson Secret, recorded (without its secret) so it can be listed and
 * removed. Every step undoes the earlier ones when it fails: nothing is left half-written.
 */
@Injectable()
export class ImagePullSecretsService {
  private readonly logger = new Logger(ImagePullSecretsService.name);

  constructor(
    private readonly repo: ImagePullSecretsRepository,
    private readonly registries: RegistriesService,
    private readonly clients: ClusterClients,
  ) {}

  async list(
    clusterId: string,
    namespace: string | undefined,
    q: ImagePullSecretQueryDto,
  ): Promise<Page<ImagePullSecretDto>> {
    await this.clients.record(clusterId);
    const [rows, total] = await this.repo.list({
      clusterId,
      namespace,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toImagePullSecretDto), total, q.page, q.page_size);
  }

  async create(
    clusterId: string,
    namespace: string,
    dto: CreateImagePullSecretDto,
    actorId: string,
  ): Promise<ImagePullSecretDto> {
    const kube = await this.clients.api(clusterId);
    const { registry, provider, conn } = await this.registries.open(dto.registry_id);
    const name = dto.name ?? defaultSecretName(registry.name, dto.project);
    if (await this.repo.find(clusterId, namespace, name)) {
      throw AppError.conflict(`image pull secret ${namespace}/${name} already exists in this cluster`);
    }
    const robot = await provider.createPullRobot(
      conn,
      dto.project,
      `berth-${randomBytes(6).toString('hex')}`,
      `Berth image pull secret ${namespace}/${name} in cluster ${kube.cluster.name}`,
    );
    const undoRobot = async (why: unknown) => {
      await provider.deleteRobot(conn, robot.id).catch((e: unknown) => {
        this.logger.error(
          `could not delete robot ${robot.name} of registry ${registry.name} after a failed install (${String(why)}): ${String(e)}`,
        );
      });
    };
    try {
      await kube.createSecret(namespace, {
        type: 'kubernetes.io/dockerconfigjson',
        metadata: {
          name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'berth' },
          annotations: {
            'berth.io/registry-id': registry.id,
            'berth.io/registry-project': dto.project,
            'berth.io/robot-name': robot.name,
          },
        },
        data: {
          '.dockerconfigjson': Buffer.from(
            dockerConfigJson(registryHost(registry.endpoint), robot.name, robot.secret),
          ).toString('base64'),
        },
      });
    } catch (e) {
      await undoRobot(e);
      throw e;
    }
    try {
      const row = await this.repo.insert({
        id: randomUUID(),
        clusterId,
        namespace,
        secretName: name,
        registryId: registry.id,
        project: dto.project,
        robotId: robot.id,
        robotName: robot.name,
        createdBy: actorId,
      });
      return toImagePullSecretDto(row);
    } catch (e) {
      await this.deleteSecret(kube, namespace, name).catch((err: unknown) =>
        this.logger.error(
          `could not delete Secret ${namespace}/${name} after a failed insert: ${String(err)}`,
        ),
      );
      await undoRobot(e);
      throw e;
    }
  }

  /** Removes the Secret, then the robot, then the record; a retry after a partial failure finishes the job. */
  async remove(clusterId: string, namespace: string, name: string): Promise<void> {
    const row = await this.mustFind(clusterId, namespace, name);
    const kube = await this.clients.api(clusterId);
    await this.deleteSecret(kube, namespace, name);
    const { provider, conn } = await this.registries.open(row.registryId);
    await provider.deleteRobot(conn, row.robotId).catch((e: unknown) => {
      if (!(e instanceof AppError && e.code === ErrorCode.NOT_FOUND)) throw e;
    });
    await this.repo.delete(row.id);
  }

  private async deleteSecret(kube: KubeApi, namespace: string, name: string): Promise<void> {
    await kube.deleteSecret(namespace, name).catch((e: unknown) => {
      if (!(e instanceof AppError && e.code === ErrorCode.NOT_FOUND)) throw e;
    });
  }

  private async mustFind(clusterId: string, namespace: string, name: string): Promise<ImagePullSecretEntity> {
    const row = await this.repo.find(clusterId, namespace, name);
    if (!row) throw AppError.notFound('image pull secret', `${namespace}/${name}`);
    return row;
  }
}

function defaultSecretName(registry: string, project: string): string {
  return `${registry}-${project}`
    .replace(/[^a-z0-9-.]/g, '-')
    .slice(0, 253)
    .replace(/[-.]+$/, '');
}
