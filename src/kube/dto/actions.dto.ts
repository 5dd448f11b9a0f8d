import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { IsLabelMap, OptionalNotNull } from '../../common/validators.js';
import { kubeRef } from './kube-object.schemas.js';
import { DNS_LABEL, SelectorQueryDto, toBool } from './resource.dto.js';

export class ScaleDto {
  @ApiProperty({ minimum: 0, maximum: 10000, example: 3 })
  @IsInt()
  @Min(0)
  @Max(10000)
  replicas: number;
}

export class TaintDto {
  @ApiProperty({ example: 'dedicated' })
  @IsString()
  @Matches(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    message: 'key must be a label-style key',
  })
  key: string;

  @ApiPropertyOptional({ example: 'gpu' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(63)
  value?: string;

  @ApiProperty({ enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] })
  @IsIn(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export class UpdateNodeDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    description: 'Labels to set; null removes one',
    example: { 'node-role/gpu': 'true', old: null },
  })
  @OptionalNotNull()
  @IsObject()
  labels?: Record<string, string | null>;

  @ApiPropertyOptional({ type: [TaintDto], description: 'The complete list of taints the node should have' })
  @OptionalNotNull()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TaintDto)
  taints?: TaintDto[];
}

export class CreateNamespaceDto {
  @ApiProperty({ example: 'payments' })
  @Matches(DNS_LABEL, { message: 'name must be a DNS label' })
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @OptionalNotNull()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class ApplyDto {
  @ApiProperty({
    description: 'One or more objects: multi-document YAML, a JSON object, a JSON array or a List',
    example: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {a: "1"}\n',
  })
  @IsString()
  @MaxLength(4 * 1024 * 1024)
  manifest: string;

  // No `default` keyword: generated clients (openapi-typescript) would make the field required.
  @ApiPropertyOptional({
    type: Boolean,
    description: 'Validate and compute the result without persisting (dryRun=All); default false',
  })
  @OptionalNotNull()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Take ownership of fields another field manager owns; default false',
  })
  @OptionalNotNull()
  @IsBoolean()
  force_conflicts?: boolean;

  @ApiPropertyOptional({ description: 'Namespace for namespaced objects that name none (default "default")' })
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;
}

export class ApplyResultDto {
  @ApiProperty() index: number;
  @ApiProperty({ type: String, nullable: true }) api_version: string | null;
  @ApiProperty({ type: String, nullable: true }) kind: string | null;
  @ApiProperty({ type: String, nullable: true }) namespace: string | null;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ enum: ['created', 'configured', 'unchanged', 'failed'] }) action: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  })
  error: { code: number; message: string } | null;
}

export class ApplySummaryDto {
  @ApiProperty() dry_run: boolean;
  @ApiProperty({ type: [ApplyResultDto] }) results: ApplyResultDto[];
  @ApiProperty() created: number;
  @ApiProperty() configured: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() failed: number;
}

export class LogsQueryDto {
  @ApiPropertyOptional({ description: 'Container (needed when the pod has several)' })
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'container must be a DNS label' })
  container?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  tail_lines?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  since_seconds?: number;

  @ApiPropertyOptional({ default: false })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  timestamps?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Logs of the previous (crashed) container' })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  previous?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Stream new lines as text/plain (chunked) until the client disconnects',
  })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  follow?: boolean;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 52428800,
    description: 'Byte cap (default 5 MiB without follow)',
  })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50 * 1024 * 1024)
  limit_bytes?: number;
}

export class LogLinesDto {
  @ApiProperty() namespace: string;
  @ApiProperty() pod: string;
  @ApiProperty({ type: String, nullable: true }) container: string | null;
  @ApiProperty({ type: [String] }) lines: string[];
  @ApiProperty() truncated: boolean;
}

export class EventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;

  @ApiPropertyOptional({ example: 'Pod' })
  @OptionalNotNull()
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,62}$/, { message: 'involved_kind must be a kind name' })
  involved_kind?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, { message: 'involved_name must be an object name' })
  involved_name?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(/^[0-9a-f-]{36}$/, { message: 'involved_uid must be a UID' })
  involved_uid?: string;

  @ApiPropertyOptional({ enum: ['Normal', 'Warning'] })
  @OptionalNotNull()
  @IsIn(['Normal', 'Warning'])
  type?: string;
}

export class MetricsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Pods only: namespace' })
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @MaxLength(4096)
  label_selector?: string;
}

const UUID_LIST =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(,[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})*$/;

/** Which clusters a fan-out asks, and how long each may take. */
export class FleetSummaryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Comma-separated cluster ids (default: every cluster Berth can reach)',
  })
  @OptionalNotNull()
  @Matches(UUID_LIST, { message: 'clusters must be comma-separated UUIDs' })
  clusters?: string;

  @ApiPropertyOptional({
    minimum: 100,
    maximum: 30000,
    description:
      'One deadline for the whole request, counted from its arrival (default: the configured kube timeout): clusters that have not answered by then are reported `timeout`, so any number of hung clusters costs it once',
  })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30000)
  timeout_ms?: number;
}

export class FleetQueryDto extends IntersectionType(SelectorQueryDto, FleetSummaryQueryDto) {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(DNS_LABEL, { message: 'namespace must be a DNS label' })
  namespace?: string;

  @ApiPropertyOptional({ default: 500, minimum: 1, maximum: 5000, description: 'Objects read per cluster' })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  max_per_cluster: number = 500;

  @ApiPropertyOptional({ default: false, description: 'Show Secret values (admins only)' })
  @OptionalNotNull()
  @Transform(toBool)
  @IsBoolean()
  show_secret_values?: boolean;
}

export class FleetClusterResultDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty({
    enum: ['ok', 'timeout', 'unreachable', 'forbidden', 'error', 'unknown_type', 'invalid'],
    description:
      'unknown_type: the cluster serves no such type; invalid: the query does not fit the type there (namespace on a cluster-scoped type, verb not served). Neither fails the request while another cluster accepts it.',
  })
  status: string;
  @ApiProperty() latency_ms: number;
  @ApiProperty() count: number;
  @ApiProperty() truncated: boolean;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  })
  error: { code: number; message: string } | null;
}

export class FleetItemDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty({ example: 'v1' }) api_version: string;
  @ApiProperty({ example: 'Pod' }) kind: string;
  @ApiProperty({
    allOf: [kubeRef('KubeObject')],
    description: 'The Kubernetes object, as the cluster lists it (with its apiVersion and kind)',
  })
  object: Record<string, unknown>;
}

export class FleetSummaryItemDto {
  @ApiProperty({ format: 'uuid' }) cluster_id: string;
  @ApiProperty() cluster_name: string;
  @ApiProperty({ enum: ['ok', 'timeout', 'unreachable', 'forbidden', 'error'] }) status: string;
  @ApiProperty() latency_ms: number;
  @ApiProperty({ type: String, nullable: true }) version: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { total: { type: 'integer' }, ready: { type: 'integer' } },
  })
  nodes: { total: number; ready: number } | null;
  @ApiProperty({ type: 'object', nullable: true, properties: { total: { type: 'integer' } } }) pods: {
    total: number;
  } | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { code: { type: 'integer' }, message: { type: 'string' } },
  })
  error: { code: number; message: string } | null;
}

export class ResourceMetricsDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) namespace: string | null;
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty({ example: '20s' }) window: string;
  @ApiProperty({
    type: 'object',
    properties: {
      cpu: { type: 'string' },
      memory: { type: 'string' },
      cpu_millicores: { type: 'integer' },
      memory_bytes: { type: 'integer' },
    },
  })
  usage: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } })
  containers?: Record<string, unknown>[];
}
