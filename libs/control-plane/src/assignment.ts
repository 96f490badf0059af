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

/**
 * Computes the target placement. A task keeps its owner while the owner is eligible, can run it
 * and is within capacity; the rest go to the least-loaded capable worker; then tasks move from
 * the most to the least loaded worker only while loads differ by more than one.
 */
export function placeTasks(tasks: readonly PlacementTask[], workers: readonly PlacementWorker[]): Placement {
  const byId = new Map(workers.filter((w) => w.eligible).map((w) => [w.id, w]));
  const load = new Map<string, string[]>([...byId.keys()].map((id) => [id, []]));
  const out: Placement = new Map();
  const canRun = (w: PlacementWorker, t: PlacementTask) => w.transforms.has(t.transform);
  const sorted = [...tasks].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));

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

  // 2. Place the rest on the least-loaded capable worker.
  const leastLoaded = (t: PlacementTask, exclude?: string) => {
    let best: PlacementWorker | undefined;
    for (const w of byId.values()) {
      if (w.id === exclude || !canRun(w, t)) continue;
      const n = (load.get(w.id) as string[]).length;
      if (n >= w.capacity) continue;
      if (
        !best ||
        n < (load.get(best.id) as string[]).length ||
        (n === (load.get(best.id) as string[]).length && w.id < best.id)
      )
        best = w;
    }
    return best;
  };
  for (const t of homeless) {
    const w = leastLoaded(t);
    out.set(t.key, w?.id);
    if (w) (load.get(w.id) as string[]).push(t.key);
  }

  // 3. Balance with the fewest moves: move from the most loaded while a lighter capable worker is 2+ below.
  const taskByKey = new Map(sorted.map((t) => [t.key, t]));
  for (let guard = 0; guard < tasks.length * 2; guard++) {
    const ranked = [...load].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    let moved = false;
    for (const [fromId, fromTasks] of ranked) {
      // Prefer moving the task that was placed last (never a sticky one if a new one can go).
      for (const key of [...fromTasks].reverse()) {
        const t = taskByKey.get(key) as PlacementTask;
        const to = leastLoaded(t, fromId);
        if (to && (load.get(to.id) as string[]).length + 1 < fromTasks.length) {
          fromTasks.splice(fromTasks.indexOf(key), 1);
          (load.get(to.id) as string[]).push(key);
          out.set(key, to.id);
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

/** Tasks whose owner changes between two placements. */
export function movedTasks(before: ReadonlyMap<string, string | undefined>, after: Placement): string[] {
  return [...after].filter(([k, w]) => (before.get(k) ?? undefined) !== w).map(([k]) => k);
}
