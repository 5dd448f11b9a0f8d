import { UserEntity } from '../auth/user.entity.js';
import { ClusterEntity } from '../clusters/cluster.entity.js';
import { AuditLogEntity } from '../common/audit/audit-log.entity.js';
import { CredentialEntity } from '../credentials/credential.entity.js';
import { NodePoolEntity } from '../nodes/node-pool.entity.js';
import { NodeEntity } from '../nodes/node.entity.js';
import { OperationEntity } from '../operations/operation.entity.js';
import { ImagePullSecretEntity } from '../registries/image-pull-secret.entity.js';
import { RegistryEntity } from '../registries/registry.entity.js';

/** Every TypeORM entity. Listed explicitly (no globs) so the app, the CLI and the tests load the same set. */
export const ENTITIES = [
  UserEntity,
  CredentialEntity,
  OperationEntity,
  AuditLogEntity,
  ClusterEntity,
  RegistryEntity,
  ImagePullSecretEntity,
  NodePoolEntity,
  NodeEntity,
];
