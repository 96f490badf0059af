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

  it('goes on without a session, after the timeout, or when the session is lost', async () => {
    await new InFlightAnnouncer(() => false, 60_000).announce(rec(1));
    await new InFlightAnnouncer(() => true, 5).announce(rec(1));
    const a = new InFlightAnnouncer(() => true, 60_000);
    const p = a.announce(rec(2));
    a.sessionLost();
    await p;
  });
});
