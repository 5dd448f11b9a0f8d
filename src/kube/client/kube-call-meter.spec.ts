import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram, Registry } from 'prom-client';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { pathTemplate } from '../../registries/harbor/harbor-http.client.js';
import { ClusterCallMeter, kubeErrorClass } from './kube-call-meter.js';

describe('kube call metrics', () => {
  it('classifies failures: an error answer by its status, unreachable, timeout, aborted, invalid', () => {
    const d = { cluster_id: 'c', cluster_name: 'n' };
    expect(kubeErrorClass(new AppError(ErrorCode.NOT_FOUND, 'x', { ...d, kube_status: 404 }))).toBe('4xx');
    expect(kubeErrorClass(new AppError(ErrorCode.CLUSTER_API_ERROR, 'x', { ...d, kube_status: 503 }))).toBe(
      '5xx',
    );
    expect(kubeErrorClass(new AppError(ErrorCode.CLUSTER_UNREACHABLE, 'x', d))).toBe('unreachable');
    expect(kubeErrorClass(new AppError(ErrorCode.UPSTREAM_TIMEOUT, 'x', { ...d, timeout_ms: 5 }))).toBe(
      'timeout',
    );
    expect(kubeErrorClass(new AppError(ErrorCode.UPSTREAM_TIMEOUT, 'x', { ...d, aborted: true }))).toBe(
      'aborted',
    );
    expect(kubeErrorClass(new AppError(ErrorCode.UNPROCESSABLE, 'x', d))).toBe('invalid');
    expect(kubeErrorClass(new Error('?'))).toBe('error');
  });

  it('counts per cluster and class, one latency series per cluster', async () => {
    const registry = new Registry();
    const requests = new Counter({
      name: 'k_total',
      help: 'h',
      labelNames: ['cluster_id', 'class'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'k_seconds',
      help: 'h',
      labelNames: ['cluster_id'],
      registers: [registry],
    });
    const meter = new ClusterCallMeter(requests, latency, 'c1');
    const t0 = performance.now();
    meter.answered(200, t0);
    meter.answered(201, t0);
    meter.answered(404, t0);
    meter.failed(new AppError(ErrorCode.CLUSTER_UNREACHABLE, 'x', {}), t0);
    const values = (await requests.get()).values.map((v) => [v.labels.cluster_id, v.labels.class, v.value]);
    expect(values).toEqual([
      ['c1', '2xx', 2],
      ['c1', '4xx', 1],
      ['c1', 'unreachable', 1],
    ]);
    const count = (await latency.get()).values.find((v) => v.metricName === 'k_seconds_count');
    expect(count).toMatchObject({ labels: { cluster_id: 'c1' }, value: 4 });
  });

  it('names Harbor calls by path template (a bounded label)', () => {
    expect(pathTemplate('/projects/p1/repositories/r%252Fx/artifacts/sha256:ab/tags')).toBe(
      '/projects/{}/repositories/{}/artifacts/{}/tags',
    );
    expect(pathTemplate('/systeminfo')).toBe('/systeminfo');
    expect(pathTemplate('/robots/42?x=1')).toBe('/robots/{}');
  });
});
