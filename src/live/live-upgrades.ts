import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { POD_SESSION_PATH, PodSessions } from './exec/pod-sessions.js';
import { K8S_PREFIX, KubeProxy } from './proxy/k8s-proxy.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP server's `upgrade` event (WebSocket, SPDY/3.1), which Fastify and Nest's guard never see:
 * Berth's pod session routes and the Kubernetes proxy take theirs; any other upgrade request is served as
 * the plain HTTP request it also is (what Node does when nobody listens for upgrades).
 */
@Injectable()
export class LiveUpgrades implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: PodSessions,
    private readonly proxy: KubeProxy,
  ) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const given = req.headers['x-request-id'];
      const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      const url = req.url ?? '';
      if (url.startsWith(K8S_PREFIX)) return void this.proxy.upgrade(req, socket, head, requestId);
      if (POD_SESSION_PATH.test(url)) return void this.sessions.upgrade(req, socket, head, requestId);
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as never);
      res.on('finish', () => socket.end());
      server.emit('request', req, res);
    });
  }
}
