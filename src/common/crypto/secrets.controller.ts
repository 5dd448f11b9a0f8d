import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Access } from '../../access/access.decorator.js';
import { Verb } from '../../access/roles.js';
import { CurrentUser } from '../../auth/authenticated.decorator.js';
import type { AuthUser } from '../../auth/role.js';
import { OperationDto } from '../../operations/dto/operation.dto.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../../operations/idempotency-key.decorator.js';
import { OperationType } from '../../operations/operation-types.js';
import { OperationsService } from '../../operations/operations.service.js';
import { Audit } from '../audit/audit.decorator.js';
import { ApiErrors, ApiOkEnvelope } from '../swagger.js';
import { KeyRotationService } from './key-rotation.service.js';

class KeyUsageDto {
  @ApiProperty({
    description: 'Key id new secrets are encrypted with (first entry of BERTH_ENCRYPTION_KEYS)',
  })
  active_key_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } },
    example: { credentials: { k2: 10, k1: 3 } },
    description: 'Sealed values per table and key id',
  })
  sealed_by_key: Record<string, Record<string, number>>;

  @ApiProperty({ description: 'Sealed values still under an older key (0 = safe to drop old keys)' })
  not_under_active_key: number;
}

@ApiTags('secrets')
@Controller('secrets')
@Access(Verb.SETTINGS_MANAGE)
export class SecretsController {
  constructor(
    private readonly rotation: KeyRotationService,
    private readonly operations: OperationsService,
  ) {}

  @Get('keys')
  @ApiOperation({ summary: 'Which encryption keys the stored secrets are sealed under' })
  @ApiOkEnvelope(KeyUsageDto)
  keys() {
    return this.rotation.usage();
  }

  @Post('reencrypt')
  @Audit('secrets.reencrypt', 'secrets')
  @HttpCode(202)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Re-encrypt every stored secret under the active key (key rotation); returns the operation',
  })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(409)
  reencrypt(@CurrentUser() user: AuthUser, @IdempotencyKey() key?: string) {
    return this.operations.start({
      type: OperationType.SECRETS_REENCRYPT,
      targetType: 'secrets',
      targetId: null,
      actorId: user.id,
      idempotencyKey: key,
    });
  }
}
