import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { AccessService } from './access.service.js';
import type {
  Connector,
  CreateGroupDto,
  GroupDto,
  GroupListQueryDto,
  GroupMemberDto,
  UpdateGroupDto,
} from './dto/group.dto.js';
import { GrantsService } from './grants.service.js';
import { type GroupRow, GroupsRepository, type MemberRow } from './groups.repository.js';

export function toGroupDto(g: GroupRow): GroupDto {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    mappings: g.mappings,
    member_count: g.member_count,
    created_at: new Date(g.created_at).toISOString(),
    updated_at: new Date(g.updated_at).toISOString(),
  };
}

const toMemberDto = (m: MemberRow): GroupMemberDto => ({
  user_id: m.user_id,
  username: m.username,
  source: m.source,
  added_at: new Date(m.added_at).toISOString(),
});

/**
 * Groups of users: they hold grants (subject_type 'group', through /grants) that every member acts with.
 * Members are added here (source local) or by an SSO login through the group's mappings (source oidc /
 * ldap, replaced at each login). Every membership change drops AccessService's grant cache on this
 * instance; other instances see it within auth.state_cache_ms.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly groups: GroupsRepository,
    private readonly grants: GrantsService,
    private readonly access: AccessService,
  ) {}

  async list(q: GroupListQueryDto): Promise<Page<GroupDto>> {
    const [rows, total] = await this.groups.list({ q: q.q, offset: q.offset, limit: q.page_size });
    return page(rows.map(toGroupDto), total, q.page, q.page_size);
  }

  async get(id: string): Promise<GroupDto> {
    return toGroupDto(await this.mustFind(id));
  }

  async create(dto: CreateGroupDto): Promise<GroupDto> {
    if (await this.groups.nameTaken(dto.name)) throw AppError.conflict(`group ${dto.name} already exists`);
    const id = await this.groups.transaction(async (q) => {
      const id = await this.groups.insert(q, { name: dto.name, description: dto.description ?? null });
      if (dto.mappings) await this.groups.replaceMappings(q, id, dto.mappings);
      return id;
    });
    return this.get(id);
  }

  async update(id: string, dto: UpdateGroupDto): Promise<GroupDto> {
    await this.mustFind(id);
    if (dto.name !== undefined && (await this.groups.nameTaken(dto.name, id)))
      throw AppError.conflict(`group ${dto.name} already exists`);
    await this.groups.transaction(async (q) => {
      await this.groups.update(q, id, { name: dto.name, description: dto.description });
      if (dto.mappings) await this.groups.replaceMappings(q, id, dto.mappings);
    });
    this.access.invalidate(); // grants answered through a group carry its name
    return this.get(id);
  }

  /** The group, its memberships and mappings (cascade), then every grant it held. */
  async remove(id: string): Promise<void> {
    if (!(await this.groups.delete(id))) throw AppError.notFound('group', id);
    await this.grants.deleteForSubject('group', id);
    this.access.invalidate();
  }

  async members(id: string, q: PageQueryDto): Promise<Page<GroupMemberDto>> {
    await this.mustFind(id);
    const [rows, total] = await this.groups.members(id, q.offset, q.page_size);
    return page(rows.map(toMemberDto), total, q.page, q.page_size);
  }

  async addMember(id: string, userId: string): Promise<GroupMemberDto> {
    await this.mustFind(id);
    if (!(await this.groups.userExists(userId))) throw AppError.notFound('user', userId);
    const row = await this.groups.putMember(id, userId);
    this.access.invalidate();
    return toMemberDto(row);
  }

  async removeMember(id: string, userId: string): Promise<void> {
    await this.mustFind(id);
    if (!(await this.groups.deleteMember(id, userId))) throw AppError.notFound('member', userId);
    this.access.invalidate();
  }

  /** An SSO login: the user's memberships from this connector follow its external groups now. */
  async syncExternal(userId: string, connector: Connector, externalGroups: string[]) {
    const groups = await this.groups.syncExternal(userId, connector, externalGroups);
    this.access.invalidate();
    return groups;
  }

  private async mustFind(id: string): Promise<GroupRow> {
    const g = await this.groups.findById(id);
    if (!g) throw AppError.notFound('group', id);
    return g;
  }
}
