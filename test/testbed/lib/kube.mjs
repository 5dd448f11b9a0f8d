// Minimal Kubernetes REST helpers for the testbed CLI (node builtins only, no npm dependencies).
import { request } from 'node:https';

/**
 * One HTTPS request to a cluster.
 * @param {{server: string, ca: string|Buffer, token?: string}} cluster
 * @param {string} method
 * @param {string} path
 * @param {object|string|undefined} body
 * @param {{timeoutMs?: number, contentType?: string}} [opts]
 * @returns {Promise<{status: number, body: any, text: string}>}
 */
export function kubeRequest(cluster, method, path, body, opts = {}) {
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers = { Accept: 'application/json' };
  if (cluster.token) headers.Authorization = `Bearer ${cluster.token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers,
        ca: cluster.ca,
        servername: url.hostname === '127.0.0.1' ? undefined : url.hostname,
        timeout: opts.timeoutMs ?? 10000,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolvePromise({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 10000} ms: ${method} ${url}`)),
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the timeout passes; returns the value or throws. */
export async function waitFor(what, fn, { timeoutMs = 120000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** GET /version; resolves to the parsed body or undefined if the server does not answer 200. */
export async function getVersion(cluster, timeoutMs = 3000) {
  try {
    const r = await kubeRequest(cluster, 'GET', '/version', undefined, { timeoutMs });
    return r.status === 200 ? r.body : undefined;
  } catch {
    return undefined;
  }
}

/** Creates an object, treating 409 AlreadyExists as success. */
export async function ensureObject(cluster, path, obj) {
  const r = await kubeRequest(cluster, 'POST', path, obj);
  if (r.status === 201 || r.status === 200 || r.status === 409) return r.body;
  throw new Error(`POST ${path} -> ${r.status}: ${r.text.slice(0, 300)}`);
}

export function isNodeReady(node) {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
