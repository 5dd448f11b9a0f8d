import { describe, expect, it } from '@jest/globals';
import { cpuMillicores, memoryBytes, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it('reads CPU and memory quantities', () => {
    expect(cpuMillicores('250m')).toBe(250);
    expect(cpuMillicores('2')).toBe(2000);
    expect(cpuMillicores('123456789n')).toBe(123);
    expect(memoryBytes('1Ki')).toBe(1024);
    expect(memoryBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(memoryBytes('128974848')).toBe(128974848);
    expect(memoryBytes('1M')).toBe(1e6);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('12Zi')).toBeNaN();
  });
});
