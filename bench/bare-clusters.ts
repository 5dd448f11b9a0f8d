// The reference for `GET /clusters`: a bare Fastify route running the same two SQL queries Berth runs for
// a page of cluster records (count, then one page ordered by name), answering the same envelope.
//   node --import tsx/esm bench/bare-clusters.ts <port> <database url>
import Fastify from 'fastify';
import pg from 'pg';

const [port, url] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 10 });
const app = Fastify({ logger: false });
app.get('/clusters', async (req) => {
  const q = req.query as { page?: string; page_size?: string };
  const page = Number(q.page ?? 1);
  const size = Number(q.page_size ?? 20);
  const [count, rows] = await Promise.all([
    pool.query('SELECT COUNT(DISTINCT("c"."id")) AS "cnt" FROM "clusters" "c"'),
    pool.query('SELECT "c".* FROM "clusters" "c" ORDER BY "c"."name" ASC LIMIT $1 OFFSET $2', [
      size,
      (page - 1) * size,
    ]),
  ]);
  const total = Number(count.rows[0].cnt);
  return {
    code: 0,
    message: 'ok',
    data: {
      cur_page: page,
      cur_page_size: size,
      total,
      total_page: Math.ceil(total / size),
      data: rows.rows.map(({ access_sealed: _sealed, ...r }) => r),
    },
  };
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log('ready');
