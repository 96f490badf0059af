import type { Transaction } from 'kafkajs';
import { KafkaJsTransaction } from './kafkajs-producers';

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
  const tx = {
    sendBatch: () => request('produce'),
    sendOffsets: () => request('offsets'),
    ...(o.patched ? { addOffsets: () => request('add-offsets') } : {}),
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

describe('KafkaJsTransaction.write', () => {
  it('adds the offsets partition first, then sends the records and the offsets at the same time', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    let done = false;
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets).then(() => (done = true));
    await settle('add-offsets');
    expect(log).toEqual(['start add-offsets', 'end add-offsets', 'start produce', 'start offsets']);
    await settle('offsets');
    expect(done).toBe(false); // the records are not written yet
    await settle('produce');
    await w;
    expect(done).toBe(true);
  });

  it('waits for the other half to settle before it reports a failure (an abort must not race it)', async () => {
    const { tx, log, settle } = fakeTx({ patched: true });
    let failed: unknown;
    const w = new KafkaJsTransaction(tx, new Map()).write(records, offsets).catch((e) => (failed = e));
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
