import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  IReproduceCell,
  IReproduceCheck,
  IReproduceResult,
  ITaskProgress,
  IVersion
} from '../types';

/** Runs the reproduce, telling its progress; resolves to its result. */
export type RunReproduce = (
  onProgress: (progress: ITaskProgress) => void
) => Promise<IReproduceResult>;

/** How each verdict reads in the table. */
const VERDICTS: Record<IReproduceCell['status'], string> = {
  identical: 'identical',
  within_tolerance: 'within tolerance',
  different: 'different',
  not_recorded: 'not recorded',
  skipped: 'skipped',
  not_run: 'not run'
};

/** What the dialog shows: the run's progress, then its verdict or error. */
interface IState {
  progress: ITaskProgress | null;
  result: IReproduceResult | null;
  error: string | null;
}

/**
 * The body of the reproduce dialog: a progress bar while the version's
 * notebook runs again on the server, then the per-cell verdict table, the
 * first difference of each differing cell, and the overall verdict.
 */
export class ReproduceBody extends ReactWidget {
  constructor(version: IVersion) {
    super();
    this._version = version;
    this.addClass('jp-mv-ReproduceBody');
  }

  /** Follow `run` to its end. */
  async follow(run: RunReproduce): Promise<IReproduceResult | null> {
    try {
      const result = await run(progress => this._set({ progress }));
      this._set({ result, progress: null });
      return result;
    } catch (reason) {
      const message = reason instanceof Error ? reason.message : String(reason);
      this._set({ error: message, progress: null });
      return null;
    }
  }

  protected render(): JSX.Element {
    const { progress, result, error } = this._state;
    if (error !== null) {
      return (
        <div className="jp-mv-Reproduce-error" role="alert">
          Could not reproduce {this._version.name}: {error}
        </div>
      );
    }
    if (result === null) {
      return <ReproduceProgress progress={progress} />;
    }
    return <ReproduceTable result={result} />;
  }

  private _set(change: Partial<IState>): void {
    this._state = { ...this._state, ...change };
    this.update();
  }

  private _version: IVersion;
  private _state: IState = { progress: null, result: null, error: null };
}

/** Where the run is: restoring the files, then cell by cell. */
function ReproduceProgress(props: {
  progress: ITaskProgress | null;
}): JSX.Element {
  const p = props.progress;
  const known = p !== null && p.total !== null && p.total > 0;
  const share = known ? Math.min(100, (100 * p.done) / (p.total ?? 1)) : 0;
  let label = 'Starting a fresh kernel…';
  if (p !== null && p.step === 'reproduce') {
    label = known
      ? `Running cell ${Math.min(p.done + 1, p.total ?? 0)} of ${p.total}…`
      : 'Running the cells…';
  } else if (p !== null && p.step === 'restore') {
    label = 'Restoring the version’s files…';
  }
  return (
    <div className="jp-mv-Progress" role="status" aria-live="polite">
      <div className="jp-mv-Progress-label">{label}</div>
      <div className="jp-mv-Progress-track">
        <div
          className={
            known
              ? 'jp-mv-Progress-bar'
              : 'jp-mv-Progress-bar jp-mod-indeterminate'
          }
          style={known ? { width: `${share}%` } : undefined}
        />
      </div>
    </div>
  );
}

/** The first difference of a cell, as one line. */
function firstDifference(cell: IReproduceCell): string | null {
  const first = cell.first;
  if (!first) {
    return null;
  }
  const value = Array.isArray(first.value) ? first.value : null;
  const [recorded, reproduced] =
    value && value.length === 2
      ? [String(value[0]), String(value[1])]
      : [first.recorded ?? '', first.reproduced ?? ''];
  const where = first.line ? ` in line ${first.line}` : '';
  return `first difference${where}: recorded ${recorded}, reproduced ${reproduced}`;
}

/** The verdict table: cells, then files, models and metrics, then the verdict. */
export function ReproduceTable(props: {
  result: IReproduceResult;
}): JSX.Element {
  const { result } = props;
  const checks = (
    title: string,
    items: IReproduceCheck[],
    name: (item: IReproduceCheck) => string
  ): JSX.Element | null =>
    items.length ? (
      <div className="jp-mv-Reproduce-checks">
        <h4>{title}</h4>
        <ul>
          {items.map(item => (
            <li
              key={name(item)}
              className={`jp-mv-Reproduce-check jp-mod-${item.status}`}
            >
              <span className="jp-mv-Reproduce-name">{name(item)}</span>{' '}
              <span className="jp-mv-Reproduce-status">
                {item.status.replace(/_/g, ' ')}
              </span>
              {item.name !== undefined ? (
                <span className="jp-mv-Reproduce-values">
                  {' '}
                  (recorded {String(item.recorded)}, reproduced{' '}
                  {item.reproduced === null ? '—' : String(item.reproduced)})
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      </div>
    ) : null;
  const env = result.environment;
  return (
    <div className="jp-mv-Reproduce">
      {result.warnings.map(w => (
        <div key={w.code} className="jp-mv-Reproduce-warning">
          {w.message}
        </div>
      ))}
      {env && env.differences.length ? (
        <div className="jp-mv-Reproduce-environment">
          environment: {env.differences.length} difference
          {env.differences.length === 1 ? '' : 's'} from the recorded one (
          {env.differences.slice(0, 3).join('; ')}
          {env.differences.length > 3 ? '; …' : ''})
        </div>
      ) : null}
      {result.cells.length ? (
        <table className="jp-mv-Reproduce-cells">
          <thead>
            <tr>
              <th>cell</th>
              <th>verdict</th>
              <th>details</th>
            </tr>
          </thead>
          <tbody>
            {result.cells.map(cell => {
              const first = firstDifference(cell);
              return (
                <tr
                  key={cell.position}
                  className={`jp-mv-Reproduce-cell jp-mod-${cell.status}`}
                  data-position={cell.position}
                >
                  <td className="jp-mv-Reproduce-position">
                    {cell.position}
                    {cell.execution_count !== null
                      ? ` [${cell.execution_count}]`
                      : ''}
                  </td>
                  <td className="jp-mv-Reproduce-status">
                    {VERDICTS[cell.status] ?? cell.status}
                  </td>
                  <td className="jp-mv-Reproduce-details">
                    {cell.reason ? <div>{cell.reason}</div> : null}
                    {first ? (
                      <div className="jp-mv-Reproduce-first">{first}</div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {checks('files written', result.files, f => f.path ?? '')}
      {checks('models', result.models, m => m.label ?? '')}
      {checks('metrics', result.metrics, m => m.name ?? '')}
      <div
        className={`jp-mv-Reproduce-verdict jp-mod-${result.status}`}
        role="status"
      >
        {result.summary}
        {result.duration !== undefined
          ? ` (${result.duration.toFixed(1)} s)`
          : ''}
      </div>
    </div>
  );
}

/**
 * Reproduce `version` in a dialog: its progress while it runs, then the
 * verdict table. Resolves when the user closes the dialog, with the result
 * (null when it failed or was left before its end).
 */
export async function showReproduce(
  version: IVersion,
  run: RunReproduce
): Promise<IReproduceResult | null> {
  const body = new ReproduceBody(version);
  const dialog = showDialog({
    title: `Reproduce ${version.name}`,
    body,
    buttons: [Dialog.okButton({ label: 'Close' })],
    hasClose: true
  });
  const result = body.follow(run);
  await dialog;
  return Promise.race([result, Promise.resolve(null)]);
}
