/** A process whose "transform" hangs synchronously on record in/3@42 under the watchdog (transform-watchdog.spec.ts). */
import { TransformWatchdog } from '../transform-watchdog';

const watchdog = new TransformWatchdog({ deadlineMs: Number(process.argv[2] ?? 200) });
const probe = watchdog.probe('pipeline p1 task 3 (spin@1, epoch 9)');
const rec = { topic: 'in', partition: 3, offset: '42', key: null, value: null, headers: {}, timestamp: '0' };
// A quick call first: the watchdog must let it be.
probe.before({ ...rec, offset: '41' });
probe.after();
setTimeout(() => {
  process.stdout.write('hanging\n');
  probe.before(rec);
  for (;;) {
    // a transform stuck in a synchronous loop
  }
}, 300);
