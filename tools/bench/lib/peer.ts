/**
 * The Kafka Streams peer (tools/bench/peer): N JVM instances of one application id, identity
 * topology, exactly_once_v2, the fleet's commit interval; everything else at the Streams defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { REPO_ROOT } from '@eos/infra';
import { until } from '@eos/testing';
import { ChildProc, runSync } from '../../lib/proc';
import { groupTotal, type Guarantee, type SystemUnderTest } from './fleet';
import type { BenchEnv } from './infra';

const PEER_DIR = path.join(REPO_ROOT, 'tools/bench/peer');

/** Builds the peer with Maven (`mvn -q -B package`) unless its classes and jars are there. */
export function ensurePeerBuilt(): void {
  const classes = path.join(PEER_DIR, 'target/classes/dev/eosfleet/peer');
  const fresh =
    fs.existsSync(path.join(PEER_DIR, 'target/lib')) &&
    ['Peer', 'Probe'].every((c) => {
      const cls = path.join(classes, `${c}.class`);
      const src = path.join(PEER_DIR, `src/main/java/dev/eosfleet/peer/${c}.java`);
      return fs.existsSync(cls) && fs.statSync(cls).mtimeMs >= fs.statSync(src).mtimeMs;
    });
  if (fresh) return;
  process.stderr.write('[bench] building the Kafka Streams peer (mvn -q -B package)...\n');
  const res = runSync('mvn', ['-q', '-B', '-f', path.join(PEER_DIR, 'pom.xml'), 'package'], {
    inherit: true,
  });
  if (res.status !== 0) throw new Error(`mvn package of tools/bench/peer failed (exit ${res.status})`);
}

/** The command line of one instance, for the report. */
export const PEER_COMMAND =
  "PEER_BROKERS=... PEER_INPUT=... PEER_OUTPUT=... PEER_APP_ID=... PEER_COMMIT_MS=100 java -Xmx512m -cp 'tools/bench/peer/target/classes:tools/bench/peer/target/lib/*' dev.eosfleet.peer.Peer";

interface Instance {
  id: string;
  proc: ChildProc;
  state: string;
  partitions: number[];
}

export class StreamsPeer implements SystemUnderTest {
  readonly label: string;
  private readonly instances = new Map<string, Instance>();
  private n = 0;

  constructor(
    private readonly env: BenchEnv,
    private readonly o: {
      appId: string;
      input: string;
      output: string;
      partitions: number;
      commitMs: number;
      guarantee: Guarantee;
    },
  ) {
    this.label = `Kafka Streams ${o.guarantee}`;
  }

  private startInstance(): void {
    const id = `i${++this.n}`;
    const stateDir = path.join(REPO_ROOT, '.data', 'peer-state', `${this.o.appId}-${id}`);
    fs.mkdirSync(stateDir, { recursive: true });
    const proc = new ChildProc(
      `peer ${id}`,
      'java',
      [
        '-Xms512m',
        '-Xmx512m',
        '-cp',
        `${path.join(PEER_DIR, 'target/classes')}:${path.join(PEER_DIR, 'target/lib')}/*`,
        'dev.eosfleet.peer.Peer',
      ],
      {
        env: {
          PEER_BROKERS: this.env.brokers.join(','),
          PEER_INPUT: this.o.input,
          PEER_OUTPUT: this.o.output,
          PEER_APP_ID: this.o.appId,
          PEER_COMMIT_MS: String(this.o.commitMs),
          PEER_THREADS: '1',
          PEER_GUARANTEE: this.o.guarantee === 'exactly-once' ? 'exactly_once_v2' : 'at_least_once',
          PEER_STATE_DIR: stateDir,
        },
        stdin: true,
        keep: 100_000,
        onData: (text) => {
          if (process.env['BENCH_DEBUG']) process.stderr.write(`[peer ${id}] ${text}`);
          for (const m of text.matchAll(/^peer state \S+ -> (\S+) \d+$/gm)) inst.state = m[1]!;
          for (const m of text.matchAll(/^peer partitions \[([\d,]*)\] \d+$/gm))
            inst.partitions = m[1] ? m[1].split(',').map(Number) : [];
        },
      },
    );
    // Output comes after this line runs: `inst` is there by then.
    const inst: Instance = { id, proc, state: 'CREATED', partitions: [] };
    this.instances.set(id, inst);
  }

  private alive(): Instance[] {
    return [...this.instances.values()].filter((i) => i.proc.running);
  }

  /** Every live instance RUNNING and the input partitions split among them, each once. */
  private async waitStable(): Promise<void> {
    await until(
      `${this.o.appId}: every partition on a RUNNING instance`,
      () => {
        const live = this.alive();
        if (live.length !== this.instances.size) {
          const dead = [...this.instances.values()].find((i) => !live.includes(i));
          throw new Error(`peer ${dead?.id} exited:\n${dead?.proc.output.slice(-3000)}`);
        }
        const owned = live.flatMap((i) => i.partitions);
        return (
          live.every((i) => i.state === 'RUNNING') &&
          owned.length === this.o.partitions &&
          new Set(owned).size === this.o.partitions
        );
      },
      180_000,
    );
  }

  async start(units: number): Promise<void> {
    ensurePeerBuilt();
    for (let i = 0; i < units; i++) this.startInstance();
    await this.waitStable();
  }

  /** Sends `pause` / `resume` to every live instance, again to those that refuse (not RUNNING yet). */
  private async command(cmd: 'pause' | 'resume'): Promise<void> {
    const word = cmd === 'pause' ? 'paused' : 'resumed';
    const pending = new Map(this.alive().map((i) => [i, -1]));
    await until(
      `peer ${word}`,
      () => {
        for (const [i, mark] of pending) {
          const since = mark < 0 ? '' : i.proc.output.slice(mark);
          if (since.includes(`peer ${word} `)) pending.delete(i);
          else if (mark < 0 || since.includes('peer error ')) {
            pending.set(i, i.proc.output.length);
            i.proc.write(cmd);
          }
        }
        return pending.size === 0;
      },
      60_000,
      20,
    );
  }

  pause(): Promise<void> {
    return this.command('pause');
  }

  resume(): Promise<void> {
    return this.command('resume');
  }

  pids(): number[] {
    return this.alive().map((i) => i.proc.pid as number);
  }

  committed(admin: Admin): Promise<number> {
    return groupTotal(admin, this.o.appId, this.o.input);
  }

  async killBusiest(): Promise<{ victim: string; partitions: number[]; killedAt: number }> {
    await this.waitStable();
    const victim = this.alive().sort((a, b) => b.partitions.length - a.partitions.length)[0]!;
    const killedAt = Date.now();
    victim.proc.signal('SIGKILL');
    await victim.proc.exited;
    this.instances.delete(victim.id);
    return { victim: victim.id, partitions: victim.partitions, killedAt };
  }

  async addUnit(): Promise<void> {
    this.startInstance();
    await this.waitStable();
  }

  async stop(): Promise<void> {
    const all = [...this.instances.values()];
    // SIGTERM runs the shutdown hook (close); SIGKILL what is left after 10 s.
    await Promise.all(all.map((i) => i.proc.stop(10_000)));
    this.instances.clear();
  }
}
