import * as React from 'react';
import uPlot from 'uplot';

import { IMetricPoint } from '../models-request';

const HEIGHT = 140;
const STEPS_HEIGHT = 100;
const MIN_WIDTH = 160;
/** Class of a selected point's mark over the plot. */
const MARK = 'jp-mv-MetricsChart-mark';

/** Properties of {@link MetricsChart}. */
export interface IMetricsChartProps {
  series: Record<string, IMetricPoint[]>;
  /** Ids of the versions selected for Compare. */
  selection: ReadonlyArray<string>;
  /** A click on a point (Ctrl/Cmd/Shift: add it to the selection). */
  onSelect: (id: string, extend: boolean) => void;
}

function shown(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** A theme colour for the canvas (which cannot read CSS variables itself). */
function themeColor(name: string, fallback: string): string {
  return (
    getComputedStyle(document.body).getPropertyValue(name).trim() || fallback
  );
}

/** The axes in the theme's colours; `x` labels each tick with `label`. */
function axes(label: (value: number) => string): uPlot.Axis[] {
  const font = `10px ${themeColor('--jp-ui-font-family', 'sans-serif')}`;
  const stroke = themeColor('--jp-ui-font-color2', '#616161');
  const grid = {
    stroke: themeColor('--jp-border-color2', '#e0e0e0'),
    width: 1
  };
  return [
    {
      stroke,
      font,
      grid,
      ticks: grid,
      space: 36,
      values: (_, splits) => splits.map(label)
    },
    {
      stroke,
      font,
      grid,
      ticks: grid,
      size: 46,
      values: (_, splits) => splits.map(v => String(Number(v.toPrecision(3))))
    }
  ];
}

/**
 * A uPlot chart in the `host` div, made again when `key` changes, as wide as the
 * div (following its width), destroyed with the component. Answers the plot in
 * a ref, for what changes without making it again.
 */
function usePlot(
  host: React.RefObject<HTMLDivElement>,
  key: string,
  make: (width: number) => [uPlot.Options, uPlot.AlignedData] | null
): React.MutableRefObject<uPlot | null> {
  const plotRef = React.useRef<uPlot | null>(null);
  React.useEffect(() => {
    const node = host.current;
    const made = node ? make(Math.max(MIN_WIDTH, node.clientWidth)) : null;
    if (!node || !made) {
      return;
    }
    const plot = new uPlot(made[0], made[1], node);
    plotRef.current = plot;
    const observer = new ResizeObserver(() => {
      const width = Math.max(MIN_WIDTH, node.clientWidth);
      if (width !== plot.width) {
        plot.setSize({ width, height: plot.height });
      }
    });
    observer.observe(node);
    return () => {
      observer.disconnect();
      plotRef.current = null;
      plot.destroy();
    };
  }, [key]);
  return plotRef;
}

/**
 * The theme's name, following a switch of theme (the canvas takes its colours
 * when drawn, so a plot is drawn again in the new ones).
 */
function useThemeName(): string {
  const read = () => document.body.dataset.jpThemeName ?? '';
  const [name, setName] = React.useState(read);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setName(read()));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name']
    });
    return () => observer.disconnect();
  }, []);
  return name;
}

const seriesNumbers = new WeakMap<object, number>();
let seriesCount = 0;

/** A number for each series object the chart is given (a new one: new data). */
function seriesNumber(series: object): number {
  let n = seriesNumbers.get(series);
  if (n === undefined) {
    n = ++seriesCount;
    seriesNumbers.set(series, n);
  }
  return n;
}

/**
 * Marks the selected points over the plot: one dot each, an element placed
 * where uPlot drew the point (no redraw of the canvas, which holds one point
 * per version and can hold thousands).
 */
function markSelected(
  plot: uPlot,
  host: HTMLDivElement,
  points: ReadonlyArray<IMetricPoint>,
  selected: ReadonlySet<string>
): void {
  for (const old of Array.from(plot.over.querySelectorAll(`.${MARK}`))) {
    old.remove();
  }
  const names: string[] = [];
  points.forEach((p, i) => {
    if (!selected.has(p.id)) {
      return;
    }
    names.push(p.name);
    const mark = document.createElement('div');
    mark.className = MARK;
    mark.dataset.name = p.name;
    mark.style.left = `${plot.valToPos(plot.data[0][i], 'x')}px`;
    mark.style.top = `${plot.valToPos(p.value, 'y')}px`;
    plot.over.appendChild(mark);
  });
  host.dataset.selected = JSON.stringify(names);
}

/**
 * A chosen metric across the notebook's versions, one point per version, drawn by
 * uPlot; hovering names the version under the cursor, clicking selects it for
 * Compare. The steps logged within a selected version, when there are any, are
 * drawn below as its curve.
 *
 * The plot's own data are written on its element for tests and tools: `data-points`
 * (each version's id, name, value and where uPlot drew it, in pixels of the plotting
 * area) and `data-selected` (the names drawn as selected).
 */
