import { describe, expect, it } from '@jest/globals';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './http-edge.js';
import { findNul } from './validation.js';

describe('nestsDeeperThan', () => {
  it('counts nesting of objects and arrays, not brackets inside strings', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ s: '[[[[[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ s: 'quote \\" then [[[[' }), 1)).toBe(false);
    expect(nestsDeeperThan('[]'.repeat(10_000), 1)).toBe(false);
  });

  it('finds 10,000 levels in one pass and lets the bound itself through', () => {
    expect(nestsDeeperThan('['.repeat(10_000) + ']'.repeat(10_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(
      false,
    );
    expect(nestsDeeperThan('['.repeat(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('findNul', () => {
  it('names where a NUL sits: value or key, nested or not', () => {
    expect(findNul({ a: 'x', b: { c: ['ok', 'n\u0000o'] } }, '')).toBe('b.c.1');
    expect(findNul({ labels: { 'k\u0000': 'v' } }, '')).toBe('labels.k\u0000');
    expect(findNul('a\u0000', 'id')).toBe('id');
    expect(findNul({ a: 'x', n: 1, z: null }, '')).toBeUndefined();
  });
});
