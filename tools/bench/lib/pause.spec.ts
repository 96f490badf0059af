import type { GetPipelineStatusResponse } from '@eos/proto';
import { watchPauses } from './pause';

/** A status read per step: [epoch, lastCommitAtMs] per task; the last step repeats. */
function scripted(steps: [number, number][][]): () => Promise<GetPipelineStatusResponse> {
  let i = 0;
  return async () => {
    const step = steps[Math.min(i++, steps.length - 1)] ?? [];
    return {
      tasks: step.map(([epoch, last], taskIndex) => ({ taskIndex, epoch, lastCommitAtMs: last })),
    } as unknown as GetPipelineStatusResponse;
  };
}

const settle = async (w: { count: number }, n: number) => {
  for (let i = 0; i < 200 && w.count < n; i++) await new Promise((r) => setTimeout(r, 2));
};

describe('watchPauses', () => {
  it("measures a handoff from the old epoch's last commit to the new epoch's first", async () => {
    const w = watchPauses(
      scripted([
        [
          [1, 100],
          [1, 50],
        ],
        [
          [1, 120],
          [1, 60],
        ], // the old owner's final commit
        [
          [2, 120],
          [1, 70],
        ], // task 0 reassigned: nothing committed yet
        [
          [2, 120],
          [1, 80],
        ],
        [
          [2, 400],
          [1, 90],
        ], // first commit under epoch 2
        [
          [2, 500],
          [1, 100],
        ],
      ]),
      { intervalMs: 1 },
    );
    await w.ready;
    await settle(w, 1);
    expect(await w.stop()).toEqual([280]);
  });

  it('keeps the start of a pause across two handoffs without a commit between, and ignores commits without a handoff', async () => {
    const w = watchPauses(
      scripted([
        [[1, 100]],
        [[2, 100]],
        [[3, 100]], // moved again before committing
        [[3, 700]],
        [[3, 800]],
      ]),
      { intervalMs: 1 },
    );
    await settle(w, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await w.stop()).toEqual([600]);
  });
});
