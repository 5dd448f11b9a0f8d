import type { ImagePullSecretDto } from './dto/image-pull-secret.dto.js';
import type { RegistryDto } from './dto/registry.dto.js';
import type { ImagePullSecretEntity } from './image-pull-secret.entity.js';
import type { RegistryEntity } from './registry.entity.js';

/** The host image references use for this registry ("harbor.example.com", "10.0.0.5:8443"). */
export function registryHost(endpoint: string): string {
  return new URL(endpoint).host;
}

export function toRegistryDto(r: RegistryEntity): RegistryDto {
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    endpoint: r.endpoint,
    host: registryHost(r.endpoint),
    credential_id: r.credentialId,
    description: r.description,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/** A pull secret record; the robot's secret is never stored, so it can never leave from here. */
export function toImagePullSecretDto(s: ImagePullSecretEntity): ImagePullSecretDto {
  return {
    id: s.id,
    cluster_id: s.clusterId,
    namespace: s.namespace,
    name: s.secretName,
    registry_id: s.registryId,
    project: s.project,
    robot_id: s.robotId,
    robot_name: s.robotName,
    created_by: s.createdBy,
    created_at: s.createdAt.toISOString(),
  };
}
