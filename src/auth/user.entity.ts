import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Role } from './role.js';

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  username: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: Role;

  /** service: a service account (API tokens only, no password login). */
  @Column({ type: 'text', default: 'human' })
  kind: 'human' | 'service';

  /** Where the user comes from: a local password, or an SSO connector (no password login then). */
  @Column({ type: 'text', default: 'local' })
  source: 'local' | 'oidc' | 'ldap';

  /** SSO identity: the OIDC issuer or the LDAP server URL (null for local users). */
  @Column({ name: 'external_issuer', type: 'text', nullable: true })
  externalIssuer: string | null;

  /** SSO identity: the OIDC `sub` or the user's LDAP DN (null for local users). */
  @Column({ name: 'external_subject', type: 'text', nullable: true })
  externalSubject: string | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Every token authenticated at or before this moment is refused (role, password or state changed). */
  @Column({ name: 'tokens_valid_after', type: 'timestamptz', default: () => "'epoch'" })
  tokensValidAfter: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
