import { describe, expect, it } from '@jest/globals';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { KubeClient } from './kube-client.js';

const client = () =>
  KubeClient.create(
    { id: 'c1', name: 'prod' },
    { server: 'https://127.0.0.1:1', auth: { type: 'token', token: 't' } },
    1000,
    OutboundPolicy.unconfigured(),
  );
const res = (status: number, body: string) => ({ status, headers: {}, body: Buffer.from(body) });

describe('KubeClient.statusError', () => {
  it('relays the message of a Kubernetes Status', async () => {
    const c = await client();
    const e = c.statusError(
      res(
        403,
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          message: 'pods is forbidden: User "x" cannot list',
          reason: 'Forbidden',
          code: 403,
        }),
      ),
    );
    expect(e.message).toBe('Cluster prod: pods is forbidden: User "x" cannot list');
    expect(e.details).toMatchObject({ kube_status: 403, kube_reason: 'Forbidden' });
    c.close();
  });

  it('never relays a body that is not a Kubernetes Status (HTML, plain text, other JSON)', async () => {
    const c = await client();
    for (const body of [
      '<html>db password hunter2</html>',
      'hunter2',
      JSON.stringify({ message: 'hunter2', reason: 'hunter2' }),
      JSON.stringify(['hunter2']),
    ]) {
      const e = c.statusError(res(500, body));
      expect(e.message).toBe('Cluster prod: HTTP 500 (not a Kubernetes Status)');
      expect(JSON.stringify(e.details)).not.toContain('hunter2');
    }
    c.close();
  });
});
