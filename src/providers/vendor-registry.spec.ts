import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ClusterProvider } from '../clusters/cluster.entity.js';
import { CredentialProvider } from '../credentials/credential-provider.js';
import { CREDENTIAL_SCHEMA_MODELS, CREDENTIAL_SCHEMAS } from '../credentials/credential-schemas.js';
import { ClusterProviders } from './cluster-providers.js';
import {
  CLUSTER_PROVIDER_NAMES,
  CREDENTIAL_PROVIDER_NAMES,
  VENDOR_CREDENTIAL_SCHEMAS,
} from './vendor-registry.js';

describe('the vendor registry', () => {
  it('is where the provider enums of credentials and clusters come from', () => {
    expect(CREDENTIAL_PROVIDER_NAMES).toEqual(['rancher', 'ack', 'tke', 'harbor']);
    expect(CLUSTER_PROVIDER_NAMES).toEqual(['rancher', 'ack', 'tke']);
    expect(CredentialProvider).toEqual({ RANCHER: 'rancher', ACK: 'ack', TKE: 'tke', HARBOR: 'harbor' });
    expect(Object.values(ClusterProvider)).toEqual(['imported', ...CLUSTER_PROVIDER_NAMES]);
  });

  it('gives credentials every vendor’s schema, and the dispatcher an adapter for every cluster vendor', () => {
    for (const v of VENDOR_CREDENTIAL_SCHEMAS) expect(CREDENTIAL_SCHEMAS[v.provider]).toBe(v);
    expect(CREDENTIAL_SCHEMA_MODELS.map((m) => m.name)).toEqual([
      'RancherSettings',
      'RancherSecrets',
      'AckSettings',
      'AckSecrets',
      'TkeSettings',
      'TkeSecrets',
      'HarborSettings',
      'HarborSecrets',
    ]);
    const dispatcher = new ClusterProviders(null as never);
    expect([...dispatcher.supported()].sort()).toEqual([...CLUSTER_PROVIDER_NAMES].sort());
    for (const p of CLUSTER_PROVIDER_NAMES)
      expect(dispatcher.capabilities(p)).toMatchObject({ create: true });
  });

  it('validates each vendor’s settings with the schema declared next to its adapter', async () => {
    const problems = async (provider: keyof typeof CREDENTIAL_SCHEMAS, settings: object) =>
      (
        await validate(plainToInstance(CREDENTIAL_SCHEMAS[provider].settings, settings), {
          whitelist: true,
          forbidNonWhitelisted: true,
        })
      ).map((e) => e.property);
    expect(await problems('ack', { region_id: 'cn-hangzhou' })).toEqual([]);
    expect(await problems('ack', { region_id: 'Hangzhou' })).toEqual(['region_id']);
    expect(await problems('tke', { region: 'ap-guangzhou', endpoint: 'not a url' })).toEqual(['endpoint']);
    expect(await problems('rancher', { endpoint: 'https://rancher.internal' })).toEqual([]);
    expect(await problems('harbor', { endpoint: 'https://harbor.example.com' })).toEqual(['username']);
  });
});
