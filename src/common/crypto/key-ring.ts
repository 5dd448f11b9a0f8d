export interface KeyRing {
  /** Id of the key every new encryption uses (the first entry of the ring). */
  activeId: string;
  keys: Map<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses "id:base64key[,id2:base64key2…]". Each key must decode to exactly 32 bytes (AES-256).
 * The first key encrypts; every key decrypts, which is what makes rotation possible.
 */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!entries.length) throw new Error('the key ring is empty');
  for (const entry of entries) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    if (!KEY_ID.test(id))
      throw new Error(`key "${entry.slice(0, 8)}…" needs an id of 1-32 letters, digits, _ or - before ":"`);
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    if (key.length !== 32)
      throw new Error(`key "${id}" must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  return { activeId: entries[0].split(':')[0], keys };
}
