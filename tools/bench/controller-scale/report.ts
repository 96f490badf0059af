import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PhaseResult } from './measure';
import type { ScaleOptions } from './options';

/** The run's headline figures. */
export function summarize(o: ScaleOptions, totalTasks: number, results: PhaseResult[]) {
  const find = (name: string) => results.find((x) => x.phase === name) as PhaseResult;
  const steady = find('steady');
  const storm = find('heartbeat-storm');
  const place = find('place');
  const reassign = find('reassign');
  return {
    workers: o.workers,
    tasks: totalTasks,
    pipelines: o.pipelines,
    placeAllMs: place['allProcessingMs'],
    reassignAfter10PctDeadMs: reassign['allReassignedMs'],
    reassignBeyondLeaseMs: reassign['beyondLeaseMs'],
    controllerRssMiBPeak: Math.max(...results.map((x) => x.rssMiBPeak)),
    steadyHeartbeatsPerSec: steady['heartbeatsPerSec'],
    // CPU per accepted heartbeat or commit report, at steady state.
    steadyControllerCores: steady.controllerCores,
    stormHeartbeatsPerSec: storm['heartbeatsPerSec'],
    stormControllerCores: storm.controllerCores,
  };
}

const FIXED = ['phase', 'seconds', 'controllerCpuSec', 'controllerCores', 'rssMiBEnd', 'rssMiBPeak'];

/** One Markdown row per phase: the fixed columns, then the phase's own figures. */
export function phaseTable(results: PhaseResult[]): string {
  const lines = [
    '| phase | wall s | controller CPU s | cores | RSS MiB (peak) | figures |',
    '|---|---|---|---|---|---|',
  ];
  for (const x of results) {
    const rest = Object.entries(x)
      .filter(([k]) => !FIXED.includes(k))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${x.phase} | ${x.seconds} | ${x.controllerCpuSec} | ${x.controllerCores} | ${x.rssMiBEnd} (${x.rssMiBPeak}) | ${rest} |`,
    );
  }
  return lines.join('\n');
}

/** Writes results/controller-scale.json (what tools/bench/run.ts folds into its report). */
export function writeResults(
  dir: string,
  o: ScaleOptions,
  inputPartitions: number,
  totalTasks: number,
  summary: ReturnType<typeof summarize>,
  phases: PhaseResult[],
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'controller-scale.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        config: {
          workers: o.workers,
          tasks: totalTasks,
          pipelines: o.pipelines,
          inputPartitions,
          capacity: o.capacity,
          leaseMs: o.leaseMs,
          commitEveryMs: o.commitEveryMs,
          quick: o.quick,
        },
        summary,
        phases,
      },
      null,
      2,
    ),
  );
}
