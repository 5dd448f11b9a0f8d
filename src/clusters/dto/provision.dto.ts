import { ClusterAttributesDto } from './cluster.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ResourceName, toBool, OptionalNotNull } from '../../common/validators.js';
import { CLUSTER_PROVIDER_NAMES, type ClusterProviderName } from '../../providers/vendor-registry.js';

const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const VENDOR_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class AutoscalingDto {
  @ApiProperty() @IsBoolean() enabled: boolean;
  @ApiProperty({ minimum: 0, maximum: 1000 }) @IsInt() @Min(0) @Max(1000) min_size: number;
  @ApiProperty({ minimum: 0, maximum: 1000 }) @IsInt() @Min(0) @Max(1000) max_size: number;
}

export class MachineConfigDto {
  @ApiProperty({
    example: 'Amazonec2Config',
    description: 'Kind of the machine template (Rancher node driver config)',
  })
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,62}$/)
  kind: string;

  @ApiProperty({ example: 'nc-workers' })
  @Matches(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/)
  name: string;
}

export class NodePoolSpecDto {
  @ResourceName({ example: 'workers' })
  name: string;

  @ApiProperty({ minimum: 0, maximum: 1000, description: 'Nodes the pool should have' })
  @IsInt()
  @Min(0)
  @Max(1000)
  desired_size: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['ecs.g7.xlarge'],
    description: 'Vendor instance types (machine sizes)',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(VENDOR_ID, { each: true })
  instance_types?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Subnets (ACK vSwitches, TKE subnets); default: the cluster’s',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(VENDOR_ID, { each: true })
  subnet_ids?: string[];

  @ApiPropertyOptional({ type: AutoscalingDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => AutoscalingDto)
  autoscaling?: AutoscalingDto;

  @ApiPropertyOptional({
    enum: ['etcd', 'control-plane', 'worker'],
    isArray: true,
    description: 'Roles of the pool’s machines (Rancher); default worker',
  })
  @OptionalNotNull()
  @IsArray()
  @IsIn(['etcd', 'control-plane', 'worker'], { each: true })
  roles?: ('etcd' | 'control-plane' | 'worker')[];

  @ApiPropertyOptional({ type: MachineConfigDto, description: 'Machine template of the pool (Rancher)' })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => MachineConfigDto)
  machine_config?: MachineConfigDto;
}

/** How Berth reaches the new cluster's API server, for vendors that open access on request (TKE). */
export class EndpointSpecDto {
  @ApiProperty({
    enum: ['internal', 'external'],
    default: 'internal',
    description: 'internal: an address in the VPC (needs a subnet); external: a public address',
  })
  @IsIn(['internal', 'external'])
  access: 'internal' | 'external';

  @ApiPropertyOptional({
    example: 'subnet-8example',
    description: 'Subnet of an internal endpoint; default: the first of spec.subnet_ids',
  })
  @OptionalNotNull()
  @Matches(VENDOR_ID)
  subnet_id?: string;

  @ApiPropertyOptional({ example: 'sg-example', description: 'Security group of the endpoint' })
  @OptionalNotNull()
  @Matches(VENDOR_ID)
  security_group?: string;
}

/** A vendor-neutral cluster spec; each provider checks what it needs (422 names the field). */
export class ClusterSpecDto {
  @ApiPropertyOptional({
    example: '1.31.1-aliyun.1',
    description: 'Kubernetes version in the vendor’s spelling',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(64)
  kubernetes_version?: string;

  @ApiPropertyOptional({ example: 'vpc-bp1example' })
  @OptionalNotNull()
  @Matches(VENDOR_ID)
  vpc_id?: string;

  @ApiPropertyOptional({ type: [String], example: ['vsw-bp1example'] })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(VENDOR_ID, { each: true })
  subnet_ids?: string[];

  @ApiPropertyOptional({ example: '172.16.0.0/16' })
  @OptionalNotNull()
  @Matches(CIDR, { message: 'service_cidr must be a CIDR like 172.16.0.0/16' })
  service_cidr?: string;

  @ApiPropertyOptional({ example: '10.0.0.0/8' })
  @OptionalNotNull()
  @Matches(CIDR, { message: 'pod_cidr must be a CIDR like 10.0.0.0/8' })
  pod_cidr?: string;

  @ApiPropertyOptional({ default: false })
  @OptionalNotNull()
  @IsBoolean()
  deletion_protection?: boolean;

  @ApiPropertyOptional({
    example: 'cattle-global-data:cc-abcde',
    description: 'Cloud credential the vendor provisions machines with (Rancher)',
  })
  @OptionalNotNull()
  @Matches(/^[a-z0-9][-a-z0-9.:]{0,252}$/)
  cloud_credential?: string;

  @ApiPropertyOptional({
    type: EndpointSpecDto,
    description:
      'API server access the vendor opens before Berth fetches the kubeconfig (TKE); default internal',
  })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => EndpointSpecDto)
  endpoint?: EndpointSpecDto;

  @ApiPropertyOptional({ type: [NodePoolSpecDto] })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => NodePoolSpecDto)
  node_pools?: NodePoolSpecDto[];
}

export class CreateClusterDto extends ClusterAttributesDto {
  @ApiProperty({ enum: CLUSTER_PROVIDER_NAMES })
  @IsIn(CLUSTER_PROVIDER_NAMES as string[])
  provider: ClusterProviderName;

  @ApiProperty({ format: 'uuid', description: 'A credential of the same provider' })
  @IsUUID()
  credential_id: string;

  @ResourceName({ example: 'prod-hangzhou' })
  name: string;

  @ApiPropertyOptional({ example: 'cn-hangzhou', description: 'Default: the credential’s region' })
  @OptionalNotNull()
  @Matches(/^[a-z]{2,}(-[a-z0-9]+)+$/, { message: 'region must look like "cn-hangzhou"' })
  region?: string;

  @ApiProperty({ type: ClusterSpecDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ClusterSpecDto)
  spec: ClusterSpecDto;
}

export class DeleteClusterQueryDto {
  @ApiPropertyOptional({
    default: false,
    description:
      'Vendor clusters: destroy the cluster at the vendor (an operation), then remove the record. Without it the record is only detached.',
  })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  destroy?: boolean;
}
