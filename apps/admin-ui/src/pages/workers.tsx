import { api } from '../api';
import { Card, confirmAction, NoticeBar, ProgressBar, StateBadge, useAction } from '../components';
import { formatAgo, formatDeadline } from '../format';
import { drainProgress } from '../state';
import { store, useLive, useNow } from '../store';
import { useCan } from '../use-session';

export function WorkersPage() {
  const may = useCan();
  const { snap, drains } = useLive();
  const now = useNow();
  const [notice, run, clear] = useAction();
  const workers = [...snap.workers].sort((a, b) => (a.workerId ?? '').localeCompare(b.workerId ?? ''));
  const drain = async (id: string, tasks: number) => {
    if (
      !(await confirmAction(
        `Drain worker ${id}? Its ${tasks} task(s) finish their transactions and move to other workers.`,
        'Drain',
      ))
    )
      return;
    await run(`drain of ${id} started`, () => api.drainWorker(id));
    store.refresh();
  };
  const undrain = async (id: string) => {
    await run(`${id} takes tasks again`, () => api.undrainWorker(id));
    store.refresh();
  };
  return (
    <div class="page" data-page="workers">
      <NoticeBar notice={notice} onClose={clear} />
      <Card title="Workers">
        {workers.length === 0 ? (
          <p class="empty">No worker has registered yet.</p>
        ) : (
          <div class="scroll">
            <table class="table" data-testid="workers">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th>State</th>
                  <th>Host</th>
                  <th class="num">Tasks</th>
                  <th>Tasks held</th>
                  <th>Transforms</th>
                  <th>Last heartbeat</th>
                  <th>Drain</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {workers.map((w) => {
                  const id = w.workerId ?? '';
                  const progress = drainProgress(w, drains);
                  return (
                    <tr key={id} data-worker={id} data-state={w.state}>
                      <td>{id}</td>
                      <td>
                        <StateBadge state={w.state} />
                      </td>
                      <td>
                        {w.host} <span class="muted">pid {w.pid ?? '?'}</span>
                      </td>
                      <td class="num">
                        {w.tasks?.length ?? 0}/{w.capacity ?? 0}
                      </td>
                      <td class="small">{(w.tasks ?? []).join(', ')}</td>
                      <td class="small">
                        {(w.transforms ?? []).map((t) => `${t.name}@${t.version}`).join(', ')}
                      </td>
                      <td>{formatAgo(w.lastHeartbeatAtMs, now)}</td>
                      <td class="drain-cell">
                        {progress && (
                          <>
                            <ProgressBar
                              fraction={progress.fraction}
                              label={`${progress.total - progress.left}/${progress.total} moved`}
                            />
                            {w.state === 'DRAINING' && w.drainDeadlineAtMs ? (
                              <span class="muted small">
                                deadline {formatDeadline(w.drainDeadlineAtMs, now)}
                              </span>
                            ) : null}
                          </>
                        )}
                      </td>
                      <td>
                        {w.state === 'ACTIVE' && may('drainWorker') && (
                          <button
                            type="button"
                            class="danger"
                            onClick={() => void drain(id, w.tasks?.length ?? 0)}
                          >
                            Drain
                          </button>
                        )}
                        {w.state === 'DRAINING' && may('undrainWorker') && (
                          <button type="button" onClick={() => void undrain(id)}>
                            Undrain
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
