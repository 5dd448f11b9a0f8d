import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import type { AuthUser } from '../auth/role.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { ArtifactUsageService } from './artifact-usage.service.js';
import {
  ArtifactDto,
  ArtifactUsageDto,
  ArtifactUsageQueryDto,
  CreateProjectDto,
  DeleteProjectQueryDto,
  DeleteProjectResultDto,
  ProjectDto,
  ProjectQueryDto,
  RepositoryDto,
  UpdateProjectDto,
} from './dto/registry-contents.dto.js';
import { ApiRegistryParam, RegistryParam } from './registry-params.js';
import { RegistryContentsService } from './registry-contents.service.js';
import { Audit } from '../common/audit/audit.decorator.js';

const LIVE =
  'Asked of the registry on every call. Registry errors: 404, 409 and 412 keep their meaning; other vendor errors (and a refused stored credential) are 502, unreachable 503, slow 504.';

@ApiTags('registry contents')
@Controller('registries/:id')
@ApiUuidParam('id', 'Registry id')
export class RegistryContentsController {
  constructor(
    private readonly contents: RegistryContentsService,
    private readonly usageService: ArtifactUsageService,
  ) {}

  @Get('projects')
  @Access(Verb.REGISTRIES_READ)
  @ApiOperation({ summary: 'List projects (paginated by the registry)', description: LIVE })
  @ApiPageEnvelope(ProjectDto)
  @ApiErrors(400, 404, 502, 503, 504)
  listProjects(@UuidParam() id: string, @Query() q: ProjectQueryDto) {
    return this.contents.listProjects(id, q);
  }

  @Post('projects')
  @Audit('project.create', 'registries')
  @Access(Verb.REGISTRIES_WRITE)
  @ApiOperation({ summary: 'Create a project', description: LIVE })
  @ApiOkEnvelope(ProjectDto, { status: 201 })
  @ApiErrors(400, 404, 409, 502, 503, 504)
  createProject(@UuidParam() id: string, @Body() dto: CreateProjectDto) {
    return this.contents.createProject(id, dto);
  }

  @Get('projects/:project')
  @Access(Verb.REGISTRIES_READ)
  @ApiRegistryParam('project', 'project')
  @ApiOperation({ summary: 'Get a project', description: LIVE })
  @ApiOkEnvelope(ProjectDto)
  @ApiErrors(400, 404, 502, 503, 504)
  getProject(@UuidParam() id: string, @RegistryParam('project', 'project') project: string) {
    return this.contents.getProject(id, project);
  }

  @Patch('projects/:project')
  @Audit('project.update', 'registries')
  @Access(Verb.REGISTRIES_WRITE)
  @ApiRegistryParam('project', 'project')
  @ApiOperation({ summary: 'Make a project public or private', description: LIVE })
  @ApiOkEnvelope(ProjectDto)
  @ApiErrors(400, 404, 502, 503, 504)
  updateProject(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @Body() dto: UpdateProjectDto,
  ) {
    return this.contents.updateProject(id, project, dto);
  }

  @Delete('projects/:project')
  @Audit('project.delete', 'registries')
  @Access(Verb.REGISTRIES_WRITE)
  @ApiRegistryParam('project', 'project')
  @ApiOperation({
    summary:
      'Delete a project: 412 while it holds repositories, unless force=true deletes them first; 409 while it backs image pull secrets',
    description: LIVE,
  })
  @ApiOkEnvelope(DeleteProjectResultDto)
  @ApiErrors(400, 404, 409, 412, 502, 503, 504)
  deleteProject(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @Query() q: DeleteProjectQueryDto,
  ) {
    return this.contents.deleteProject(id, project, q.force ?? false);
  }

  @Get('projects/:project/repositories')
  @Access(Verb.REGISTRIES_READ)
  @ApiRegistryParam('project', 'project')
  @ApiOperation({ summary: 'List a project’s repositories (newest first)', description: LIVE })
  @ApiPageEnvelope(RepositoryDto)
  @ApiErrors(400, 404, 502, 503, 504)
  listRepositories(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @Query() q: PageQueryDto,
  ) {
    return this.contents.listRepositories(id, project, q);
  }

  @Delete('projects/:project/repositories/:repository')
  @Audit('repository.delete', 'registries')
  @Access(Verb.REGISTRIES_WRITE)
  @ApiRegistryParam('project', 'project')
  @ApiRegistryParam('repository', 'repository')
  @ApiOperation({ summary: 'Delete a repository with all its artifacts', description: LIVE })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 502, 503, 504)
  deleteRepository(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @RegistryParam('repository', 'repository') repository: string,
  ) {
    return this.contents.deleteRepository(id, project, repository);
  }

  @Get('projects/:project/repositories/:repository/artifacts')
  @Access(Verb.REGISTRIES_READ)
  @ApiRegistryParam('project', 'project')
  @ApiRegistryParam('repository', 'repository')
  @ApiOperation({
    summary: 'List a repository’s artifacts (tags, digest, size, push and pull times; newest push first)',
    description: LIVE,
  })
  @ApiPageEnvelope(ArtifactDto)
  @ApiErrors(400, 404, 502, 503, 504)
  listArtifacts(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @RegistryParam('repository', 'repository') repository: string,
    @Query() q: PageQueryDto,
  ) {
    return this.contents.listArtifacts(id, project, repository, q);
  }

  @Delete('projects/:project/repositories/:repository/artifacts/:reference')
  @Audit('artifact.delete', 'registries')
  @Access(Verb.REGISTRIES_WRITE)
  @ApiRegistryParam('project', 'project')
  @ApiRegistryParam('repository', 'repository')
  @ApiRegistryParam('reference', 'reference')
  @ApiOperation({
    summary: 'Delete an artifact by tag or digest (all its tags go with it)',
    description: LIVE,
  })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 502, 503, 504)
  deleteArtifact(
    @UuidParam() id: string,
    @RegistryParam('project', 'project') project: string,
    @RegistryParam('repository', 'repository') repository: string,
    @RegistryParam('reference', 'reference') reference: string,
  ) {
    return this.contents.deleteArtifact(id, project, repository, reference);
  }

  @Get('artifacts/:digest/usage')
  @Access(Verb.REGISTRIES_READ)
  @ApiRegistryParam('digest', 'digest')
  @ApiOperation({
    summary: 'Which clusters, namespaces and pods run this artifact now',
    description:
      'The artifact (repository, tags) comes from the registry; pods are read live from every reachable cluster at once, each within its deadline. ' +
      'A pod counts when a container’s imageID holds the digest or its image is <host>/<repository>@<digest> or <host>/<repository>:<tag> of one of the artifact’s tags. ' +
      '`clusters` reports each cluster’s outcome; only "every cluster failed" is an error. ' +
      'Only clusters and namespaces the caller may read are searched: others are never queried nor named; where it reads some namespaces only, `namespaces` lists the ones searched.',
  })
  @ApiOkEnvelope(ArtifactUsageDto)
  @ApiErrors(400, 404, 502, 503, 504)
  usage(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @RegistryParam('digest', 'digest') digest: string,
    @Query() q: ArtifactUsageQueryDto,
  ) {
    return this.usageService.usage(user, id, digest, q);
  }
}
