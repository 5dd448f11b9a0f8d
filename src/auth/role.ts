export enum Role {
  ADMIN = 'admin',
  OPERATOR = 'operator',
  VIEWER = 'viewer',
}

const RANK: Record<Role, number> = { [Role.VIEWER]: 1, [Role.OPERATOR]: 2, [Role.ADMIN]: 3 };

/** Roles are ordered: an admin may do what an operator may, an operator what a viewer may. */
export function roleAllows(actual: Role, required: Role): boolean {
  return (RANK[actual] ?? 0) >= RANK[required];
}

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  jti: string;
  exp: number;
}
