/** The quarantine list a pipeline record carries (see task-health.ts for how records get there). */
import type { QuarantinedRecord } from '@eos/proto';
import type { PipelineRecord, QuarantineEntry } from './ports';

/** Quarantined records kept per pipeline (oldest dropped first). */
export const MAX_QUARANTINED_PER_PIPELINE = 100;

/** The pipeline record with one more quarantined record (once per partition and offset). */
export function withQuarantined(p: PipelineRecord, e: QuarantineEntry): PipelineRecord {
  const rest = (p.quarantined ?? []).filter((q) => q.partition !== e.partition || q.offset !== e.offset);
  return { ...p, quarantined: [...rest, e].slice(-MAX_QUARANTINED_PER_PIPELINE) };
}

/** The quarantined records on these partitions, as Assign and TaskStatus carry them. */
export function quarantineFor(p: PipelineRecord, partitions: number[]): QuarantinedRecord[] {
  return (p.quarantined ?? [])
    .filter((q) => partitions.includes(q.partition))
    .map((q) => ({ partition: q.partition, offset: q.offset, reason: q.reason, atMs: q.atMs }));
}
