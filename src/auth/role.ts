export enum Role {
  ADMIN = 'admin',
  OPERATOR = 'operator',
  VIEWER = 'viewer',
  /** No preset: the user acts only with explicit grants (its own and its groups'). */
  NONE = 'none',
}

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  jti: string;
  exp: number;
  /** Set when the caller authenticated with an API token: its grants, bounded by the owner's, apply. */
  tokenId?: string | null;
}
