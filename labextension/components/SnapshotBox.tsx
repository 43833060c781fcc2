import * as React from 'react';

import { size } from '../diff/dom';
import { IBusy } from '../model';

/** What the snapshot box asks for a new version. */
export interface ISnapshotRequest {
  message: string;
  /** Metrics as typed: `acc=0.91 loss=0.3` (numbers only; the server checks them). */
  metrics: string;
}

/**
 * What a snapshot came to: the version when it was stored, or null; with `error`,
 * why the server refused it (a bad metric), shown under the box.
 */
export interface ISnapshotOutcome {
  stored: boolean;
  error?: string;
}

/** Properties of {@link SnapshotBox}. */
export interface ISnapshotBoxProps {
  busy: IBusy | null;
  onSnapshot: (request: ISnapshotRequest) => Promise<ISnapshotOutcome>;
}

/**
 * The message box, a metrics field (`acc=0.91 loss=0.3`, stored on the version as
 * `%mv metric` stores them) and the snapshot button; a progress bar while work runs.
 * What was typed stays when the snapshot is refused, with the reason under it.
 */
export function SnapshotBox(props: ISnapshotBoxProps): JSX.Element {
  const [message, setMessage] = React.useState('');
  const [metrics, setMetrics] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const { busy } = props;
  const submit = async (): Promise<void> => {
    setError(null);
    const outcome = await props.onSnapshot({
      message: message.trim(),
      metrics: metrics.trim()
    });
    if (outcome.stored) {
      setMessage('');
      setMetrics('');
    } else if (outcome.error) {
      setError(outcome.error);
    }
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };
  return (
    <div className="jp-mv-SnapshotBox">
      <textarea
        className="jp-mv-SnapshotBox-message jp-mod-styled"
        placeholder="What changed? (message for a new version)"
        aria-label="Message for a new version"
        rows={2}
        value={message}
        disabled={busy !== null}
        onChange={event => setMessage(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <input
        className="jp-mv-SnapshotBox-metrics jp-mod-styled"
        type="text"
        placeholder="Metrics: acc=0.91 f1=0.8"
        aria-label="Metrics of the new version"
        title="Metrics to store on the version, as KEY=NUMBER words (as %mv metric logs them)"
        value={metrics}
        disabled={busy !== null}
        aria-invalid={error !== null}
        onChange={event => {
          setMetrics(event.target.value);
          setError(null);
        }}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <button
        className="jp-mv-SnapshotBox-button jp-mod-styled jp-mod-accept"
        disabled={busy !== null}
        title="Save the notebook and store a version of it with its data, environment and metrics"
        onClick={() => void submit()}
      >
        Snapshot
      </button>
      {error !== null && (
        <div className="jp-mv-SnapshotBox-error" role="alert">
          {error}
        </div>
      )}
      {busy !== null && <Progress busy={busy} />}
    </div>
  );
}

function Progress(props: { busy: IBusy }): JSX.Element {
  const { label, progress } = props.busy;
  const share =
    progress && progress.total
      ? Math.min(1, progress.done / progress.total)
      : null;
  const step =
    progress && progress.step !== 'starting' ? ` · ${progress.step}` : '';
  const bytes =
    progress && progress.unit === 'B' && progress.total
      ? ` · ${size(progress.done)} of ${size(progress.total)}`
      : '';
  return (
    <div className="jp-mv-Progress" role="status" aria-live="polite">
      <div className="jp-mv-Progress-label">
        <span className="jp-mv-Spinner" aria-hidden="true" />
        {label}
        {step}
        {bytes}
        {share !== null ? ` · ${Math.round(share * 100)}%` : '…'}
      </div>
      <div className="jp-mv-Progress-track">
        <div
          className={
            share === null
              ? 'jp-mv-Progress-bar jp-mod-indeterminate'
              : 'jp-mv-Progress-bar'
          }
          style={share === null ? undefined : { width: `${share * 100}%` }}
        />
      </div>
    </div>
  );
}
