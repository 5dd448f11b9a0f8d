import { Injectable } from '@nestjs/common';
import { ClusterClients } from './access/cluster-clients.js';
import { page, type Page } from '../common/envelope.js';
import type { KubeList, KubeObject } from './kube-list.js';

export interface EventQuery {
  namespace?: string;
  involved_kind?: string;
  involved_name?: string;
  involved_uid?: string;
  type?: string;
  page: number;
  page_size: number;
}

interface KubeEvent extends KubeObject {
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  series?: { lastObservedTime?: string };
}

const CHUNK = 500;

/** When an event last happened, whichever API wrote it. */
export function eventTime(e: KubeEvent): number {
  const t =
    e.series?.lastObservedTime ??
    e.lastTimestamp ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/**
 * Events, filtered on the server by namespace, involved object and type, and sorted newest first.
 * Kubernetes cannot sort, so the filtered events are read in chunks and sorted here; events expire
 * after an hour by default, which keeps that set small.
 */
@Injectable()
export class EventsService {
  constructor(private readonly clients: ClusterClients) {}

  async list(clusterId: string, q: EventQuery): Promise<Page<KubeEvent>> {
    const client = await this.clients.client(clusterId);
    const fields = [
      q.involved_kind && `involvedObject.kind=${q.involved_kind}`,
      q.involved_name && `involvedObject.name=${q.involved_name}`,
      q.involved_uid && `involvedObject.uid=${q.involved_uid}`,
      q.type && `type=${q.type}`,
    ].filter(Boolean);
    const path = q.namespace
      ? `/api/v1/namespaces/${encodeURIComponent(q.namespace)}/events`
      : '/api/v1/events';
    const all: KubeEvent[] = [];
    let cont: string | undefined;
    do {
      const chunk: KubeList<KubeEvent> = await client.json<KubeList<KubeEvent>>('GET', path, {
        query: { fieldSelector: fields.join(',') || undefined, limit: CHUNK, continue: cont },
      });
      all.push(...(chunk.items ?? []).map((e) => ({ apiVersion: 'v1', kind: 'Event', ...e })));
      cont = chunk.metadata.continue;
    } while (cont);
    all.sort((a, b) => eventTime(b) - eventTime(a));
    const offset = (q.page - 1) * q.page_size;
    return page(all.slice(offset, offset + q.page_size), all.length, q.page, q.page_size);
  }
}
