import type { Transaction } from 'kafkajs';
import { KafkaJsTransaction, placedPartitions } from './kafkajs-producers';

/** A kafkajs transaction whose requests stay pending until the test settles them, in a log. */
function fakeTx(o: { patched: boolean }) {
  const log: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const request = (name: string) =>
    new Promise<void>((resolve, reject) => {
      log.push(`start ${name}`);
      pending.set(name, {
        resolve: () => {
          log.push(`end ${name}`);
          resolve();
        },
        reject: (e) => {
          log.push(`fail ${name}`);
          reject(e);
        },
      });
    });
  let offsetsAdded = false; // as the patch: AddOffsetsToTxn once per transaction
  const tx = {
    sendBatch: () => request('produce'),
    sendOffsets: () => request('offsets'),
    ...(o.patched
      ? {
          addPartitions: (t: unknown) => request(`add-partitions ${JSON.stringify(t)}`),
          addOffsets: async () => {
            if (offsetsAdded) return;
            await request('add-offsets');
            offsetsAdded = true;
          },
        }
      : {}),
  } as unknown as Transaction;
  const settle = async (name: string, err?: Error) => {
    for (let i = 0; i < 20 && !pending.has(name); i++) await new Promise((r) => setImmediate(r));
    const p = pending.get(name);
    if (!p) throw new Error(`${name} was never sent (log: ${log.join(', ')})`);
    pending.delete(name);
    if (err) p.reject(err);
    else p.resolve();
    await new Promise((r) => setImmediate(r));
  };
  return { tx, log, settle };
}

const records = [{ topic: 'out', partition: 0, key: 'k', value: 'v' }];
const offsets = { groupId: 'g', topic: 'in', offsets: new Map([[0, 1]]) };

const ADD_OUT_0 = 'add-partitions [{"topic":"out","partitions":[{"partition":0}]}]';

describe('KafkaJsTransaction.write', () => {
  it("adds the records' partitions and the offsets first, together, then sends the records beside the offsets", async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    let done = false;
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets).then(() => (done = true));
    await settle(ADD_OUT_0);
    expect(log).toEqual([`start ${ADD_OUT_0}`, 'start add-offsets', `end ${ADD_OUT_0}`]);
    await settle('add-offsets');
    expect(log.slice(-3)).toEqual(['end add-offsets', 'start produce', 'start offsets']);
    await settle('offsets');
    expect(done).toBe(false); // the records are not written yet
    await settle('produce');
    await w;
    expect(done).toBe(true);
  });

  it('tells how long it prepared: from the first add to the last before the records went out', async () => {
    const { tx, settle } = fakeTx({ patched: true });
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets);
    await settle(ADD_OUT_0);
    await new Promise((r) => setTimeout(r, 40)); // the coordinator still writes the last markers
    await settle('add-offsets');
    await new Promise((r) => setTimeout(r, 30)); // the produce: not preparing
    await settle('offsets');
    await settle('produce');
    const t = await w;
    expect(t?.prepareMs).toBeGreaterThanOrEqual(35);
    expect(t?.prepareMs).toBeLessThan(65);
  });

  it('with records the partitioner places, adds only the offsets first (their send adds the partitions)', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    const unplaced = [{ topic: 'out', key: 'k', value: 'v' }];
    const w = new KafkaJsTransaction(tx, new Map()).write(unplaced, offsets);
    await settle('add-offsets');
    expect(log).toEqual(['start add-offsets', 'end add-offsets', 'start produce', 'start offsets']);
    await settle('offsets');
    await settle('produce');
    await w;
  });

  it('sends nothing more when adding to the transaction failed, once both additions settled', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    let failed: unknown;
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets).catch((e) => (failed = e));
    await settle(ADD_OUT_0, new Error('TOPIC_AUTHORIZATION_FAILED'));
    expect(failed).toBeUndefined();
    await settle('add-offsets');
    await w;
    expect((failed as Error).message).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(log).not.toContain('start produce');
  });

  it('waits for the other half to settle before it reports a failure (an abort must not race it)', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    let failed: unknown;
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets).catch((e) => (failed = e));
    await settle(ADD_OUT_0);
    await settle('add-offsets');
    await settle('produce', new Error('NOT_LEADER_OR_FOLLOWER'));
    expect(failed).toBeUndefined();
    await settle('offsets');
    await w;
    expect((failed as Error).message).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(log.slice(-2)).toEqual(['fail produce', 'end offsets']);
  });

  it('on kafkajs without the patch, sends the offsets after the records', async () => {
    const { tx, log, settle } = fakeTx({ patched: false });
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets);
    await settle('produce');
    await settle('offsets');
    await w;
    expect(log).toEqual(['start produce', 'end produce', 'start offsets', 'end offsets']);
  });

  it('with no offsets, only sends the records', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    const w = new KafkaJsTransaction(tx, new Map()).write(records, { ...offsets, offsets: new Map() });
    await settle('produce');
    await w;
    expect(log).toEqual(['start produce', 'end produce']);
  });
});

describe('placedPartitions', () => {
  it('lists each topic-partition the records name once, and skips records without a partition', () => {
    expect(
      placedPartitions([
        { topic: 'out', partition: 2, key: null, value: 'a' },
        { topic: 'out', partition: 0, key: null, value: 'b' },
        { topic: 'out', partition: 2, key: null, value: 'c' },
        { topic: 'dlq', key: 'k', value: 'd' },
        { topic: 'dlq', partition: 1, key: null, value: 'e' },
      ]),
    ).toEqual([
      { topic: 'out', partitions: [{ partition: 2 }, { partition: 0 }] },
      { topic: 'dlq', partitions: [{ partition: 1 }] },
    ]);
  });
});
