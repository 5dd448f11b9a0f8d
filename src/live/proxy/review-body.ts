/**
 * The spec of a SelfSubjectAccessReview as kubectl sends it: JSON, or Kubernetes' protobuf envelope
 * (`k8s\0` + runtime.Unknown{raw}) around authorization.k8s.io/v1 SelfSubjectAccessReview. Only the fields
 * Berth decides on are read: resourceAttributes (namespace, verb, group, resource, subresource, name) and
 * nonResourceAttributes (path, verb).
 */
export interface ReviewSpec {
  resourceAttributes?: Record<string, string>;
  nonResourceAttributes?: Record<string, string>;
}

type Fields = Map<number, Buffer[]>;

/** Length-delimited fields of one protobuf message (other wire types are skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated');
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 49) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const key = varint();
    const type = key % 8;
    const no = Math.floor(key / 8);
    if (type === 0) varint();
    else if (type === 1) i += 8;
    else if (type === 5) i += 4;
    else if (type === 2) {
      const len = varint();
      if (i + len > buf.length) throw new Error('truncated');
      const list = out.get(no) ?? [];
      list.push(buf.subarray(i, i + len));
      out.set(no, list);
      i += len;
    } else throw new Error(`wire type ${type}`);
  }
  return out;
}

const str = (f: Fields, no: number) => f.get(no)?.[0]?.toString('utf8') ?? '';

export function reviewSpec(body: Buffer, contentType: string): ReviewSpec {
  if (!/protobuf/i.test(contentType)) {
    const parsed = JSON.parse(body.toString('utf8')) as { spec?: ReviewSpec };
    return parsed.spec ?? {};
  }
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\u0000') throw new Error('not a Kubernetes protobuf');
  const raw = fields(body.subarray(4)).get(2)?.[0];
  if (!raw) return {};
  const spec = fields(raw).get(2)?.[0];
  if (!spec) return {};
  const s = fields(spec);
  const out: ReviewSpec = {};
  const ra = s.get(1)?.[0];
  if (ra) {
    const f = fields(ra);
    out.resourceAttributes = {
      namespace: str(f, 1),
      verb: str(f, 2),
      group: str(f, 3),
      version: str(f, 4),
      resource: str(f, 5),
      subresource: str(f, 6),
      name: str(f, 7),
    };
  }
  const nra = s.get(2)?.[0];
  if (nra) {
    const f = fields(nra);
    out.nonResourceAttributes = { path: str(f, 1), verb: str(f, 2) };
  }
  return out;
}
