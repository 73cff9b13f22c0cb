// The Node peers of `stoker bench`: BullMQ on Redis and pg-boss on PostgreSQL, whose clients exist
// only for Node. Java's NodePeer runs this script once per workload and reads one JSON object per
// line from its stdout; the phases are those of every other system (docs/benchmarks.md):
//
//   node peer.mjs describe   SYSTEM URL                                  -> {"durability": "..."}
//   node peer.mjs throughput SYSTEM URL QUEUE TASKS WORKERS CLAIM PARAMS -> one {"phase","tasks","seconds"} per phase
//   node peer.mjs latency    SYSTEM URL QUEUE TASKS INTERVAL_MS PARAMS   -> {"pickup_ns": [...]}
//
// SYSTEM is bullmq (URL redis://HOST:PORT) or pgboss (URL postgres://USER@HOST:PORT/DB). A phase
// whose counts do not add up exits non-zero with the reason on stderr. Packages: ./install.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import PgBoss from 'pg-boss';

const [command, system, url, ...rest] = process.argv.slice(2);
const now = () => process.hrtime.bigint();
const seconds = (from, to) => Number(to - from) / 1e9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ENQUEUE_BATCH = 1000;
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const check = (what, got, want) => {
  if (got !== want) throw new Error(`${what}: counts do not add up: expected ${want}, got ${got}`);
};

/** Resolves once `n` completions have been counted; records when the n-th came. */
function counter(n) {
  let done = 0;
  let resolve;
  const finished = new Promise((r) => { resolve = r; });
  return {
    finished,
    add(k) {
      done += k;
      if (done >= n) resolve(now());
    },
    get done() { return done; },
  };
}

// BullMQ: Queue.addBulk of 1,000; one Worker with concurrency WORKERS (its model of W workers),
// removeOnComplete; a task is done at the Worker's 'completed' event. No batch claim (BullMQ Pro).
const bullmq = {
  async open(url) {
    // BullMQ under native ESM takes a constructed ioredis client (it duplicates it as it needs).
    const u = new URL(url);
    const connection = new Redis({ host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null });
    return { connection };
  },
  async describe(ctx) {
    const client = ctx.connection;
    const [, aof] = await client.config('GET', 'appendonly');
    const [, fsync] = await client.config('GET', 'appendfsync');
    const version = (await client.info('server')).match(/redis_version:(\S+)/)[1];
    return `BullMQ ${await bullmqVersion()} on Redis ${version}: appendonly ${aof}, appendfsync ${fsync}`
      + (fsync === 'always' ? ' (AOF fdatasync before the replies of each event-loop pass)' : '');
  },
  async durable(ctx) {
    const [, fsync] = await ctx.connection.config('GET', 'appendfsync');
    return fsync === 'always';
  },
  producer(ctx, name, params) {
    const q = new Queue(name, { connection: ctx.connection });
    return {
      async enqueue(n) {
        for (let sent = 0; sent < n; sent += ENQUEUE_BATCH) {
          const size = Math.min(ENQUEUE_BATCH, n - sent);
          const jobs = Array.from({ length: size }, () => ({
            name: 'bench', data: params, opts: { removeOnComplete: true },
          }));
          await q.addBulk(jobs);
        }
      },
      async put() {
        const job = await q.add('bench', params, { removeOnComplete: true });
        return job.id;
      },
      close: () => q.close(),
    };
  },
  async workers(ctx, name, count, workers, claim, onTask) {
    if (claim !== 1) throw new Error('BullMQ has no batch claim');
    const w = new Worker(name, async (job) => { onTask(job.id); }, {
      connection: ctx.connection, concurrency: workers, removeOnComplete: { count: 0 },
    });
    w.on('completed', () => count.add(1));
    await w.waitUntilReady();
    return { close: () => w.close() };
  },
  async waiting(ctx, name) {
    const q = new Queue(name, { connection: ctx.connection });
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    await q.close();
    return c.waiting + c.delayed + c.prioritized;
  },
  async drop(ctx, name) {
    const q = new Queue(name, { connection: ctx.connection });
    await q.obliterate({ force: true });
    await q.close();
  },
  close: async (ctx) => ctx.connection.quit(),
};

async function bullmqVersion() {
  const { readFile } = await import('node:fs/promises');
  const pkg = new URL('./node_modules/bullmq/package.json', import.meta.url);
  return JSON.parse(await readFile(pkg, 'utf8')).version;
}

