import { api } from '../api';
import { Card, confirmAction, NoticeBar, ProgressBar, StateBadge, useAction } from '../components';
import { formatAgo } from '../format';
import type { Rollout } from '../model';
import { rolloutActions, rolloutProgress } from '../state';
import { store, useLive, useNow } from '../store';
import { useCan } from '../use-session';

function RolloutCard({ r, now }: { r: Rollout; now: number }) {
  const may = useCan();
  const [notice, run, clear] = useAction();
  const p = rolloutProgress(r);
  const id = r.rolloutId ?? '';
  const act = async (action: 'pause' | 'resume' | 'abort') => {
    if (
      action === 'abort' &&
      !(await confirmAction(
        `Abort rollout ${id}? Tasks already on v${r.toSpecVersion} go back to v${r.fromSpecVersion}.`,
        'Abort rollout',
      ))
    )
      return;
    await run(`${action} ${id}: done`, () => api.rolloutAction(id, action));
    store.refresh();
  };
  return (
    <article class="rollout" data-rollout={id} data-state={r.state}>
      <NoticeBar notice={notice} onClose={clear} />
      <header>
        <strong>
          <a href={`#/pipelines/${encodeURIComponent(r.pipeline ?? '')}`}>{r.pipeline}</a> v
          {r.fromSpecVersion ?? 0} → v{r.toSpecVersion ?? 0}
        </strong>
        <StateBadge state={r.state} />
        <span class="muted">
          {id} · started {formatAgo(r.createdAtMs, now)}
        </span>
        <span class="actions">
          {rolloutActions(r.state)
            .filter((a) => may(`${a}Rollout`))
            .map((a) => (
              <button key={a} type="button" class={a === 'abort' ? 'danger' : ''} onClick={() => void act(a)}>
                {a[0]!.toUpperCase() + a.slice(1)}
              </button>
            ))}
        </span>
      </header>
      <ProgressBar fraction={p.fraction} label={`${p.onNew}/${p.total} tasks on v${r.toSpecVersion ?? 0}`} />
      <p class="muted">
        Step {r.currentStep ?? 0} · gates passed {p.gatesPassed}, failed {p.gatesFailed}
        {r.reason ? ` · ${r.reason}` : ''}
      </p>
      {(r.gates ?? []).length > 0 && (
        <ol class="gates">
          {(r.gates ?? []).map((g, i) => (
            <li key={i} class={g.passed ? 'gate-pass' : 'gate-fail'}>
              step {g.step ?? 0}: tasks {(g.taskIndexes ?? []).join(', ') || '0'} —{' '}
              {g.passed ? 'passed' : 'failed'}
              {g.reason ? ` (${g.reason})` : ''}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

/** Rollouts, newest first; all of them, or one pipeline's. */
export function RolloutList({ pipeline }: { pipeline?: string }) {
  const { snap } = useLive();
  const now = useNow();
  const rollouts = snap.rollouts
    .filter((r) => !pipeline || r.pipeline === pipeline)
    .sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
  return (
    <Card title={pipeline ? 'Rollouts' : 'Rollouts, newest first'}>
      {rollouts.length === 0 ? (
        <p class="empty">No rollouts. Updating a pipeline's spec starts one.</p>
      ) : (
        rollouts.map((r) => <RolloutCard key={r.rolloutId} r={r} now={now} />)
      )}
    </Card>
  );
}

export function RolloutsPage() {
  return (
    <div class="page" data-page="rollouts">
      <RolloutList />
    </div>
  );
}
