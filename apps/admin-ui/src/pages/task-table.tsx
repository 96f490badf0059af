/**
 * A pipeline's tasks and what troubles them: failures, last error and retry wait beneath a task,
 * careful mode and a PENDING task's reason beside its state, and the records the controller
 * quarantined. No hooks (the page passes `now`), so unit specs render them without a DOM.
 */
import { Fragment } from 'preact';
import { Card, StateBadge } from '../components';
import { formatAgo, formatDuration, formatNumber, formatRate } from '../format';
import type { TaskStatus } from '../model';
import { quarantinedRecords, taskProblem } from '../state';

const COLUMNS = 10;

/** The tasks table, a row per task in the order given, and a row beneath each task in trouble. */
export function TaskTable({ tasks, now }: { tasks: TaskStatus[]; now: number }) {
  return (
    <div class="scroll">
      <table class="table" data-testid="tasks">
        <thead>
          <tr>
            <th class="num">Task</th>
            <th>State</th>
            <th>Owner</th>
            <th class="num">Epoch</th>
            <th>Partitions</th>
            <th class="num">Committed</th>
            <th class="num">Lag</th>
            <th class="num">Commits/s</th>
            <th class="num">Records/s</th>
            <th>Last commit</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => {
            const problem = taskProblem(t, now);
            return (
              <Fragment key={t.taskIndex ?? 0}>
                <tr
                  class={problem ? 'has-problem' : undefined}
                  data-task={t.taskIndex ?? 0}
                  data-owner={t.ownerWorkerId ?? ''}
                >
                  <td class="num" title={t.transactionalId}>
                    {t.taskIndex ?? 0}
                  </td>
                  <td>
                    <StateBadge state={t.state} />
                    {t.careful && (
                      <>
                        {' '}
                        <span
                          class="badge tone-warn"
                          data-testid="careful"
                          title="Careful mode: its worker announces each record to the controller before transforming it, so a record that crashes or hangs workers is found and quarantined."
                        >
                          careful
                        </span>
                      </>
                    )}
                    {t.reason && (
                      <span class="muted reason" data-testid="pending-reason">
                        {' '}
                        {t.reason}
                      </span>
                    )}
                  </td>
                  <td>{t.ownerWorkerId || <span class="muted">none</span>}</td>
                  <td class="num">{t.epoch ?? 0}</td>
                  <td>{(t.partitions ?? []).map((p) => p.partition ?? 0).join(', ')}</td>
                  <td class="num">
                    {formatNumber((t.partitions ?? []).reduce((a, p) => a + (p.committedOffset ?? 0), 0))}
                  </td>
                  <td class="num">{formatNumber(t.lag)}</td>
                  <td class="num">{(t.commitsPerSecond ?? 0).toFixed(1)}</td>
                  <td class="num">{formatRate(t.recordsPerSecond)}</td>
                  <td>{formatAgo(t.lastCommitAtMs, now)}</td>
                </tr>
                {problem && (
                  <tr class="task-problem" data-testid="task-problem" data-task-problem={t.taskIndex ?? 0}>
                    <td colSpan={COLUMNS} class={`tone-${problem.tone}`}>
                      {problem.failures > 0 && (
                        <strong data-testid="task-failures">
                          {problem.failures === 1 ? '1 failure' : `${problem.failures} failures in a row`}
                        </strong>
                      )}
                      {problem.lastError && (
                        <span data-testid="task-error">
                          <span class="label">last error:</span> {problem.lastError}
                        </span>
                      )}
                      {problem.retryInMs !== undefined && (
                        <span
                          data-testid="task-retry"
                          title={`not assigned again before ${new Date(now + problem.retryInMs).toLocaleString()}`}
                        >
                          retry in {formatDuration(problem.retryInMs)}
                        </span>
                      )}
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The records the controller quarantined in these tasks' partitions; nothing when there are none. */
export function QuarantinedRecords({ tasks, now }: { tasks: TaskStatus[]; now: number }) {
  const rows = quarantinedRecords(tasks);
  if (rows.length === 0) return null;
  return (
    <Card title={`Quarantined records (${rows.length})`}>
      <p class="muted small">
        Each crashed or hung the workers that ran it, so the controller had it dead-lettered without the
        transform. The pipeline goes on past it.
      </p>
      <div class="scroll">
        <table class="table" data-testid="quarantined">
          <thead>
            <tr>
              <th class="num">Task</th>
              <th class="num">Partition</th>
              <th class="num">Offset</th>
              <th>Reason</th>
              <th>Quarantined</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((q) => (
              <tr key={`${q.partition}@${q.offset}`} data-quarantined={`${q.partition}@${q.offset}`}>
                <td class="num">{q.taskIndex}</td>
                <td class="num">{q.partition}</td>
                {/* Exact, not 1.2k: an operator looks this offset up in the dead-letter topic. */}
                <td class="num">{q.offset}</td>
                <td class="small">{q.reason}</td>
                <td title={q.atMs ? new Date(q.atMs).toLocaleString() : undefined}>
                  {formatAgo(q.atMs, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