// pg-boss: insert() of 1,000; W loops of fetch() + complete(), sleeping 100 ms after an empty fetch
// (pg-boss has no wake-up: its own work() polls every 2 s at best). W2: fetch batchSize 100 and one
// complete() of all their ids.
const pgboss = {
  async open(url) {
    const boss = new PgBoss({ connectionString: url, max: 24, supervise: false, schedule: false });
    boss.on('error', (e) => console.error(e));
    await boss.start();
    return { boss };
  },
  async describe(ctx) {
    const sql = (q) => ctx.boss.getDb().executeSql(q, []);
    const setting = async (s) => (await sql(`SHOW ${s}`)).rows[0][s];
    const version = (await sql('SHOW server_version')).rows[0].server_version;
    return `pg-boss 10.4.2 on PostgreSQL ${version}: synchronous_commit=${await setting('synchronous_commit')},`
      + ` fsync=${await setting('fsync')}: WAL flushed before each commit returns`;
  },
  async durable(ctx) {
    const rows = (await ctx.boss.getDb().executeSql('SHOW synchronous_commit', [])).rows;
    return rows[0].synchronous_commit === 'on';
  },
  producer(ctx, name, params) {
    return {
      async enqueue(n) {
        for (let sent = 0; sent < n; sent += ENQUEUE_BATCH) {
          const size = Math.min(ENQUEUE_BATCH, n - sent);
          await ctx.boss.insert(Array.from({ length: size }, () => ({ name, data: params })));
        }
      },
      put: () => ctx.boss.send(name, params),
      close: async () => {},
    };
  },
  async workers(ctx, name, count, workers, claim, onTask) {
    let stop = false;
    const loops = Array.from({ length: workers }, async () => {
      while (!stop && count.done < count.n) {
        const jobs = await ctx.boss.fetch(name, { batchSize: claim });
        if (jobs.length === 0) {
          await sleep(100);
          continue;
        }
        for (const j of jobs) onTask(j.id);
        await ctx.boss.complete(name, jobs.map((j) => j.id));
        count.add(jobs.length);
      }
    });
    return { close: async () => { stop = true; await Promise.all(loops); } };
  },
  waiting: (ctx, name) => ctx.boss.getQueueSize(name),
  async drop(ctx, name) {
    // Its completed jobs stay in the table and keep the queue from being deleted.
    await ctx.boss.getDb().executeSql('DELETE FROM pgboss.job WHERE name = $1', [name]);
    await ctx.boss.deleteQueue(name);
  },
  close: (ctx) => ctx.boss.stop({ graceful: false, wait: true }),
};

const systems = { bullmq, pgboss };
const peer = systems[system];
if (!peer) {
  console.error(`unknown system ${system}; use ${Object.keys(systems).join(' or ')}`);
  process.exit(2);
}

async function create(ctx, name) {
  if (system === 'pgboss') await ctx.boss.createQueue(name);
}

async function throughput(ctx, queue, tasks, workers, claim, params) {
  const seen = new Set();
  const onTask = (id) => {
    if (seen.has(id)) throw new Error(`task ${id} handed out twice`);
    seen.add(id);
  };
  // enqueue
  await create(ctx, queue);
  const p = peer.producer(ctx, queue, params);
  let t0 = now();
  await p.enqueue(tasks);
  emit({ phase: 'enqueue', tasks, seconds: seconds(t0, now()) });
  await p.close();
  check('enqueue', await peer.waiting(ctx, queue), tasks);
  // drain
  let count = Object.assign(counter(tasks), { n: tasks });
  t0 = now();
  let w = await peer.workers(ctx, queue, count, workers, claim, onTask);
  let t1 = await count.finished;
  await w.close();
  check('drain: completed', count.done, tasks);
  check('drain: waiting', await peer.waiting(ctx, queue), 0);
  emit({ phase: 'drain', tasks, seconds: seconds(t0, t1) });
  await peer.drop(ctx, queue);
  // end to end: the workers wait, then the producer starts
  const e2e = queue + '_e2e';
  await create(ctx, e2e);
  seen.clear();
  count = Object.assign(counter(tasks), { n: tasks });
  w = await peer.workers(ctx, e2e, count, workers, claim, onTask);
  const producer = peer.producer(ctx, e2e, params);
  t0 = now();
  await producer.enqueue(tasks);
  t1 = await count.finished;
  await w.close();
  await producer.close();
  check('end-to-end: completed', count.done, tasks);
  check('end-to-end: waiting', await peer.waiting(ctx, e2e), 0);
  emit({ phase: 'end-to-end', tasks, seconds: seconds(t0, t1) });
  await peer.drop(ctx, e2e);
}

async function latency(ctx, queue, tasks, intervalMs, params) {
  await create(ctx, queue);
  const picked = new Map();
  const count = Object.assign(counter(tasks), { n: tasks });
  const w = await peer.workers(ctx, queue, count, 1, 1, (id) => picked.set(String(id), now()));
  const p = peer.producer(ctx, queue, params);
  const acked = new Map();
  let next = Date.now() + intervalMs;
  for (let i = 0; i < tasks; i++) {
    await sleep(Math.max(0, next - Date.now()));
    next += intervalMs;
    const id = await p.put();
    acked.set(String(id), now());
  }
  await Promise.race([count.finished, sleep(60_000)]);
  await w.close();
  await p.close();
  check('latency: picked up', picked.size, tasks);
  const pickup = [];
  for (const [id, ack] of acked) {
    if (!picked.has(id)) throw new Error(`latency: task ${id} was never picked up`);
    const d = picked.get(id) - ack;
    pickup.push(d > 0n ? Number(d) : 0);
  }
  emit({ pickup_ns: pickup });
  await peer.drop(ctx, queue);
}

const ctx = await peer.open(url);
try {
  if (command === 'describe') {
    emit({ durability: await peer.describe(ctx), durable: await peer.durable(ctx) });
  } else if (command === 'throughput') {
    const [queue, tasks, workers, claim, params] = rest;
    await throughput(ctx, queue, Number(tasks), Number(workers), Number(claim), JSON.parse(params));
  } else if (command === 'latency') {
    const [queue, tasks, intervalMs, params] = rest;
    await latency(ctx, queue, Number(tasks), Number(intervalMs), JSON.parse(params));
  } else {
    throw new Error(`unknown command ${command}`);
  }
} finally {
  await peer.close(ctx);
}
process.exit(0);
