/** Small shared pieces: state badges, progress bars, the live chart, confirm dialog, notices. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatDuration, formatNumber } from './format';
import { chartSeries, type Sample } from './history';
import { stateLabel, toneOf } from './state';

/** A state in colour and in words. */
export function StateBadge({ state }: { state: string | undefined }) {
  return (
    <span class={`badge tone-${toneOf(state)}`} data-state={state ?? ''}>
      {stateLabel(state)}
    </span>
  );
}

export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div class="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      <span class="progress-label">{label}</span>
    </div>
  );
}

const W = 600;
const H = 140;

/** Throughput and lag over the last minutes, each scaled to its own max. */
export function ThroughputChart({ samples }: { samples: Sample[] }) {
  const rate = chartSeries(samples, 'recordsPerSecond', W, H);
  const lag = chartSeries(samples, 'lag', W, H);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label="throughput and lag">
        <line x1="0" y1={H} x2={W} y2={H} class="axis" />
        {rate.path && <path d={rate.path} class="series-rate" />}
        {lag.path && <path d={lag.path} class="series-lag" />}
      </svg>
      <figcaption>
        <span class="key key-rate" /> records/s (now {formatNumber(rate.last)}, peak {formatNumber(rate.max)})
        <span class="key key-lag" /> lag (now {formatNumber(lag.last)}, peak {formatNumber(lag.max)}) · last{' '}
        {formatDuration(rate.spanMs)} (up to 5 min)
      </figcaption>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// Confirm before destructive actions

interface Ask {
  message: string;
  action: string;
  resolve: (ok: boolean) => void;
}
let show: ((a: Ask | undefined) => void) | undefined;

/** Asks the operator; resolves true only on an explicit confirm. */
export function confirmAction(message: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!show) return resolve(false);
    show({ message, action, resolve });
  });
}

export function ConfirmHost() {
  const [ask, setAsk] = useState<Ask | undefined>();
  useEffect(() => {
    show = setAsk;
    return () => (show = undefined);
  }, []);
  if (!ask) return null;
  const done = (ok: boolean) => {
    setAsk(undefined);
    ask.resolve(ok);
  };
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-text">
        <p id="confirm-text">{ask.message}</p>
        <div class="actions">
          <button type="button" onClick={() => done(false)}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={() => done(true)} autoFocus>
            {ask.action}
          </button>
        </div>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Notices (action results and errors)

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export function NoticeBar({ notice, onClose }: { notice: Notice | undefined; onClose: () => void }) {
  if (!notice) return null;
  return (
    <div class={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" class="link" onClick={onClose} aria-label="dismiss">
        ×
      </button>
    </div>
  );
}

/** Runs an action, reporting its result as a notice; returns whether it succeeded. */
export function useAction(): [
  Notice | undefined,
  (label: string, fn: () => Promise<unknown>) => Promise<boolean>,
  () => void,
] {
  const [notice, setNotice] = useState<Notice | undefined>();
  const run = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setNotice({ kind: 'ok', text: label });
      return true;
    } catch (err) {
      setNotice({ kind: 'error', text: (err as Error).message });
      return false;
    }
  };
  return [notice, run, () => setNotice(undefined)];
}

export function Card({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
