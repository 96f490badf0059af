/**
 * Live fleet state for the pages: a refresh every 2 s (rates and lag move without events), and
 * one right away when the controller's SSE stream says something changed.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, readEvents } from './api';
import type { PipelineStatus } from './model';
import { recordSamples, type History } from './history';
import { emptySnapshot, trackDrains, type DrainStarts, type Snapshot } from './state';

export interface LiveState {
  snap: Snapshot;
  history: History;
  drains: DrainStarts;
  /** The last refresh's error, if it failed (the page keeps showing the previous state). */
  error?: string;
  /** The SSE stream is open. */
  live: boolean;
}

const REFRESH_MS = 2000;

async function readSnapshot(): Promise<Snapshot> {
  const [workers, pipelines, rollouts] = await Promise.all([
    api.listWorkers(),
    api.listPipelines(),
    api.listRollouts(),
  ]);
  const statuses = await Promise.all(
    pipelines.map((p) =>
      api.pipelineStatus(p.spec?.name ?? '').catch((): PipelineStatus => ({ pipeline: p, tasks: [] })),
    ),
  );
  return { at: Date.now(), workers, pipelines: statuses, rollouts };
}

type Listener = (s: LiveState) => void;

/** One store for the whole page: pages subscribe with `useLive()`. */
class LiveStore {
  state: LiveState = { snap: emptySnapshot(), history: {}, drains: {}, live: false };
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private again = false;
  private started = false;
  private events: AbortController | undefined;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    this.start();
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Refresh now (after an action, or on an SSE change). */
  refresh = (): void => {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    clearTimeout(this.timer);
    readSnapshot()
      .then((snap) => {
        this.set({
          snap,
          history: recordSamples(this.state.history, snap.pipelines, snap.at),
          drains: trackDrains(this.state.drains, snap.workers),
          error: undefined,
        });
      })
      .catch((err: unknown) => this.set({ error: (err as Error).message }))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.refresh();
        } else if (this.started) this.timer = setTimeout(this.refresh, REFRESH_MS);
      });
  };

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.refresh();
    const events = new AbortController();
    this.events = events;
    const open = () =>
      readEvents((e) => {
        if (e === 'hello') this.set({ live: true });
        else if (e === 'change') this.refresh();
      }, events.signal)
        .catch(() => undefined)
        .finally(() => {
          this.set({ live: false });
          if (!events.signal.aborted) setTimeout(open, REFRESH_MS); // reconnect, as EventSource would
        });
    void open();
  }

  /** Stops refreshing and closes the event stream (signed out: nothing is shown). */
  private stop(): void {
    this.started = false;
    clearTimeout(this.timer);
    this.events?.abort();
    this.events = undefined;
    this.state = { snap: emptySnapshot(), history: {}, drains: {}, live: false };
  }
}

export const store = new LiveStore();

export function useLive(): LiveState {
  const [s, setS] = useState(store.state);
  useEffect(() => store.subscribe(setS), []);
  return s;
}

/** A clock for "3 s ago" labels. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
