import { Card, StateBadge } from '../components';
import { formatAgo, formatNumber, formatRate } from '../format';
import { overview, stateLabel } from '../state';
import { useLive, useNow } from '../store';
import { useCan } from '../use-session';

export function OverviewPage() {
  const may = useCan();
  const { snap } = useLive();
  const now = useNow();
  const o = overview(snap);
  return (
    <div class="page" data-page="overview">
      <div class="tiles">
        <div class="tile">
          <div class="tile-value" data-testid="total-rate">
            {formatRate(o.totalRecordsPerSecond)}
          </div>
          <div class="tile-label">committed throughput</div>
        </div>
        <div class="tile">
          <div class="tile-value" data-testid="total-lag">
            {formatNumber(o.totalLag)}
          </div>
          <div class="tile-label">total lag (records)</div>
        </div>
        <div class="tile">
          <div class="tile-value">{o.workers.filter((w) => w.state !== 'DEAD').length}</div>
          <div class="tile-label">
            workers (
            {Object.entries(o.workersByState)
              .map(([s, n]) => `${n} ${stateLabel(s)}`)
              .join(', ') || 'none'}
            )
          </div>
        </div>
        <div class="tile">
          <div class="tile-value">{o.activeRollouts}</div>
          <div class="tile-label">rollouts in progress</div>
        </div>
      </div>

      <Card
        title="Pipelines"
        actions={
          may('createPipeline') && (
            <a class="button" href="#/new">
              New pipeline
            </a>
          )
        }
      >
        {o.pipelines.length === 0 ? (
          <p class="empty">No pipelines yet. Create one with “New pipeline”.</p>
        ) : (
          <div class="scroll">
            <table class="table" data-testid="pipelines">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>State</th>
                  <th>Transform</th>
                  <th class="num">Tasks</th>
                  <th class="num">Records/s</th>
                  <th class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                {o.pipelines.map((p) => (
                  <tr key={p.name} data-pipeline={p.name}>
                    <td>
                      <a href={`#/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</a>
                    </td>
                    <td>
                      <StateBadge state={p.state} />
                    </td>
                    <td>
                      {p.transform} <span class="muted">v{p.specVersion}</span>
                    </td>
                    <td class="num">
                      {p.tasksProcessing}/{p.tasks}
                    </td>
                    <td class="num">{formatRate(p.recordsPerSecond)}</td>
                    <td class="num">{formatNumber(p.lag)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Workers" actions={<a href="#/workers">Manage workers</a>}>
        {o.workers.length === 0 ? (
          <p class="empty">No worker has registered yet.</p>
        ) : (
          <div class="scroll">
            <table class="table" data-testid="workers-summary">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th>State</th>
                  <th class="num">Tasks</th>
                  <th>Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {o.workers.map((w) => (
                  <tr key={w.id} data-worker={w.id}>
                    <td>{w.id}</td>
                    <td>
                      <StateBadge state={w.state} />
                    </td>
                    <td class="num">
                      {w.tasks}/{w.capacity}
                    </td>
                    <td>{formatAgo(w.lastHeartbeatAtMs, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
