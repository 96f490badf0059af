/**
 * Task placement: balanced, sticky (a task moves only when it must), within capacity, only to
 * workers that can run the task's transform, never to draining or dead workers. Pure: the
 * controller feeds it the fleet and applies the moves it returns.
 */

export interface PlacementTask {
  /** `pipeline/index` */
  key: string;
  /** `name@version` the task needs. */
  transform: string;
  /** Current owner, if any. */
  owner?: string;
  /**
   * The task has run before (it is being moved: a rollout step, a drain, a dead owner): it gets a
   * free slot before tasks that never had one, so a move cannot lose its slot to a task that was
   * waiting for capacity.
   */
  priority?: boolean;
}

export interface PlacementWorker {
  id: string;
  capacity: number;
  /** `name@version` it can run. */
  transforms: ReadonlySet<string>;
  /** True when it may get new tasks (alive, not draining). */
  eligible: boolean;
}

/** task key -> worker id (or undefined: nowhere to run it). */
export type Placement = Map<string, string | undefined>;

/** Task keys in `pipeline/index` order, indexes numerically (one collator: `localeCompare` with options builds one per call). */
const KEY_ORDER = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Computes the target placement. A task keeps its owner while the owner is eligible, can run it
 * and is within capacity; the rest go to the least-loaded capable worker (ties: smallest id),
 * `priority` tasks first, so when slots are short the tasks that ran before get them; then
 * tasks move from the most to the least loaded worker only while loads differ by more than one.
 *
 * Cost: O((T + W) log W) for T tasks and W workers plus O(log W) per move (the controller runs it
 * on every change, over every task: with 10,000 tasks and 1,000 workers a linear search per task
 * made each run take seconds).
 */
export function placeTasks(tasks: readonly PlacementTask[], workers: readonly PlacementWorker[]): Placement {
  const byId = new Map(workers.filter((w) => w.eligible).map((w) => [w.id, w]));
  const load = new Map<string, string[]>([...byId.keys()].map((id) => [id, []]));
  const out: Placement = new Map();
  const canRun = (w: PlacementWorker, t: PlacementTask) => w.transforms.has(t.transform);
  const sorted = [...tasks].sort((a, b) => KEY_ORDER(a.key, b.key));
  const loadOf = (id: string) => (load.get(id) as string[]).length;

  // 1. Sticky: keep what may stay.
  const homeless: PlacementTask[] = [];
  for (const t of sorted) {
    const w = t.owner ? byId.get(t.owner) : undefined;
    const l = w ? (load.get(w.id) as string[]) : undefined;
    if (w && l && canRun(w, t) && l.length < w.capacity) {
      l.push(t.key);
      out.set(t.key, w.id);
    } else homeless.push(t);
  }

  // Least-loaded lookups: per transform, a heap of (load, id) over the capable workers with room;
  // entries go stale when a load changes (a fresh one is pushed) and are dropped when met.
  const heaps = new Map<string, LoadHeap>();
  const heapFor = (transform: string) => {
    let h = heaps.get(transform);
    if (!h) {
      h = new LoadHeap();
      for (const w of byId.values()) if (w.transforms.has(transform)) h.push(loadOf(w.id), w.id);
      heaps.set(transform, h);
    }
    return h;
  };
  const current = (e: HeapEntry) => {
    const w = byId.get(e.id) as PlacementWorker;
    const n = loadOf(e.id);
    return e.load === n && n < w.capacity;
  };
  const leastLoaded = (t: PlacementTask, exclude?: string): PlacementWorker | undefined => {
    const h = heapFor(t.transform);
    let top = h.peekValid(current);
    if (!top || top.id !== exclude) return top && byId.get(top.id);
    // The excluded worker is lightest: set its entries (a load may repeat) aside, look, put one back.
    const aside = top;
    while (top && top.id === exclude) {
      h.pop();
      top = h.peekValid(current);
    }
    h.push(aside.load, aside.id);
    return top && byId.get(top.id);
  };
  const loadChanged = (id: string) => {
    const w = byId.get(id) as PlacementWorker;
    const n = loadOf(id);
    if (n >= w.capacity) return; // full: its stale entries are dropped when met
    for (const [transform, h] of heaps) if (w.transforms.has(transform)) h.push(n, id);
  };

  // 2. Place the rest on the least-loaded capable worker, tasks that ran before first.
  for (const t of byPriority(homeless)) {
    const w = leastLoaded(t);
    out.set(t.key, w?.id);
    if (w) {
      (load.get(w.id) as string[]).push(t.key);
      loadChanged(w.id);
    }
  }

  // 3. Balance with the fewest moves: move from the most loaded while a lighter capable worker is 2+ below.
  // A move needs a worker with room at least two below the source, so only workers at or above
  // (lightest worker with room) + 2 can give a task away; the others are not even ranked.
  const taskByKey = new Map(sorted.map((t) => [t.key, t]));
  for (const t of sorted) heapFor(t.transform);
  const roomy = new LoadHeap();
  for (const id of byId.keys()) roomy.push(loadOf(id), id);
  const lightest = () => roomy.peekValid(current)?.load;
  for (let guard = 0; guard < tasks.length * 2; guard++) {
    const min = lightest();
    if (min === undefined) break;
    const ranked = [...load]
      .filter(([, l]) => l.length >= min + 2)
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    let moved = false;
    for (const [fromId, fromTasks] of ranked) {
      // Prefer moving the task that was placed last (never a sticky one if a new one can go).
      for (let i = fromTasks.length - 1; i >= 0; i--) {
        const key = fromTasks[i] as string;
        const t = taskByKey.get(key) as PlacementTask;
        const to = leastLoaded(t, fromId);
        if (to && loadOf(to.id) + 1 < fromTasks.length) {
          fromTasks.splice(i, 1);
          (load.get(to.id) as string[]).push(key);
          out.set(key, to.id);
          loadChanged(fromId);
          loadChanged(to.id);
          roomy.push(loadOf(fromId), fromId);
          roomy.push(loadOf(to.id), to.id);
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return out;
}

/** Priority tasks first, each group in its (key) order. */
const byPriority = (ts: PlacementTask[]) => [
  ...ts.filter((t) => t.priority),
  ...ts.filter((t) => !t.priority),
];

interface HeapEntry {
  load: number;
  id: string;
}

/** A binary min-heap of (load, id), lightest first, then the smallest id. */
class LoadHeap {
  private readonly a: HeapEntry[] = [];

  push(load: number, id: string): void {
    const a = this.a;
    a.push({ load, id });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as HeapEntry, a[p] as HeapEntry)) break;
      [a[i], a[p]] = [a[p] as HeapEntry, a[i] as HeapEntry];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as HeapEntry, a[m] as HeapEntry)) m = l;
        if (r < a.length && less(a[r] as HeapEntry, a[m] as HeapEntry)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as HeapEntry, a[i] as HeapEntry];
        i = m;
      }
    }
    return top;
  }

  /** The lightest entry `valid` accepts; invalid ones on top are dropped. */
  peekValid(valid: (e: HeapEntry) => boolean): HeapEntry | undefined {
    while (this.a.length > 0 && !valid(this.a[0] as HeapEntry)) this.pop();
    return this.a[0];
  }
}

const less = (x: HeapEntry, y: HeapEntry) => x.load < y.load || (x.load === y.load && x.id < y.id);
