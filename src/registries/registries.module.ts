import { Module } from '@nestjs/common';
import { KubeModule } from '../kube/kube.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { ArtifactUsageService } from './artifact-usage.service.js';
import { HarborHttpClient } from './harbor/harbor-http.client.js';
import { HarborProvider } from './harbor/harbor.provider.js';
import { ImagePullSecretsController } from './image-pull-secrets.controller.js';
import { ImagePullSecretsRepository } from './image-pull-secrets.repository.js';
import { ImagePullSecretsService } from './image-pull-secrets.service.js';
import { RegistriesController } from './registries.controller.js';
import { RegistriesRepository } from './registries.repository.js';
import { RegistriesService } from './registries.service.js';
import { RegistryContentsController } from './registry-contents.controller.js';
import { RegistryContentsService } from './registry-contents.service.js';
import { RegistryProviders } from './registry-providers.js';

/** Image registries: records in Postgres, contents and robot accounts at the registry through a RegistryProvider. */
@Module({
  imports: [CredentialsModule, KubeModule],
  controllers: [RegistriesController, RegistryContentsController, ImagePullSecretsController],
  providers: [
    RegistriesService,
    RegistriesRepository,
    RegistryContentsService,
    ImagePullSecretsService,
    ImagePullSecretsRepository,
    ArtifactUsageService,
    RegistryProviders,
    HarborProvider,
    HarborHttpClient,
  ],
  exports: [RegistriesService],
})
export class RegistriesModule {}
