/**
 * The workload: sequence-numbered records for KEYS keys over PARTITIONS partitions (key k on
 * partition k mod PARTITIONS), sent by a plain producer (not idempotent, no retries: see run.ts) on
 * the broker's plain listener;
 * what was acknowledged is kept for the checker.
 */
import type { Producer } from 'kafkajs';
import type { AckedInput } from './checker';
import { IN, KEYS, PARTITIONS, SEND_EVERY_MS } from './options';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Workload {
  readonly acked: AckedInput[] = [];
  /** Records of sends whose outcome the producer never learned. */
  unacknowledged = 0;
  private producing = true;
  private running: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    /** Records per send (one per key, round robin). */
    private readonly perSend: number,
  ) {}

  start(): void {
    this.running = this.run();
  }

  /** Stops sending and waits for the send under way. */
  async stop(): Promise<void> {
    this.producing = false;
    await this.running;
  }

  private async run(): Promise<void> {
    const nextSeq = new Array<number>(KEYS).fill(0);
    let k = 0;
    while (this.producing) {
      const msgs: AckedInput[] = [];
      for (let j = 0; j < this.perSend; j++, k = (k + 1) % KEYS) {
        const seq = nextSeq[k] as number;
        nextSeq[k] = seq + 1;
        msgs.push({ key: `k${k}`, seq, value: `k${k}:${seq}` });
      }
      try {
        await this.producer.send({
          topic: IN,
          acks: -1,
          messages: msgs.map((m) => ({
            partition: Number(m.key.slice(1)) % PARTITIONS,
            key: m.key,
            value: m.value,
          })),
        });
        this.acked.push(...msgs);
      } catch {
        // Outcome unknown (the broker may be down): these may or may not be in the input. They are
        // never re-sent (a re-send could duplicate the input itself); the checker judges the input
        // topic as read.
        this.unacknowledged += msgs.length;
        await sleep(200);
      }
      await sleep(SEND_EVERY_MS);
    }
  }
}
