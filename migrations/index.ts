import { Init1763780000000 } from './1763780000000-Init.js';
import { Clusters1763790000000 } from './1763790000000-Clusters.js';
import { Registries1763800000000 } from './1763800000000-Registries.js';
import { NodePools1763810000000 } from './1763810000000-NodePools.js';
import { DurableRevocation1764600000000 } from './1764600000000-DurableRevocation.js';
import { OperationRequestId1764700000000 } from './1764700000000-OperationRequestId.js';
import { Grants1764800000000 } from './1764800000000-Grants.js';
import { ApiTokens1764900000000 } from './1764900000000-ApiTokens.js';
import { Sso1764950000000 } from './1764950000000-Sso.js';
import { CredentialExpiry1765100000000 } from './1765100000000-CredentialExpiry.js';
import { AuditDetails1765200000000 } from './1765200000000-AuditDetails.js';
import { AuditTokenId1765300000000 } from './1765300000000-AuditTokenId.js';

/** Every migration, in order. A landed migration is never edited: add a new file and list it here. */
export const MIGRATIONS = [
  Init1763780000000,
  Clusters1763790000000,
  Registries1763800000000,
  NodePools1763810000000,
  DurableRevocation1764600000000,
  OperationRequestId1764700000000,
  Grants1764800000000,
  ApiTokens1764900000000,
  Sso1764950000000,
  CredentialExpiry1765100000000,
  AuditDetails1765200000000,
  AuditTokenId1765300000000,
];
