import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/role.js';
import { Role } from '../auth/role.js';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { AccessService, type CompiledGrant, compileGrant, type GrantRow } from './access.service.js';
import type {
  AccessReviewDto,
  AccessReviewResultDto,
  CreateGrantDto,
  GrantDto,
  GrantListQueryDto,
  GrantScopeDto,
} from './dto/grant.dto.js';
import {
  formatSelector,
  matches,
  parseSelector,
  SelectorSyntaxError,
  selectorWithin,
} from './label-selector.js';
import { GrantRole, ROLE_VERBS, type Verb } from './roles.js';

/** The grants a role preset stands for (a user's `role`, kept as `managed_by = 'role'` grants). */
export const PRESET_GRANT: Record<Role, GrantRole | null> = {
  [Role.ADMIN]: GrantRole.ADMIN,
  [Role.OPERATOR]: GrantRole.CLUSTER_ADMIN,
  [Role.VIEWER]: GrantRole.VIEW,
  [Role.NONE]: null,
};

export function toGrantDto(r: GrantRow): GrantDto {
  return {
    id: r.id,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    role: r.role,
    cluster_ids: r.cluster_ids,
    cluster_selector: r.cluster_selector,
    namespaces: r.namespaces,
    namespace_selector: r.namespace_selector,
    verbs: [...ROLE_VERBS[r.role]],
    managed_by: r.managed_by === 'role' ? 'role' : null,
    description: r.description,
    via_group: r.group_name ?? null,
    created_by: r.created_by,
    created_at: new Date(r.created_at).toISOString(),
  };
}

/** A scope as it is stored: validated, selectors in canonical form. */
type Scope = Pick<
  GrantRow,
  'role' | 'cluster_ids' | 'cluster_selector' | 'namespaces' | 'namespace_selector'
>;

function canonicalSelector(field: string, s: string | undefined): string | null {
  if (s === undefined) return null;
  try {
    return formatSelector(parseSelector(s));
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw AppError.validation([{ field, errors: [e.message] }]);
    throw e;
  }
}

/** Checks a requested scope and answers it in stored form (400 naming the field). */
export function validScope(dto: GrantScopeDto, prefix = ''): Scope {
  const problems: { field: string; errors: string[] }[] = [];
  if (dto.cluster_ids && dto.cluster_selector !== undefined)
    problems.push({
      field: `${prefix}cluster_selector`,
      errors: ['give cluster_ids or cluster_selector, not both'],
    });
  if (dto.namespaces && dto.namespace_selector !== undefined)
    problems.push({
      field: `${prefix}namespace_selector`,
      errors: ['give namespaces or namespace_selector, not both'],
    });
  if (
    dto.role === GrantRole.ADMIN &&
    (dto.cluster_ids ||
      dto.cluster_selector !== undefined ||
      dto.namespaces ||
      dto.namespace_selector !== undefined)
  )
    problems.push({
      field: `${prefix}role`,
      errors: ['admin is given on everything: leave out the scope fields'],
    });
  if (problems.length) throw AppError.validation(problems);
  return {
    role: dto.role,
    cluster_ids: dto.cluster_ids ? [...new Set(dto.cluster_ids.map((i) => i.toLowerCase()))].sort() : null,
    cluster_selector: canonicalSelector(`${prefix}cluster_selector`, dto.cluster_selector),
    namespaces: dto.namespaces ? [...new Set(dto.namespaces)].sort() : null,
    namespace_selector: canonicalSelector(`${prefix}namespace_selector`, dto.namespace_selector),
  };
}

/** Whether grant `g` gives everything `s` would (same or stronger role, at least as wide a scope). */
function covers(g: CompiledGrant, s: Scope, labelsOf: Map<string, Record<string, string>>): boolean {
  const need = ROLE_VERBS[s.role];
  if (!need.every((v) => g.verbs.has(v))) return false;
  // clusters
  if (g.clusterIds) {
    if (!s.cluster_ids || !s.cluster_ids.every((id) => g.clusterIds!.has(id))) return false;
  } else if (g.clusterSel) {
    if (s.cluster_selector) {
      if (!selectorWithin(parseSelector(s.cluster_selector), g.clusterSel)) return false;
    } else if (s.cluster_ids) {
      if (!s.cluster_ids.every((id) => labelsOf.has(id) && matches(g.clusterSel!, labelsOf.get(id))))
        return false;
    } else return false;
  }
  // namespaces
  if (g.nsNames) {
    if (!s.namespaces || !s.namespaces.every((n) => g.nsNames!.has(n))) return false;
  } else if (g.nsSel) {
    if (!s.namespace_selector || !selectorWithin(parseSelector(s.namespace_selector), g.nsSel)) return false;
  }
  return true;
}

