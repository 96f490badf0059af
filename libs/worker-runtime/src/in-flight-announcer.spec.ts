import type { WorkerMessage } from '@eos/proto';
import { InFlightAnnouncer } from './in-flight-announcer';

const rec = (offset: number) => ({
  task: { pipeline: 'p', taskIndex: 1 },
  epoch: 3,
  partition: 0,
  offset,
  done: false,
});

describe('InFlightAnnouncer', () => {
  it('resolves once the controller acknowledged that very record, not before', async () => {
    const sent: WorkerMessage[] = [];
    const a = new InFlightAnnouncer((m) => sent.push(m) > 0, 60_000);
    let done = false;
    const p = a.announce(rec(7)).then(() => (done = true));
    expect(sent).toEqual([{ body: { $case: 'inFlight', value: rec(7) } }]);
    a.acked(rec(6));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    a.acked(rec(7));
    await p;
    expect(done).toBe(true);
  });

  it("announces one record at a time per worker: the next waits until the last one's call settled", async () => {
    const sent: WorkerMessage[] = [];
    const a = new InFlightAnnouncer((m) => sent.push(m) > 0, 60_000);
    const other = { ...rec(40), task: { pipeline: 'p', taskIndex: 2 } };
    const first = a.announce(rec(7));
    await new Promise((r) => setImmediate(r));
    a.acked(rec(7));
    await first;
    // Task 1's record 7 is being transformed: task 2's record waits, unannounced.
    let secondGoes = false;
    const second = a.announce(other).then(() => (secondGoes = true));
    await new Promise((r) => setImmediate(r));
    expect(sent.map((m) => (m.body?.$case === 'inFlight' ? m.body.value.offset : -1))).toEqual([7]);
    a.settled(); // record 7's call is over (its done went out before)
    await new Promise((r) => setImmediate(r));
    expect(sent.map((m) => (m.body?.$case === 'inFlight' ? m.body.value.offset : -1))).toEqual([7, 40]);
    expect(secondGoes).toBe(false);
    a.acked(other);
    await second;
    a.settled();
    // The turn is free again: the next announcement goes at once.
    void a.announce(rec(8));
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(3);
  });

  it('goes on without a session, after the timeout, or when the session is lost', async () => {
    await new InFlightAnnouncer(() => false, 60_000).announce(rec(1));
    await new InFlightAnnouncer(() => true, 5).announce(rec(1));
    const a = new InFlightAnnouncer(() => true, 60_000);
    const p = a.announce(rec(2));
    a.sessionLost();
    await p;
  });
});
