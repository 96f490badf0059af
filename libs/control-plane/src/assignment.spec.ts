import { movedTasks, placeTasks, type PlacementTask, type PlacementWorker } from './assignment';

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
