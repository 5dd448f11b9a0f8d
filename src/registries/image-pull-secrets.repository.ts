import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, type Repository } from 'typeorm';
import { ImagePullSecretEntity } from './image-pull-secret.entity.js';

@Injectable()
export class ImagePullSecretsRepository {
  private readonly repo: Repository<ImagePullSecretEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ImagePullSecretEntity);
  }

  find(clusterId: string, namespace: string, secretName: string): Promise<ImagePullSecretEntity | null> {
    return this.repo.findOneBy({ clusterId, namespace, secretName });
  }

  list(f: {
    clusterId: string;
    namespace?: string;
    offset: number;
    limit: number;
  }): Promise<[ImagePullSecretEntity[], number]> {
    const where: FindOptionsWhere<ImagePullSecretEntity> = { clusterId: f.clusterId };
    if (f.namespace) where.namespace = f.namespace;
    return this.repo.findAndCount({
      where,
      order: { namespace: 'ASC', secretName: 'ASC' },
      skip: f.offset,
      take: f.limit,
    });
  }

  countByRegistry(registryId: string, project?: string): Promise<number> {
    return this.repo.countBy(project === undefined ? { registryId } : { registryId, project });
  }

  insert(row: Omit<ImagePullSecretEntity, 'createdAt'>): Promise<ImagePullSecretEntity> {
    return this.repo.save(this.repo.create(row));
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
