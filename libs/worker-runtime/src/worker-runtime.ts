import type * as grpc from '@grpc/grpc-js';
import type { KafkaPort } from '@eos/eos-core';
import type { ControllerMessage } from '@eos/proto';
import type { TransformRegistry } from '@eos/transforms';
import { InFlightAnnouncer } from './in-flight-announcer';
import { SessionClient } from './session-client';
import type { TaskMetrics } from './task-metrics';
import type { TaskTuning } from './task-options';
import { TaskSupervisor } from './task-supervisor';
import type { TransformWatchdog } from './transform-watchdog';

export interface WorkerRuntimeOptions {
  /** Who this worker is: sent in every Hello. */
  identity: { workerId: string; host: string; capacity: number; pid: number };
  /** The controller's WorkerService. */
  controller: {
    address: string;
    /** TLS (or mTLS) channel credentials. @default plaintext */
    credentials?: grpc.ChannelCredentials;
    /** Sent as `authorization: Bearer <token>` on the session. */
    token?: string;
  };
  /** The tasks' Kafka (the runtime never closes it: its owner does). */
  kafka: KafkaPort;
  registry: TransformRegistry;
  log: (m: string) => void;
  metrics?: TaskMetrics;
  tuning?: TaskTuning;
  /** Watches synchronous transform calls (its owner stops it). */
  watchdog?: TransformWatchdog;
  /** The session came up (true) or went down (false). */
  onConnection?: (up: boolean) => void;
  /** How often commit reports go to the controller, batched. @default 200 */
  commitFlushMs?: number;
}

/**
 * `idle` -> `running` (run) -> `draining` (drain) -> `drained` (the controller moved every task
 * away) -> `stopping` (shutdown) -> `stopped`. A drain that loses the controller stays `draining`
 * until shutdown.
 */
export type WorkerRuntimeState = 'idle' | 'running' | 'draining' | 'drained' | 'stopping' | 'stopped';

/** Why `run()` ended: drained by the controller on its own (an operator's DrainWorker), or shut down. */
export type RunOutcome = 'drained' | 'shutdown';

/**
 * A worker's runtime: the session with the controller, the tasks it assigns (TaskSupervisor, one
 * EosTask each) and the messages between them. No config, metrics registry or HTTP: the worker
 * app (apps/worker) owns those and wires them in.
 */
export class WorkerRuntime {
  private readonly session: SessionClient;
  private readonly supervisor: TaskSupervisor;
  private readonly announcer: InFlightAnnouncer;
  private current: WorkerRuntimeState = 'idle';
  private flushTimer: NodeJS.Timeout | undefined;
  private ended: ((outcome: RunOutcome) => void) | undefined;
  /** Our own drain's answer: true once drained, false when the controller went away first. */
  private drainAnswer: ((drained: boolean) => void) | undefined;
  /** A drain we asked for (a `drained` then answers it, not run()). */
  private drainAsked = false;

  constructor(private readonly o: WorkerRuntimeOptions) {
    this.announcer = new InFlightAnnouncer((m) => this.session.send(m));
    this.supervisor = new TaskSupervisor({
      kafka: o.kafka,
      registry: o.registry,
      send: (m) => this.session.send(m),
      log: o.log,
      metrics: o.metrics,
      tuning: o.tuning,
      watchdog: o.watchdog,
      announce: (v) => this.announcer.announce(v),
      settled: () => this.announcer.settled(),
    });
    this.session = new SessionClient({
      address: o.controller.address,
      credentials: o.controller.credentials,
      token: o.controller.token,
      log: o.log,
      hello: () => ({
        ...o.identity,
        transforms: o.registry.capabilities(),
        running: this.supervisor.running(),
      }),
      onState: (up) => this.onConnection(up),
      onMessage: (m) => this.onMessage(m),
    });
  }

  get state(): WorkerRuntimeState {
    return this.current;
  }

  /** True while the session with the controller is up. */
  get connected(): boolean {
    return this.session.connected;
  }

  /** Tasks running here now. */
  taskCount(): number {
    return this.supervisor.count();
  }

  /**
   * Opens the session (reconnecting with backoff while the controller is away) and runs what it
   * assigns. Resolves with `drained` when the controller drained this worker without being asked
   * here (no tasks are left; the caller shuts down), or `shutdown` once `shutdown()` finished.
   */
  run(): Promise<RunOutcome> {
    if (this.current !== 'idle') throw new Error(`run() in state ${this.current}`);
    this.current = 'running';
    const ended = new Promise<RunOutcome>((resolve) => (this.ended = resolve));
    this.flushTimer = setInterval(() => this.flushCommits(), this.o.commitFlushMs ?? 200);
    this.session.start();
    return ended;
  }

  /**
   * Asks the controller to drain this worker (its tasks move away, committing what is in flight).
   * Resolves true once the controller says it is drained, or false at once when no controller is
   * reachable or when the session is lost first (the caller then stops the fast way: fencing
   * protects the next owner).
   */
  drain(reason: string): Promise<boolean> {
    if (!this.session.connected) return Promise.resolve(false);
    if (this.current === 'running') this.current = 'draining';
    this.drainAsked = true;
    const answer = new Promise<boolean>((resolve) => (this.drainAnswer = resolve));
    this.session.send({ body: { $case: 'drainRequest', value: { reason } } });
    this.o.log(`asked the controller to drain this worker (${reason})`);
    return answer;
  }

  /**
   * Stops every task (graceful: commit what is in flight; fast: abort it), sends the last commit
   * reports and closes the session. A fast shutdown while a graceful one runs aborts what is in
   * flight; any other repeated call does nothing.
   */
  async shutdown({ graceful }: { graceful: boolean }): Promise<void> {
    if (this.current === 'stopping' || this.current === 'stopped') {
      if (!graceful) await this.supervisor.stopAll(false);
      return;
    }
    this.current = 'stopping';
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.supervisor.stopAll(graceful);
    const commits = this.supervisor.takeCommits();
    if (commits.length) this.session.send({ body: { $case: 'commits', value: { commits } } });
    this.session.close();
    this.current = 'stopped';
    this.ended?.('shutdown');
  }

  private onConnection(up: boolean): void {
    this.o.onConnection?.(up);
    if (up) return;
    this.announcer.sessionLost();
    // Controller gone mid-drain: the caller stops the rest the fast way.
    this.answerDrain(false);
  }

  private onMessage(m: ControllerMessage): void {
    const b = m.body;
    if (!b) return;
    const sup = this.supervisor;
    if (b.$case === 'assign') void sup.assign(b.value);
    else if (b.$case === 'revoke') void sup.revoke(b.value);
    else if (b.$case === 'setPaused') sup.setPaused(b.value);
    else if (b.$case === 'inFlightAck') this.announcer.acked(b.value);
    else if (b.$case === 'drained') this.onDrained();
  }

  private onDrained(): void {
    if (this.current === 'running' || this.current === 'draining') this.current = 'drained';
    if (this.drainAsked) this.answerDrain(true);
    else this.ended?.('drained'); // drained by an operator's DrainWorker
  }

  private answerDrain(drained: boolean): void {
    const answer = this.drainAnswer;
    this.drainAnswer = undefined;
    answer?.(drained);
  }

  private flushCommits(): void {
    this.o.metrics?.tasksRunning(this.supervisor.count());
    if (!this.session.connected) return;
    const commits = this.supervisor.takeCommits();
    if (commits.length) this.session.send({ body: { $case: 'commits', value: { commits } } });
  }
}