export function MetricsChart(props: IMetricsChartProps): JSX.Element | null {
  const names = Object.keys(props.series).sort();
  const [chosen, setChosen] = React.useState<string>('');
  const [hover, setHover] = React.useState<IMetricPoint | null>(null);
  const host = React.useRef<HTMLDivElement>(null);
  const onSelect = React.useRef(props.onSelect);
  onSelect.current = props.onSelect;

  const metric = names.includes(chosen) ? chosen : (names[0] ?? '');
  const points = props.series[metric] ?? [];
  const selected = React.useMemo(
    () => new Set(props.selection),
    [props.selection]
  );
  const latest = React.useRef({ selected });
  latest.current = { selected };
  // The plot is made again when the metric or its points change (a new
  // series object comes only when the versions changed), not on a selection.
  const theme = useThemeName();
  const key = `${metric}|${seriesNumber(props.series)}|${theme}`;

  const plotRef = usePlot(host, key, width => {
    if (points.length === 0) {
      return null;
    }
    const brand = themeColor('--jp-brand-color1', '#1976d2');
    const background = themeColor('--jp-layout-color1', '#ffffff');
    const data: uPlot.AlignedData = [
      points.map(p => p.number),
      points.map(p => p.value)
    ];
    const describe = (u: uPlot): void => {
      const node = host.current;
      if (!node) {
        return;
      }
      const xs = u.data[0];
      node.dataset.points = JSON.stringify(
        points.map((p, i) => ({
          id: p.id,
          name: p.name,
          value: u.data[1][i],
          x: Math.round(u.valToPos(xs[i], 'x')),
          y: Math.round(u.valToPos(u.data[1][i] ?? 0, 'y'))
        }))
      );
      node.dataset.theme = theme;
      // after a resize, the marks follow their points
      markSelected(u, node, points, latest.current.selected);
    };
    const options: uPlot.Options = {
      width,
      height: HEIGHT,
      legend: { show: false },
      // Half a version of room at each end: no point sits on the frame.
      scales: {
        x: { time: false, range: (_, lo, hi) => [lo - 0.5, hi + 0.5] }
      },
      cursor: { drag: { x: false, y: false }, points: { size: 9 } },
      axes: axes(v => (Number.isInteger(v) ? `v${v}` : '')),
      series: [
        {},
        {
          label: metric,
          stroke: brand,
          width: 1.5,
          // uPlot draws a dot per version while they have room (not for
          // thousands of versions on a sidebar's width).
          points: { size: 7, fill: background, stroke: brand }
        }
      ],
      hooks: {
        draw: [describe],
        setCursor: [
          u => {
            const i = u.cursor.idx;
            setHover(i === null || i === undefined ? null : points[i]);
          }
        ],
        ready: [
          u => {
            u.over.addEventListener('mouseleave', () => setHover(null));
            u.over.addEventListener('click', event => {
              const i = u.cursor.idx;
              if (i !== null && i !== undefined) {
                onSelect.current(
                  points[i].id,
                  event.ctrlKey || event.metaKey || event.shiftKey
                );
              }
            });
          }
        ]
      }
    };
    return [options, data];
  });

  // A selection moves the marks only.
  React.useEffect(() => {
    const plot = plotRef.current;
    if (plot && host.current) {
      markSelected(plot, host.current, points, selected);
    }
  }, [key, selected]);

  if (names.length === 0) {
    return null;
  }
  const curveOf = points.find(p => selected.has(p.id) && p.steps.length > 1);
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
      <div
        ref={host}
        className="jp-mv-MetricsChart-plot"
        role="img"
        aria-label={`${metric} across versions`}
        data-metric={metric}
        title="Click a version to select it for Compare (Ctrl-click adds it)"
      />
      {curveOf && <StepsCurve point={curveOf} metric={metric} />}
    </div>
  );
}

/** The curve a version logged with `--step`: the metric by step. */
function StepsCurve(props: {
  point: IMetricPoint;
  metric: string;
}): JSX.Element {
  const { point, metric } = props;
  const host = React.useRef<HTMLDivElement>(null);
  const theme = useThemeName();
  usePlot(
    host,
    JSON.stringify([point.id, metric, point.steps, theme]),
    width => {
      const brand = themeColor('--jp-brand-color1', '#1976d2');
      const data: uPlot.AlignedData = [
        point.steps.map(s => s[0]),
        point.steps.map(s => s[1])
      ];
      return [
        {
          width,
          height: STEPS_HEIGHT,
          legend: { show: false },
          scales: { x: { time: false } },
          cursor: { drag: { x: false, y: false } },
          axes: axes(v => (Number.isInteger(v) ? String(v) : '')),
          series: [
            {},
            { label: metric, stroke: brand, width: 1.5, points: { size: 4 } }
          ],
          hooks: {
            draw: [
              u => {
                if (host.current) {
                  host.current.dataset.steps = JSON.stringify(
                    Array.from(u.data[0], (x, i) => [x, u.data[1][i]])
                  );
                }
              }
            ]
          }
        },
        data
      ];
    }
  );
  return (
    <div className="jp-mv-MetricsChart-stepsBox">
      <div className="jp-mv-MetricsChart-stepsTitle">
        {`${metric} by step in ${point.name}`}
      </div>
      <div
        ref={host}
        className="jp-mv-MetricsChart-steps"
        role="img"
        aria-label={`${metric} by step in ${point.name}`}
      />
    </div>
  );
}
