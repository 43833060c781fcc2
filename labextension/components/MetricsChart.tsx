import * as React from 'react';

import { IMetricPoint } from '../models-request';

const WIDTH = 260;
const HEIGHT = 110;
const PAD = 18;

/** Properties of {@link MetricsChart}. */
export interface IMetricsChartProps {
  series: Record<string, IMetricPoint[]>;
  /** Ids of the versions selected for Compare. */
  selection: ReadonlyArray<string>;
  /** A click on a point (Ctrl/Cmd/Shift: add it to the selection). */
  onSelect: (id: string, extend: boolean) => void;
}

function scale(values: number[], size: number, flip: boolean) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  return (v: number) => {
    const t = (v - lo) / span;
    return PAD + (flip ? 1 - t : t) * (size - 2 * PAD);
  };
}

function shown(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/**
 * A chosen metric across the notebook's versions, one point per version; hovering
 * a point names its version, clicking selects it for Compare. The steps logged
 * within the selected version, when there are any, are drawn below as its curve.
 */
export function MetricsChart(props: IMetricsChartProps): JSX.Element | null {
  const names = Object.keys(props.series).sort();
  const [chosen, setChosen] = React.useState<string>('');
  const [hover, setHover] = React.useState<IMetricPoint | null>(null);
  if (names.length === 0) {
    return null;
  }
  const metric = names.includes(chosen) ? chosen : names[0];
  const points = props.series[metric];
  const x = scale(
    points.map((_, i) => i),
    WIDTH,
    false
  );
  const y = scale(
    points.map(p => p.value),
    HEIGHT,
    true
  );
  const path = points
    .map(
      (p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`
    )
    .join(' ');
  const selected = points.filter(p => props.selection.includes(p.id));
  const curveOf = selected.find(p => p.steps.length > 1);
  return (
    <div className="jp-mv-MetricsChart">
      <div className="jp-mv-MetricsChart-header">
        <label>
          Metric{' '}
          <select
            className="jp-mv-MetricsChart-choose"
            value={metric}
            onChange={event => setChosen(event.target.value)}
          >
            {names.map(name => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span className="jp-mv-MetricsChart-hover">
          {hover ? `${hover.name}: ${metric}=${shown(hover.value)}` : ''}
        </span>
      </div>
      <svg
        className="jp-mv-MetricsChart-plot"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${metric} across versions`}
        data-metric={metric}
        data-points={JSON.stringify(
          points.map(p => ({ id: p.id, name: p.name, value: p.value }))
        )}
      >
        <path className="jp-mv-MetricsChart-line" d={path} />
        {points.map((p, i) => (
          <circle
            key={p.id}
            className={
              'jp-mv-MetricsChart-point' +
              (props.selection.includes(p.id) ? ' jp-mod-selected' : '')
            }
            data-version={p.name}
            data-version-id={p.id}
            data-value={p.value}
            cx={x(i)}
            cy={y(p.value)}
            r={4}
            onMouseEnter={() => setHover(p)}
            onMouseLeave={() => setHover(null)}
            onClick={event =>
              props.onSelect(
                p.id,
                event.ctrlKey || event.metaKey || event.shiftKey
              )
            }
          >
            <title>{`${p.name}: ${metric}=${shown(p.value)}`}</title>
          </circle>
        ))}
      </svg>
      {curveOf && <StepsCurve point={curveOf} metric={metric} />}
    </div>
  );
}

function StepsCurve(props: {
  point: IMetricPoint;
  metric: string;
}): JSX.Element {
  const steps = props.point.steps;
  const x = scale(
    steps.map(s => s[0]),
    WIDTH,
    false
  );
  const y = scale(
    steps.map(s => s[1]),
    HEIGHT / 2,
    true
  );
  const d = steps
    .map(
      (s, i) => `${i ? 'L' : 'M'}${x(s[0]).toFixed(1)},${y(s[1]).toFixed(1)}`
    )
    .join(' ');
  return (
    <svg
      className="jp-mv-MetricsChart-steps"
      viewBox={`0 0 ${WIDTH} ${HEIGHT / 2}`}
      data-steps={JSON.stringify(steps)}
    >
      <title>{`${props.metric} by step in ${props.point.name}`}</title>
      <path className="jp-mv-MetricsChart-line" d={d} />
    </svg>
  );
}