@Injectable()
export class GrantsService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
  ) {}

  async list(q: GrantListQueryDto): Promise<Page<GrantDto>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.subject_type) where.push(`subject_type = $${params.push(q.subject_type)}`);
    if (q.subject_id) where.push(`subject_id = $${params.push(q.subject_id)}`);
    if (q.role) where.push(`role = $${params.push(q.role)}`);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM grants ${cond}`, params)) as {
      n: number;
    }[];
    const rows = (await this.ds.query(
      `SELECT *, NULL AS group_name FROM grants ${cond} ORDER BY created_at, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.page_size, (q.page - 1) * q.page_size],
    )) as GrantRow[];
    return page(rows.map(toGrantDto), n, q.page, q.page_size);
  }

  async get(id: string): Promise<GrantDto> {
    return toGrantDto(await this.row(id));
  }

  private async row(id: string): Promise<GrantRow> {
    const rows = (await this.ds.query(`SELECT *, NULL AS group_name FROM grants WHERE id = $1`, [
      id,
    ])) as GrantRow[];
    if (!rows[0]) throw AppError.notFound('grant', id);
    return rows[0];
  }

  async create(dto: CreateGrantDto, actor: AuthUser): Promise<GrantDto> {
    const scope = validScope(dto);
    const table = dto.subject_type === 'user' ? 'users' : 'groups';
    const found = (await this.ds.query(`SELECT 1 FROM ${table} WHERE id = $1`, [
      dto.subject_id,
    ])) as unknown[];
    if (!found.length) throw AppError.notFound(dto.subject_type, dto.subject_id);
    const row = await this.insert(dto.subject_type, dto.subject_id, scope, {
      description: dto.description ?? null,
      createdBy: actor.id,
    });
    return toGrantDto(row);
  }

  async remove(id: string): Promise<void> {
    const g = await this.row(id);
    if (g.managed_by === 'role')
      throw new AppError(
        ErrorCode.CONFLICT,
        'This grant follows the user’s role preset: change the user’s role (PATCH /users/{id}, role "none" for no preset) instead',
      );
    await this.ds.query('DELETE FROM grants WHERE id = $1', [id]);
    this.access.invalidate();
  }

  /** Keeps a user's preset grant in step with its `role`. */
  async setPreset(userId: string, role: Role): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(
        `DELETE FROM grants WHERE subject_type = 'user' AND subject_id = $1 AND managed_by = 'role'`,
        [userId],
      );
      const g = PRESET_GRANT[role];
      if (g)
        await m.query(
          `INSERT INTO grants (id, subject_type, subject_id, role, managed_by, description) VALUES ($1, 'user', $2, $3, 'role', $4)`,
          [randomUUID(), userId, g, `From the user's ${role} role`],
        );
    });
    this.access.invalidate();
  }

  async deleteForSubject(type: 'user' | 'group' | 'token', id: string): Promise<void> {
    await this.ds.query('DELETE FROM grants WHERE subject_type = $1 AND subject_id = $2', [type, id]);
    this.access.invalidate();
  }

  /**
   * The grants of a new API token: each must be covered by one grant its creator holds (same or stronger
   * role, at least as wide a scope) — a token can never do more than the one who made it. At use, a
   * token's grants are also bounded by its owner's current grants (AccessService's two layers).
   */
  async assertWithin(creator: AuthUser, scopes: GrantScopeDto[], field = 'grants'): Promise<Scope[]> {
    const valid = scopes.map((s, i) => validScope(s, `${field}[${i}].`));
    const layers = await this.access.layersOf(creator);
    const ids = [...new Set(valid.flatMap((s) => s.cluster_ids ?? []))];
    const labelsOf = new Map<string, Record<string, string>>();
    if (ids.length) {
      const rows = (await this.ds.query('SELECT id, labels FROM clusters WHERE id = ANY($1::uuid[])', [
        ids,
      ])) as {
        id: string;
        labels: Record<string, string>;
      }[];
      for (const r of rows) labelsOf.set(r.id, r.labels ?? {});
    }
    const problems = valid.flatMap((s, i) =>
      layers.every((l) => l.some((g) => covers(g, s, labelsOf)))
        ? []
        : [
            {
              field: `${field}[${i}]`,
              errors: [`exceeds your own grants: none of them gives ${s.role} on this scope`],
            },
          ],
    );
    if (problems.length)
      throw new AppError(ErrorCode.FORBIDDEN, 'A token cannot have more access than its creator', {
        fields: problems,
      });
    return valid;
  }

  /** Stores the grants of a token (already checked with assertWithin), in the caller's transaction if given. */
  async insertForToken(
    tokenId: string,
    scopes: Scope[],
    createdBy: string,
    q?: { query: DataSource['query'] },
  ) {
    for (const s of scopes) await this.insert('token', tokenId, s, { description: null, createdBy }, q);
    this.access.invalidate();
  }

  private async insert(
    type: 'user' | 'group' | 'token',
    subjectId: string,
    s: Scope,
    meta: { description: string | null; createdBy: string | null },
    q: { query: DataSource['query'] } = this.ds,
  ): Promise<GrantRow> {
    const rows = (await q.query(
      `INSERT INTO grants (id, subject_type, subject_id, role, cluster_ids, cluster_selector, namespaces, namespace_selector, description, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *, NULL AS group_name`,
      [
        randomUUID(),
        type,
        subjectId,
        s.role,
        s.cluster_ids,
        s.cluster_selector,
        s.namespaces,
        s.namespace_selector,
        meta.description,
        meta.createdBy,
      ],
    )) as GrantRow[];
    this.access.invalidate();
    return rows[0];
  }

  /** Like Kubernetes' SubjectAccessReview: what may this subject do there, and which grants say so. */
  async review(dto: AccessReviewDto, caller: AuthUser): Promise<AccessReviewResultDto> {
    let subject: AuthUser = caller;
    if (dto.subject_id) {
      if (dto.subject_type === 'token') {
        const rows = (await this.ds
          .query('SELECT user_id FROM api_tokens WHERE id = $1', [dto.subject_id])
          .catch(() => [])) as { user_id: string }[];
        if (!rows[0]) throw AppError.notFound('token', dto.subject_id);
        subject = {
          id: rows[0].user_id,
          username: '',
          role: Role.NONE,
          jti: '',
          exp: 0,
          tokenId: dto.subject_id,
        };
      } else {
        const rows = (await this.ds.query('SELECT id FROM users WHERE id = $1', [
          dto.subject_id,
        ])) as unknown[];
        if (!rows.length) throw AppError.notFound('user', dto.subject_id);
        subject = { id: dto.subject_id, username: '', role: Role.NONE, jti: '', exp: 0, tokenId: null };
      }
    }
    const target = {
      cluster: dto.cluster_id,
      namespace: dto.cluster_id ? (dto.namespace ?? null) : undefined,
    };
    const decision = await this.access.decide(subject, dto.verb, target);
    const layers = await this.access.layersOf(subject);
    const matched = layers[0].filter((g) => g.verbs.has(dto.verb as Verb)).map((g) => g.row);
    const relevant =
      decision === 'allow'
        ? (
            await Promise.all(
              matched.map(async (row) => {
                const one = compileGrant(row);
                const d = await this.access.decideWith([[one]], dto.verb, target);
                return d === 'allow' ? row : null;
              }),
            )
          ).filter((r): r is GrantRow => r !== null)
        : [];
    return {
      allowed: decision === 'allow',
      decision,
      verb: dto.verb,
      cluster_id: dto.cluster_id ?? null,
      namespace: dto.namespace ?? null,
      matched_grants: relevant.map(toGrantDto),
    };
  }
}
