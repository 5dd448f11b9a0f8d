import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import type {
  ArtifactDto,
  CreateProjectDto,
  ProjectDto,
  ProjectQueryDto,
  RepositoryDto,
  UpdateProjectDto,
} from './dto/registry-contents.dto.js';
import type { PageQueryDto } from '../common/pagination.dto.js';
import { ImagePullSecretsRepository } from './image-pull-secrets.repository.js';
import { RegistriesService } from './registries.service.js';

/** Bound on the repositories a forced project delete removes (one Harbor call each). */
const FORCE_DELETE_LIMIT = 10_000;

/** Projects, repositories and artifacts of a registry: read and changed live at the registry, never stored. */
@Injectable()
export class RegistryContentsService {
  constructor(
    private readonly registries: RegistriesService,
    private readonly pullSecrets: ImagePullSecretsRepository,
  ) {}

  async listProjects(id: string, q: ProjectQueryDto): Promise<Page<ProjectDto>> {
    const { provider, conn } = await this.registries.open(id);
    const r = await provider.listProjects(conn, { offset: q.offset, limit: q.page_size, q: q.q });
    return page(r.items, r.total, q.page, q.page_size);
  }

  async getProject(id: string, project: string): Promise<ProjectDto> {
    const { provider, conn } = await this.registries.open(id);
    return provider.getProject(conn, project);
  }

  async createProject(id: string, dto: CreateProjectDto): Promise<ProjectDto> {
    const { provider, conn } = await this.registries.open(id);
    await provider.createProject(conn, dto.name, dto.public ?? false);
    return provider.getProject(conn, dto.name);
  }

  async updateProject(id: string, project: string, dto: UpdateProjectDto): Promise<ProjectDto> {
    const { provider, conn } = await this.registries.open(id);
    await provider.updateProject(conn, project, { public: dto.public });
    return provider.getProject(conn, project);
  }

  /** Deletes a project; with `force`, its repositories first (the registry refuses a non-empty project with 412). */
  async deleteProject(
    id: string,
    project: string,
    force: boolean,
  ): Promise<{ deleted_repositories: number }> {
    const { provider, conn, registry } = await this.registries.open(id);
    // The registry deletes a project's robot accounts with it: the pull secrets they back would break silently.
    const backing = await this.pullSecrets.countByRegistry(id, project);
    if (backing) {
      throw AppError.conflict(
        `project ${project} of registry ${registry.name} backs ${backing} image pull secret(s); delete them first`,
        {
          image_pull_secrets: backing,
        },
      );
    }
    let deleted = 0;
    if (force) {
      // Always read the first page: each pass deletes what it read.
      for (;;) {
        const { items } = await provider.listRepositories(conn, project, { offset: 0, limit: 100 });
        if (!items.length || deleted >= FORCE_DELETE_LIMIT) break;
        for (const repo of items) {
          await provider.deleteRepository(conn, project, repo.name);
          deleted++;
        }
      }
    }
    await provider.deleteProject(conn, project);
    return { deleted_repositories: deleted };
  }

  async listRepositories(id: string, project: string, q: PageQueryDto): Promise<Page<RepositoryDto>> {
    const { provider, conn } = await this.registries.open(id);
    const r = await provider.listRepositories(conn, project, { offset: q.offset, limit: q.page_size });
    return page(r.items, r.total, q.page, q.page_size);
  }

  async deleteRepository(id: string, project: string, repository: string): Promise<void> {
    const { provider, conn } = await this.registries.open(id);
    await provider.deleteRepository(conn, project, repository);
  }

  async listArtifacts(
    id: string,
    project: string,
    repository: string,
    q: PageQueryDto,
  ): Promise<Page<ArtifactDto>> {
    const { provider, conn } = await this.registries.open(id);
    const r = await provider.listArtifacts(conn, project, repository, {
      offset: q.offset,
      limit: q.page_size,
    });
    return page(r.items, r.total, q.page, q.page_size);
  }

  async deleteArtifact(id: string, project: string, repository: string, reference: string): Promise<void> {
    const { provider, conn } = await this.registries.open(id);
    await provider.deleteArtifact(conn, project, repository, reference);
  }
}
