import { api } from '../api';
import { Card, confirmAction, NoticeBar, StateBadge, ThroughputChart, useAction } from '../components';
import { formatNumber, formatRate } from '../format';
import { pipelineRow } from '../state';
import { store, useLive, useNow } from '../store';
import { RolloutList } from './rollouts';
import { QuarantinedRecords, TaskTable } from './task-table';
import { useCan } from '../use-session';

export function PipelinePage({ name }: { name: string }) {
  const may = useCan();
  const { snap, history } = useLive();
  const now = useNow();
  const [notice, run, clear] = useAction();
  const status = snap.pipelines.find((p) => p.pipeline?.spec?.name === name);
  if (!status)
    return (
      <div class="page" data-page="pipeline">
        <p class="empty">{snap.at === 0 ? 'Loading…' : `Pipeline ${name} does not exist.`}</p>
      </div>
    );
  const row = pipelineRow(status);
  const spec = status.pipeline?.spec ?? {};
  const state = status.pipeline?.state;
  // DEGRADED is RUNNING with tasks waiting for a worker: it pauses and stops like RUNNING.
  const running = state === 'RUNNING' || state === 'DEGRADED';
  const act = async (action: 'pause' | 'resume' | 'stop') => {
    if (
      action === 'stop' &&
      !(await confirmAction(`Stop pipeline ${name}? Its tasks end their transactions and release.`, 'Stop'))
    )
      return;
    await run(`${action} ${name}: done`, () => api.pipelineAction(name, action));
    store.refresh();
  };
  const remove = async () => {
    if (
      !(await confirmAction(
        `Delete pipeline ${name}? Its tasks stop and its committed offsets are dropped.`,
        'Delete',
      ))
    )
      return;
    if (await run(`deleted ${name}`, () => api.deletePipeline(name))) location.hash = '#/';
    store.refresh();
  };
  const tasks = [...(status.tasks ?? [])].sort((a, b) => (a.taskIndex ?? 0) - (b.taskIndex ?? 0));
  return (
    <div class="page" data-page="pipeline">
      <NoticeBar notice={notice} onClose={clear} />
      <Card
        title={`Pipeline ${name}`}
        actions={
          <>
            {running && may('pausePipeline') && (
              <button type="button" onClick={() => void act('pause')}>
                Pause
              </button>
            )}
            {!running && may('resumePipeline') && (
              <button type="button" onClick={() => void act('resume')}>
                Resume
              </button>
            )}
            {state !== 'STOPPED' && may('stopPipeline') && (
              <button type="button" class="danger" onClick={() => void act('stop')}>
                Stop
              </button>
            )}
            {may('updatePipeline') && (
              <a class="button" href={`#/pipelines/${encodeURIComponent(name)}/edit`}>
                Update (rollout)
              </a>
            )}
            {may('deletePipeline') && (
              <button type="button" class="danger" onClick={() => void remove()}>
                Delete
              </button>
            )}
          </>
        }
      >
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <StateBadge state={state} />
            {(status.pipeline?.tasksPending ?? 0) > 0 && (
              <span class="muted" data-testid="pending">
                {' '}
                {status.pipeline?.tasksPending} of {row.tasks} tasks wait for a worker
              </span>
            )}
          </dd>
          <dt>Topics</dt>
          <dd>
            {spec.inputTopic} → {spec.outputTopic}{' '}
            <span class="muted">(dead letters: {spec.deadLetterTopic})</span>
          </dd>
          <dt>Transform</dt>
          <dd>
            {row.transform} <span class="muted">{JSON.stringify(spec.transform?.config ?? {})}</span>
          </dd>
          <dt>Guarantee</dt>
          <dd data-testid="pipeline-guarantee">
            {spec.guarantee === 'AT_LEAST_ONCE' ? 'at least once' : 'exactly once'}
          </dd>
          <dt>Spec version</dt>
          <dd>v{row.specVersion}</dd>
          <dt>Throughput</dt>
          <dd data-testid="pipeline-rate">{formatRate(row.recordsPerSecond)}</dd>
          <dt>Lag</dt>
          <dd data-testid="pipeline-lag">{formatNumber(row.lag)} records</dd>
        </dl>
        <ThroughputChart samples={history[name] ?? []} />
      </Card>

      <Card title={`Tasks (${row.tasksProcessing}/${row.tasks} processing)`}>
        <TaskTable tasks={tasks} now={now} />
      </Card>

      <QuarantinedRecords tasks={tasks} now={now} />

      <RolloutList pipeline={name} />
    </div>
  );
}
