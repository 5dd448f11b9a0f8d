import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validators.js';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

export class KubeconfigQueryDto {
  @ApiPropertyOptional({
    description: 'Comma-separated cluster ids; default: every cluster the caller may see',
    example: '3f8b2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(37 * 500)
  @Matches(new RegExp(`^${UUID}(,${UUID})*$`), { message: 'clusters must be comma-separated cluster ids' })
  clusters?: string;
}

export class KubeconfigContextDto {
  @ApiProperty({
    example: 'alpha',
    description: 'Context (and cluster) name in the kubeconfig: the cluster name',
  })
  name: string;
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty({
    example: 'https://berth.example.com/k8s/clusters/3f8b2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    description: 'The context’s server: Berth’s public URL + /k8s/clusters/<id>',
  })
  server: string;
}

export class KubeconfigDto {
  @ApiProperty({
    description:
      'A kubeconfig (YAML): one context per cluster, server = Berth, user = a Berth credential of the caller (never a cluster credential)',
  })
  kubeconfig: string;
  @ApiProperty({
    type: [KubeconfigContextDto],
    description: 'The contexts in the kubeconfig, by cluster name',
  })
  contexts: KubeconfigContextDto[];
  @ApiProperty({
    example: 'alpha',
    type: String,
    nullable: true,
    description: 'The kubeconfig’s current-context (the first cluster by name); null without clusters',
  })
  current_context: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the kubeconfig’s credential expires; null when it reaches no cluster (no credential then)',
  })
  expires_at: string | null;
  @ApiProperty({
    type: String,
    enum: ['api_token'],
    nullable: true,
    description:
      'What the credential is: an API token of the caller (berth_pat_…) named after the download, with the caller’s grants; list or revoke it under /tokens. null without clusters',
  })
  credential: 'api_token' | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Id of that API token (DELETE /tokens/{id} revokes the kubeconfig); null without clusters',
  })
  token_id: string | null;
}
