import { placeTasks, type Placement, type PlacementTask, type PlacementWorker } from './assignment';

/** Tasks whose owner changes between two placements (what a placement costs in moves). */
const movedTasks = (before: ReadonlyMap<string, string | undefined>, after: Placement): string[] =>
  [...after].filter(([k, w]) => (before.get(k) ?? undefined) !== w).map(([k]) => k);

const w = (id: string, capacity = 10, transforms = ['suffix@1'], eligible = true): PlacementWorker => ({
  id,
  capacity,
  transforms: new Set(transforms),
  eligible,
});
const tasks = (
  n: number,
  owner?: (i: number) => string | undefined,
  transform = 'suffix@1',
): PlacementTask[] => Array.from({ length: n }, (_, i) => ({ key: `p/${i}`, transform, owner: owner?.(i) }));
const counts = (p: Map<string, string | undefined>) => {
  const c: Record<string, number> = {};
  for (const v of p.values()) if (v) c[v] = (c[v] ?? 0) + 1;
  return c;
};

describe('placeTasks', () => {
  it('spreads new tasks evenly', () => {
    const p = placeTasks(tasks(6), [w('a'), w('b'), w('c')]);
    expect(counts(p)).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('is sticky: a stable fleet moves nothing', () => {
    const owners = ['a', 'b', 'c', 'a', 'b', 'c'];
    const t = tasks(6, (i) => owners[i]);
    const p = placeTasks(t, [w('a'), w('b'), w('c')]);
    expect(movedTasks(new Map(t.map((x) => [x.key, x.owner])), p)).toEqual([]);
  });

  it('moves only the dead worker tasks, evenly', () => {
    const owners = ['a', 'b', 'c', 'a', 'b', 'c'];
    const t = tasks(6, (i) => owners[i]);
    const p = placeTasks(t, [w('a'), w('b'), w('c', 10, ['suffix@1'], false)]);
    expect(movedTasks(new Map(t.map((x) => [x.key, x.owner])), p).sort()).toEqual(['p/2', 'p/5']);
    expect(counts(p)).toEqual({ a: 3, b: 3 });
  });

  it('a joining worker takes the fewest tasks needed to balance', () => {
    const owners = ['a', 'b', 'c', 'a', 'b', 'c'];
    const t = tasks(6, (i) => owners[i]);
    const p = placeTasks(t, [w('a'), w('b'), w('c'), w('d')]);
    const moved = movedTasks(new Map(t.map((x) => [x.key, x.owner])), p);
    expect(moved).toHaveLength(1);
    expect(counts(p)).toMatchObject({ d: 1 });
    expect(Math.max(...Object.values(counts(p))) - Math.min(...Object.values(counts(p)))).toBeLessThanOrEqual(
      1,
    );
  });

  it('respects capacity and leaves what fits nowhere unplaced', () => {
    const p = placeTasks(tasks(5), [w('a', 2), w('b', 2)]);
    expect(counts(p)).toEqual({ a: 2, b: 2 });
    expect([...p.values()].filter((v) => v === undefined)).toHaveLength(1);
  });

  it('gives a free slot to a task that ran before (being moved) over one that never had a slot', () => {
    // One slot left on b; q/0 has waited for capacity (never ran), p/5 was just released by a
    // rollout step (or its worker died): p/5 gets the slot, whatever the key order says.
    const waiting: PlacementTask = { key: 'a/0', transform: 'suffix@1' };
    const moved: PlacementTask = { key: 'p/5', transform: 'suffix@1', priority: true };
    const full = tasks(3, () => 'b');
    const p = placeTasks([waiting, moved, ...full], [w('b', 4)]);
    expect(p.get('p/5')).toBe('b');
    expect(p.get('a/0')).toBeUndefined();
  });

  it('places a task only on workers that can run its transform version', () => {
    const p = placeTasks(tasks(4, undefined, 'suffix@2'), [
      w('old', 10, ['suffix@1']),
      w('new', 10, ['suffix@1', 'suffix@2']),
    ]);
    expect(counts(p)).toEqual({ new: 4 });
  });

  it('moves tasks off a draining worker (not eligible) and never onto it', () => {
    const t = tasks(4, () => 'a');
    const p = placeTasks(t, [w('a', 10, ['suffix@1'], false), w('b')]);
    expect(counts(p)).toEqual({ b: 4 });
  });
});

describe('placeTasks at fleet scale', () => {
  // A deterministic PRNG, so a failure names a reproducible seed.
  const rng = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };

  it('places exactly as the straightforward O(tasks x workers) algorithm did, on random fleets', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const nw = 1 + Math.floor(r() * 12);
      const ws = Array.from({ length: nw }, (_, i) =>
        w(
          `w${Math.floor(r() * 100)}-${i}`,
          Math.floor(r() * 6),
          r() < 0.7 ? ['a@1', 'b@1'] : r() < 0.5 ? ['a@1'] : ['b@1'],
          r() < 0.85,
        ),
      );
      const ts: PlacementTask[] = Array.from({ length: Math.floor(r() * 40) }, (_, i) => ({
        key: `${r() < 0.5 ? 'p' : 'q'}/${i}`,
        transform: r() < 0.6 ? 'a@1' : 'b@1',
        owner: r() < 0.6 ? ws[Math.floor(r() * nw)]?.id : undefined,
        priority: r() < 0.3,
      }));
      expect({ seed, placement: [...placeTasks(ts, ws)] }).toEqual({
        seed,
        placement: [...referencePlaceTasks(ts, ws)],
      });
    }
  });

  it('places 10,000 tasks on 1,000 workers balanced, and moves only the dead workers tasks', () => {
    const ws = Array.from({ length: 1000 }, (_, i) => w(`w${i}`, 16, ['identity@1']));
    const ts = tasks(10_000, undefined, 'identity@1');
    const p = placeTasks(ts, ws);
    // Then 10% of the workers die: only their tasks move, and the fleet stays balanced.
    const alive = ws.map((x, i) => ({ ...x, eligible: i % 10 !== 0 }));
    const before = new Map(ts.map((t) => [t.key, p.get(t.key)]));
    const p2 = placeTasks(
      ts.map((t) => ({ ...t, owner: p.get(t.key) })),
      alive,
    );
    expect(Object.values(counts(p))).toEqual(Array(1000).fill(10));
    const c2 = Object.values(counts(p2));
    expect(c2).toHaveLength(900);
    expect(Math.max(...c2) - Math.min(...c2)).toBeLessThanOrEqual(1);
    expect(movedTasks(before, p2)).toHaveLength(1000);
  });
});

/** The placement as first written (linear search per task, full rescan per balancing move): the reference. */
function referencePlaceTasks(
  tasks: readonly PlacementTask[],
  workers: readonly PlacementWorker[],
): Map<string, string | undefined> {
  const byId = new Map(workers.filter((w) => w.eligible).map((w) => [w.id, w]));
  const load = new Map<string, string[]>([...byId.keys()].map((id) => [id, []]));
  const out = new Map<string, string | undefined>();
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

  // 2. Place the rest on the least-loaded capable worker, tasks that ran before first.
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
  for (const t of [...homeless.filter((x) => x.priority), ...homeless.filter((x) => !x.priority)]) {
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
