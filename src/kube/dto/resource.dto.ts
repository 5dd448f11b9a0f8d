import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiPageEnvelope } from '../../common/swagger.js';
import { Transform } from 'class-transformer';
import { IsBoolean, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export { toBool } from '../../common/validators.js';
import { toBool, OptionalNotNull } from '../../common/validators.js';
import { kubeRef } from './kube-object.schemas.js';

export class ApiResourceDto {
  @ApiProperty({ example: 'deployments' }) name: string;
  @ApiProperty({ example: 'deployment' }) singular_name: string;
  @ApiProperty({ example: 'Deployment' }) kind: string;
  @ApiProperty({ example: 'apps', description: '"" for the core group' }) group: string;
  @ApiProperty({ example: 'v1' }) version: string;
  @ApiProperty() namespaced: boolean;
  @ApiProperty({ type: [String] }) verbs: string[];
  @ApiProperty({ type: [String] }) short_names: string[];
  @ApiProperty({ type: [String], example: ['scale', 'status'] }) subresources: string[];
}

export class ApiResourceQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this API group ("" = core)' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(253)
  group?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  namespaced?: boolean;

  @ApiPropertyOptional({ description: 'Substring of name or kind' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class SelectorQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'app=web,tier!=cache', description: 'Kubernetes label selector' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(4096)
  label_selector?: string;

  @ApiPropertyOptional({ example: 'status.phase=Running', description: 'Kubernetes field selector' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(4096)
  field_selector?: string;
}

export class ResourceListQueryDto extends SelectorQueryDto {
  @ApiPropertyOptional({ description: 'Namespace (namespaced resources); omit for all namespaces' })
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;

  @ApiPropertyOptional({
    description: 'Show Secret values (admins only); redacted otherwise',
    default: false,
  })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  show_secret_values?: boolean;
}

export class ResourceGetQueryDto {
  @ApiPropertyOptional({ description: 'Namespace of a namespaced resource' })
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;

  @ApiPropertyOptional({ description: 'Show Secret values (admins only)', default: false })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  show_secret_values?: boolean;
}

/** A page of live objects: items as Kubernetes lists them, their apiVersion and kind on the page. */
export const ApiKubePage = (
  item: Record<string, unknown> = kubeRef('KubeObject'),
  description = 'One page of live objects, as the API server lists them',
  kinds?: { api_version: string[]; kind: string[] },
) =>
  ApiPageEnvelope(
    item,
    description,
    null,
    {
      api_version: {
        type: 'string',
        description:
          'apiVersion of the items (list items carry neither apiVersion nor kind, as in Kubernetes)',
        ...(kinds ? { enum: kinds.api_version } : { example: 'apps/v1' }),
      },
      kind: {
        type: 'string',
        description: 'kind of the items',
        ...(kinds ? { enum: kinds.kind } : { example: 'Deployment' }),
      },
    },
    ['api_version', 'kind'],
  );
