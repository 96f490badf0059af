/**
 * Benchmark (not a test): the CPU cost of kafkajs's produce path as eos-fleet patches it
 * (`patches/kafkajs+2.2.4.patch`) against the pristine kafkajs 2.2.4, in one process, alternating.
 *
 *   npx tsx tools/bench/kafkajs-encode.ts [--records N] [--rounds R] [--pristine DIR]
 *
 * One "transaction" is what EosTask hands kafkajs per produce request: N records of 1 KB with a
 * key and the two eos headers, over 4 partitions, grouped per partition
 * (`groupMessagesPerPartition`), then encoded as one Produce request (records, record batches
 * with their CRC32C, the request with its header and size prefix, as it goes on the wire). The two builds must produce the same bytes (checked every
 * round); the figures are CPU µs per record, median of the rounds, and their ratio.
 *
 * DIR is an unpacked pristine kafkajs 2.2.4 (`npm pack kafkajs@2.2.4` and untar it); without
 * `--pristine` the script unpacks one into tools/bench/.cache/ with `npm pack` (needs the npm
 * registry once).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '15' },
    pristine: { type: 'string' },
  },
  strict: true,
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);

interface Build {
  name: string;
  group: (a: {
    topic: string;
    partitionMetadata: unknown[];
    messages: unknown[];
    partitioner: (a: { message: { partition: number } }) => number;
  }) => Record<string, unknown[]>;
  request: (a: Record<string, unknown>) => { encode: () => Promise<{ buffer: Buffer }> };
  wrap: (a: { correlationId: number; clientId: string; request: unknown }) => Promise<{ buffer: Buffer }>;
}

function load(name: string, dir: string): Build {
  const req = createRequire(path.join(dir, 'package.json'));
  return {
    name,
    group: req('./src/producer/groupMessagesPerPartition'),
    request: req('./src/protocol/requests/produce/v3/request'),
    wrap: req('./src/protocol/request'),
  };
}

function pristineDir(): string {
  if (values.pristine) return path.resolve(values.pristine);
  const cache = path.join(__dirname, '.cache', 'kafkajs-2.2.4');
  if (!fs.existsSync(path.join(cache, 'package', 'package.json'))) {
    fs.mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['pack', 'kafkajs@2.2.4', '--pack-destination', cache], { stdio: 'ignore' });
    execFileSync('tar', ['-xzf', path.join(cache, 'kafkajs-2.2.4.tgz'), '-C', cache]);
  }
  return path.join(cache, 'package');
}

const PARTITIONS = 4;
const VALUE = Buffer.alloc(1024, 'x');
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0 }));
const makeMessages = () =>
  Array.from({ length: RECORDS }, (_, i) => ({
    partition: i % PARTITIONS,
    key: Buffer.from(`k${i % 64}`),
    value: VALUE,
    timestamp: String(1_765_000_000_000 + i),
    headers: { 'eos.spec-version': '1', 'eos.transform': 'identity@1' },
  }));

async function encodeOnce(b: Build, messages: unknown[]): Promise<Buffer> {
  const grouped = b.group({
    topic: 'out',
    partitionMetadata,
    messages,
    partitioner: ({ message }) => message.partition,
  });
  const partitions = Object.entries(grouped).map(([p, msgs]) => ({
    partition: Number(p),
    firstSequence: 0,
    messages: msgs,
  }));
  const req = b.request({
    acks: -1,
    timeout: 30_000,
    transactionalId: 'eos.bench.0',
    topicData: [{ topic: 'out', partitions }],
  });
  return (await b.wrap({ correlationId: 1, clientId: 'eos-worker-bench', request: req })).buffer;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const builds = [load('pristine', pristineDir()), load('patched', path.dirname(require.resolve('kafkajs')))];
  const crc = createRequire(require.resolve('kafkajs'))('./src/protocol/recordBatch/crc32C') as {
    isNative?: boolean;
  };
  if (!crc.isNative)
    throw new Error('the patched kafkajs is not installed (run npm ci: postinstall applies patches/)');
  const cpu: Record<string, number[]> = { pristine: [], patched: [] };
  // Warm both up, and check they write the same bytes.
  const messages = makeMessages();
  for (let i = 0; i < 3; i++) for (const b of builds) await encodeOnce(b, messages);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    const out: Buffer[] = [];
    for (const b of order) {
      const msgs = makeMessages();
      const c0 = process.cpuUsage();
      out.push(await encodeOnce(b, msgs));
      const c = process.cpuUsage(c0);
      cpu[b.name]?.push((c.user + c.system) / RECORDS);
    }
    if (!out[0]?.equals(out[1] as Buffer))
      throw new Error(`round ${r}: the two builds wrote different bytes`);
  }
  const [p, q] = [median(cpu['pristine'] ?? []), median(cpu['patched'] ?? [])];
  console.log(
    `| kafkajs 2.2.4 | CPU µs per record (median of ${ROUNDS} rounds, ${RECORDS} records of 1 KB) |`,
  );
  console.log('|---|---|');
  console.log(`| pristine | ${p.toFixed(2)} |`);
  console.log(`| patched | ${q.toFixed(2)} |`);
  console.log(`\npatched / pristine CPU per record: ${(q / p).toFixed(2)} (same bytes in every round)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
