import * as React from 'react';

import { VersionsModel } from '../model';
import {
  aliasModel,
  IMetricPoint,
  IModel,
  IModelVersion,
  listModels,
  metricSeries
} from '../models-request';
import { messageOf } from '../request';
import { MetricsChart } from './MetricsChart';

/** Properties of {@link MetricsAndModels}. */
export interface IMetricsAndModelsProps {
  model: VersionsModel;
  /**
   * Open the provenance report of a model version (`churn:2`), made by the notebook
   * version with this id.
   */
  onReport: (versionId: string, model: string) => void;
  /**
   * Compare two model versions (`churn:1`, `churn:2`): their own facts, then the
   * notebook versions that made them.
   */
  onCompareModels: (a: string, b: string) => void;
  /**
   * Put `text` (`model = %mv load churn:2`) in a new cell below the active one of
   * the notebook; false when no notebook is open (it is copied instead).
   */
  onInsertCell?: (text: string) => boolean;
}

function metricsText(metrics: Record<string, unknown>): string {
  return Object.entries(metrics)
    .map(([k, v]) =>
      typeof v === 'number' && !Number.isInteger(v)
        ? `${k}=${v.toPrecision(4)}`
        : `${k}=${String(v)}`
    )
    .join(' ');
}

/**
 * Below the versions: a chart of a metric across them, and the store's models
 * with their versions, aliases and metrics, refreshed whenever the versions are.
 */
export function MetricsAndModels(props: IMetricsAndModelsProps): JSX.Element {
  const { model } = props;
  const [series, setSeries] = React.useState<Record<string, IMetricPoint[]>>(
    {}
  );
  const [models, setModels] = React.useState<IModel[]>([]);
  const [selection, setSelection] = React.useState<ReadonlyArray<string>>(
    model.selection
  );
  const [error, setError] = React.useState<string | null>(null);
  const fetched = React.useRef<string>('');

  const refresh = React.useCallback(async () => {
    const path = model.path;
    if (!path) {
      setSeries({});
      setModels([]);
      return;
    }
    try {
      const [s, m] = await Promise.all([metricSeries(path), listModels(path)]);
      setSeries(s);
      setModels(m);
      setError(null);
    } catch (reason) {
      setError(messageOf(reason));
    }
  }, [model]);

  React.useEffect(() => {
    const changed = () => {
      setSelection(model.selection);
      // The series and the models change when versions are added or removed:
      // the count or the newest changes (not when older rows load as they
      // come into view).
      const key = `${model.path}|${model.total}|${model.rowAt(0)?.id ?? ''}`;
      if (key !== fetched.current) {
        fetched.current = key;
        void refresh();
      }
    };
    changed();
    model.stateChanged.connect(changed);
    return () => {
      model.stateChanged.disconnect(changed);
    };
  }, [model, refresh]);

  return (
    <div className="jp-mv-MetricsAndModels">
      <MetricsChart
        series={series}
        selection={selection}
        onSelect={(id, extend) => model.select(id, extend)}
      />
      <ModelsList
        models={models}
        error={error}
        onAlias={async (ref, name) => {
          const path = model.path;
          if (!path) {
            return;
          }
          try {
            await aliasModel(path, ref, name);
            await refresh();
          } catch (reason) {
            setError(messageOf(reason));
          }
        }}
        onReport={props.onReport}
        onCompare={(a, b) => {
          const [older, newer] = a.number < b.number ? [a, b] : [b, a];
          props.onCompareModels(older.label, newer.label);
        }}
        onInsertCell={props.onInsertCell}
      />
    </div>
  );
}

interface IModelsListProps {
  models: IModel[];
  error: string | null;
  onAlias: (ref: string, name: string) => Promise<void>;
  onReport: (versionId: string, model: string) => void;
  onCompare: (a: IModelVersion, b: IModelVersion) => void;
  onInsertCell?: (text: string) => boolean;
}

