/**
 * Benchmark (not a test): the CPU cost of kafkajs's produce and fetch codecs as eos-fleet patches
 * them (`patches/kafkajs+2.2.4.patch`) against the pristine kafkajs 2.2.4, in one process,
 * alternating the two builds every round.
 *
 *   npx tsx tools/bench/kafkajs-codec.ts [--records N] [--rounds R] [--pristine DIR]
 *
 * Encode: what EosTask hands kafkajs per produce request, N records of 1 KB with a key and the two
 * eos headers over 4 partitions, grouped per partition (`groupMessagesPerPartition`) and encoded
 * as one Produce request as it goes on the wire (records, record batches with their CRC32C, the
 * request header and size prefix). Decode: one partition's record batch of N such records, as a
 * Fetch response carries it, decoded into kafkajs's record objects. The two builds must write the
 * same bytes and decode the same records (checked every round). Figures: CPU µs per record,
 * median of the rounds, and the ratio patched / pristine.
 *
 * DIR is an unpacked pristine kafkajs 2.2.4 (`npm pack kafkajs@2.2.4`, untar); without
 * `--pristine` the script unpacks one into tools/bench/.cache/ with `npm pack` (needs the npm
 * registry once).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { cliArgs } from '../lib/args';
import { runSync } from '../lib/proc';

const args = cliArgs(
  `npx tsx tools/bench/kafkajs-codec.ts [--records N] [--rounds R] [--pristine DIR]
  defaults: 4000 records, 15 rounds; DIR: an unpacked pristine kafkajs 2.2.4`,
  {
    records: { type: 'string' },
    rounds: { type: 'string' },
    pristine: { type: 'string' },
  },
);
const RECORDS = args.number('records', 4000, { min: 1 });
const ROUNDS = args.number('rounds', 15, { min: 1 });
const PRISTINE = args.string('pristine');

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
  Decoder: new (b: Buffer) => unknown;
  decodeBatch: (d: unknown) => Promise<{ records: Record<string, unknown>[] }>;
}

function load(name: string, dir: string): Build {
  const req = createRequire(path.join(dir, 'package.json'));
  return {
    name,
    group: req('./src/producer/groupMessagesPerPartition'),
    request: req('./src/protocol/requests/produce/v3/request'),
    wrap: req('./src/protocol/request'),
    Decoder: req('./src/protocol/decoder'),
    decodeBatch: req('./src/protocol/recordBatch/v0/decoder'),
  };
}

function pristineDir(): string {
  if (PRISTINE) return path.resolve(PRISTINE);
  const cache = path.join(__dirname, '.cache', 'kafkajs-2.2.4');
  if (!fs.existsSync(path.join(cache, 'package', 'package.json'))) {
    fs.mkdirSync(cache, { recursive: true });
    for (const [cmd, argv] of [
      ['npm', ['pack', 'kafkajs@2.2.4', '--pack-destination', cache]],
      ['tar', ['-xzf', path.join(cache, 'kafkajs-2.2.4.tgz'), '-C', cache]],
    ] as const) {
      const res = runSync(cmd, [...argv]);
      if (res.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${res.stderr.trim()}`);
    }
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

/** One partition's record batch of RECORDS records, as a Fetch response carries it. */
async function fetchedBatch(b: Build): Promise<Buffer> {
  const messages = makeMessages().map((m) => ({ ...m, partition: 0 }));
  const req = b.request({
    acks: -1,
    timeout: 30_000,
    transactionalId: 'x',
    topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }],
  });
  // The record set follows: transactional id (2+1), acks, timeout, topic count, topic (2+1),
  // partition count, partition, record set size.
  const batch = Buffer.from((await req.encode()).buffer.subarray(2 + 1 + 2 + 4 + 4 + 2 + 1 + 4 + 4 + 4));
  batch.writeInt32BE(0, 0);
  batch.writeInt32BE(1_000_000, 4); // first offset
  return batch;
}

const decodeOnce = async (b: Build, batch: Buffer) =>
  (await b.decodeBatch(new b.Decoder(batch))).records.map((r) => ({ ...r, batchContext: undefined }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const cpuOf = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const c0 = process.cpuUsage();
  const out = await f();
  const c = process.cpuUsage(c0);
  return [out, (c.user + c.system) / RECORDS];
};

async function main(): Promise<void> {
  const builds = [load('pristine', pristineDir()), load('patched', path.dirname(require.resolve('kafkajs')))];
  const crc = createRequire(require.resolve('kafkajs'))('./src/protocol/recordBatch/crc32C') as {
    isNative?: boolean;
  };
  if (!crc.isNative)
    throw new Error('the patched kafkajs is not installed (run npm ci: postinstall applies patches/)');
  const cpu = { encode: new Map<string, number[]>(), decode: new Map<string, number[]>() };
  const batch = await fetchedBatch(builds[0] as Build);
  for (let i = 0; i < 3; i++)
    for (const b of builds) {
      await encodeOnce(b, makeMessages());
      await decodeOnce(b, batch);
    }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    const encoded: Buffer[] = [];
    const decoded: unknown[] = [];
    for (const b of order) {
      const msgs = makeMessages();
      const [bytes, e] = await cpuOf(() => encodeOnce(b, msgs));
      const [records, d] = await cpuOf(() => decodeOnce(b, batch));
      encoded.push(bytes);
      decoded.push(records);
      cpu.encode.set(b.name, [...(cpu.encode.get(b.name) ?? []), e]);
      cpu.decode.set(b.name, [...(cpu.decode.get(b.name) ?? []), d]);
    }
    if (!encoded[0]?.equals(encoded[1] as Buffer))
      throw new Error(`round ${r}: the two builds wrote different bytes`);
    if (!isDeepStrictEqual(decoded[0], decoded[1]))
      throw new Error(`round ${r}: the two builds decoded differently`);
  }
  console.log(`kafkajs 2.2.4, CPU µs per record, median of ${ROUNDS} rounds, ${RECORDS} records of 1 KB\n`);
  console.log('| path | pristine | patched | patched / pristine |');
  console.log('|---|---|---|---|');
  for (const [path_, m] of Object.entries(cpu)) {
    const [p, q] = [median(m.get('pristine') ?? []), median(m.get('patched') ?? [])];
    console.log(`| ${path_} | ${p.toFixed(2)} | ${q.toFixed(2)} | ${(q / p).toFixed(2)} |`);
  }
  console.log('\n(same bytes and the same decoded records in every round)');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
