import { ErrorCode } from './error-codes.js';

export interface Envelope<T> {
  code: number;
  message: string;
  data: T;
}

export interface ErrorEnvelope {
  code: ErrorCode;
  message: string;
  data: Record<string, unknown> | null;
  request_id: string;
}

/** A page of a list, exactly as it appears in `data` of a list response. */
export interface Page<T> {
  cur_page: number;
  cur_page_size: number;
  total: number;
  total_page: number;
  data: T[];
}

export function envelope<T>(data: T): Envelope<T> {
  return { code: ErrorCode.OK, message: 'ok', data };
}

export function page<T>(items: T[], total: number, curPage: number, pageSize: number): Page<T> {
  return {
    cur_page: curPage,
    cur_page_size: pageSize,
    total,
    total_page: total === 0 ? 0 : Math.ceil(total / pageSize),
    data: items,
  };
}

/** Marks a handler whose return value is sent as it is (e.g. Prometheus text), without the envelope. */
export const RAW_RESPONSE = 'berth:raw-response';