/** The Models section: each model's versions with their aliases and metrics. */
function ModelsList(props: IModelsListProps): JSX.Element {
  const [picked, setPicked] = React.useState<IModelVersion[]>([]);
  const [aliasFor, setAliasFor] = React.useState<string | null>(null);
  const [aliasName, setAliasName] = React.useState('production');
  const [copied, setCopied] = React.useState<string | null>(null);
  const pick = (v: IModelVersion) =>
    setPicked(now =>
      now.some(p => p.label === v.label)
        ? now.filter(p => p.label !== v.label)
        : [...now, v].slice(-2)
    );
  return (
    <div className="jp-mv-Models">
      <div className="jp-mv-Models-title">Models</div>
      {props.error && <div className="jp-mv-Models-error">{props.error}</div>}
      {props.models.length === 0 && (
        <div className="jp-mv-Models-empty">
          No models yet: <code>%mv save OBJ --name NAME</code>
        </div>
      )}
      {props.models.length > 0 && (
        <div className="jp-mv-Models-bar">
          <button
            className="jp-mv-Models-compare jp-mod-styled"
            disabled={picked.length !== 2}
            onClick={() => props.onCompare(picked[0], picked[1])}
            title="Compare the two checked models: their facts, params and metrics, then the notebook versions that made them"
          >
            {picked.length === 2
              ? `Compare ${picked[0].label} and ${picked[1].label}`
              : 'Check two to compare'}
          </button>
        </div>
      )}
      {props.models.map(m => (
        <div key={m.name} className="jp-mv-Model" data-model={m.name}>
          <div className="jp-mv-Model-name">{m.name}</div>
          <ul className="jp-mv-Model-versions">
            {m.versions.map(v => (
              <li
                key={v.label}
                className="jp-mv-ModelVersion"
                data-label={v.label}
              >
                <input
                  type="checkbox"
                  className="jp-mv-ModelVersion-pick"
                  title={`Compare ${v.label}`}
                  checked={picked.some(p => p.label === v.label)}
                  onChange={() => pick(v)}
                />
                <span className="jp-mv-ModelVersion-label">{v.label}</span>
                {v.aliases.map(a => (
                  <span key={a} className="jp-mv-ModelVersion-alias">
                    @{a}
                  </span>
                ))}
                <span className="jp-mv-ModelVersion-made">
                  {v.made_by ?? 'no notebook version'}
                </span>
                <span className="jp-mv-ModelVersion-metrics">
                  {metricsText(v.metrics)}
                </span>
                <span className="jp-mv-ModelVersion-actions">
                  <button
                    className="jp-mv-ModelVersion-setAlias jp-mod-styled"
                    title={`Point an alias at ${v.label}`}
                    onClick={() =>
                      setAliasFor(aliasFor === v.label ? null : v.label)
                    }
                  >
                    Alias…
                  </button>
                  <button
                    className="jp-mv-ModelVersion-report jp-mod-styled"
                    disabled={!v.version}
                    title={`The provenance report of ${v.label}: its metrics, params, data and the notebook version that made it`}
                    onClick={() =>
                      v.version && props.onReport(v.version, v.label)
                    }
                  >
                    Report
                  </button>
                  <button
                    className="jp-mv-ModelVersion-load jp-mod-styled"
                    title={`Copy model = %mv load ${v.label}`}
                    onClick={() => {
                      const text = `model = %mv load ${v.label}`;
                      void navigator.clipboard?.writeText(text);
                      setCopied(v.label);
                    }}
                  >
                    {copied === v.label ? 'Copied' : 'Copy'}
                  </button>
                  {props.onInsertCell && (
                    <button
                      className="jp-mv-ModelVersion-loadCell jp-mod-styled"
                      title={`A new cell below the active one: model = %mv load ${v.label}`}
                      onClick={() =>
                        props.onInsertCell?.(`model = %mv load ${v.label}`)
                      }
                    >
                      In cell
                    </button>
                  )}
                </span>
                {aliasFor === v.label && (
                  <form
                    className="jp-mv-ModelVersion-aliasForm"
                    onSubmit={event => {
                      event.preventDefault();
                      void props
                        .onAlias(v.label, aliasName.trim())
                        .then(() => setAliasFor(null));
                    }}
                  >
                    <input
                      className="jp-mv-ModelVersion-aliasName jp-mod-styled"
                      value={aliasName}
                      onChange={event => setAliasName(event.target.value)}
                      aria-label="alias name"
                    />
                    <button
                      type="submit"
                      className="jp-mv-ModelVersion-aliasSet jp-mod-styled jp-mod-accept"
                    >
                      Set
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
