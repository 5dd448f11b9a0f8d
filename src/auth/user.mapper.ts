import type { UserDto } from './dto/user.dto.js';
import type { UserEntity } from './user.entity.js';

/** The only way a user leaves the building: the password hash never does. */
export function toUserDto(u: UserEntity): UserDto {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    kind: u.kind ?? 'human',
    source: u.source ?? 'local',
    disabled: u.disabled,
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}
