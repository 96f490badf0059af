import { h } from 'preact';
import { status, troubledStatus } from '../spec-fixtures';
import { byTestId, findAll, render, textOf, type El } from '../spec-render';
import { QuarantinedRecords, TaskTable } from './task-table';

const now = 1_700_000_000_000;

describe('the tasks table', () => {
  const table = render(h(TaskTable, { tasks: troubledStatus(now).tasks ?? [], now }));
  const rows = findAll(
    table,
    (e) =>
      e.tag === 'tr' && (e.props['data-task'] !== undefined || e.props['data-task-problem'] !== undefined),
  );
  /** A task's own row. */
  const taskRow = (i: number): El | undefined => rows.find((e) => e.props['data-task'] === i);
  /** The row beneath a task that says what troubles it. */
  const problemRow = (i: number): El | undefined => rows.find((e) => e.props['data-task-problem'] === i);
  const inRow = (row: El | undefined, id: string) => byTestId(row ? [row] : [], id);
  const field = (row: El | undefined, id: string) => textOf(inRow(row, id));

  it('puts a row beneath each task that failed or reports a problem, and none beneath the others', () => {
    expect(
      rows.map((e) =>
        e.props['data-task'] !== undefined
          ? `task ${e.props['data-task'] as number}`
          : `problem ${e.props['data-task-problem'] as number}`,
      ),
    ).toEqual(['task 0', 'task 1', 'problem 1', 'task 2', 'problem 2', 'task 3', 'task 4', 'problem 4']);
    expect(byTestId(table, 'task-problem')).toHaveLength(3);
  });

  it('shows a failed task’s failures in a row, last error and when it is retried', () => {
    const p = problemRow(1);
    expect(field(p, 'task-failures')).toBe('3 failures in a row');
    expect(field(p, 'task-error')).toBe(
      'last error: transform suffix@2 failed: TypeError: config.suffix is not a string',
    );
    expect(field(p, 'task-retry')).toBe('retry in 12 s');
    expect(p?.children[0]).toMatchObject({ tag: 'td', props: { colSpan: 10, class: 'tone-bad' } });
  });

  it('marks a task in careful mode, beside its state', () => {
    expect(byTestId(table, 'careful')).toHaveLength(1);
    expect(field(taskRow(2), 'careful')).toBe('careful');
    expect(field(problemRow(2), 'task-failures')).toBe('2 failures in a row');
    expect(field(problemRow(2), 'task-error')).toMatch(/at input partition 2 offset 41 .*1 of 3 before/);
    // Assigned again already: no retry wait.
    expect(inRow(problemRow(2), 'task-retry')).toEqual([]);
  });

  it('says why a PENDING task has no worker', () => {
    expect(field(taskRow(3), 'pending-reason').trim()).toBe('no worker with free capacity for suffix@2');
    expect(byTestId(table, 'pending-reason')).toHaveLength(1);
  });

  it('shows a problem a running task works through as a warning, without a failure count', () => {
    const p = problemRow(4);
    expect(field(p, 'task-error')).toBe('last error: missing permission: WRITE on topic troubled.out');
    expect(inRow(p, 'task-failures')).toEqual([]);
    expect(inRow(p, 'task-retry')).toEqual([]);
    expect(p?.children[0]).toMatchObject({ props: { class: 'tone-warn' } });
  });

  it('shows none of it for tasks without trouble', () => {
    expect(textOf(taskRow(0))).not.toMatch(/careful|failure|error|retry|worker with/);
    const healthy = render(h(TaskTable, { tasks: status('ok', [10, 20, 30], 0).tasks ?? [], now }));
    expect(findAll(healthy, (e) => e.tag === 'tr' && e.props['data-task'] !== undefined)).toHaveLength(3);
    for (const id of [
      'task-problem',
      'task-failures',
      'task-error',
      'task-retry',
      'careful',
      'pending-reason',
    ])
      expect({ id, found: byTestId(healthy, id).length }).toEqual({ id, found: 0 });
    expect(textOf(healthy)).not.toMatch(/careful|failure|error|retry/);
    expect(render(h(QuarantinedRecords, { tasks: status('ok', [10, 20], 0).tasks ?? [], now }))).toEqual([]);
  });
});

describe('the quarantined records', () => {
  const section = render(h(QuarantinedRecords, { tasks: troubledStatus(now).tasks ?? [], now }));
  const rows = findAll(section, (e) => e.props['data-quarantined'] !== undefined);
  const cells = (row: El | undefined) => (row?.children ?? []).map((c) => textOf(c));

  it('lists each with its task, partition, exact offset, reason and when, the latest first', () => {
    expect(textOf(findAll(section, (e) => e.tag === 'h2'))).toBe('Quarantined records (2)');
    expect(byTestId(section, 'quarantined')).toHaveLength(1);
    expect(rows.map((r) => r.props['data-quarantined'])).toEqual(['7@1234567', '2@17']);
    expect(cells(rows[0])).toEqual([
      '2',
      '7',
      '1234567',
      'quarantined by the controller: crashed or hung its worker 3 times (last: worker w3 process exited)',
      '30 s ago',
    ]);
    expect(cells(rows[1])).toEqual([
      '2',
      '2',
      '17',
      'quarantined by the controller: crashed or hung its worker 3 times (last: worker w1 lease expired)',
      '1 min ago',
    ]);
  });
});
