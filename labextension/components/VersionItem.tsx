import { Time } from '@jupyterlab/coreutils';
import {
  caretDownIcon,
  caretRightIcon,
  ellipsesIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { localIcon, pushedIcon } from '../icons';
import { IGraphRow, IVersion } from '../types';

/** What a row of the timeline can ask for. */
export interface IItemHandlers {
  /** Select the version (`extend`: keep the one selected before, to compare). */
  onSelect: (version: IVersion, extend: boolean) => void;
  /** Open the version's menu at a point. */
  onMenu: (version: IVersion, x: number, y: number) => void;
  /** Compare the version with the one before it. */
  onOpen: (version: IVersion) => void;
}

/** Properties of one row of the version list. */
export interface IVersionItemProps extends IItemHandlers {
  version: IVersion;
  selected: boolean;
  /** Whether the keyboard is on this row. */
  focused?: boolean;
  /** Whether the notebook on disk is this version now. */
  current?: boolean;
  /** The row of the lineage graph, and how many lanes the graph spans. */
  graph?: IGraphRow;
  lanes?: number;
  /** How many metrics to show. */
  metricsShown: number;
  /** Whether the project has remotes (then versions not on one say so). */
  withRemotes: boolean;
}

/** A metric's value, short. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? String(value)
      : value.toPrecision(4).replace(/\.?0+$/, '');
  }
  return String(value);
}

function When(props: { created: string; prefix?: string }): JSX.Element {
  const created = new Date(props.created);
  const valid = !Number.isNaN(created.getTime());
  return (
    <time
      className="jp-mv-VersionItem-time"
      dateTime={props.created}
      title={valid ? Time.format(created) : props.created}
    >
      {props.prefix ?? ''}
      {valid ? Time.formatHuman(created) : props.created}
    </time>
  );
}

function rowEvents(props: IVersionItemProps) {
  const { version } = props;
  return {
    onClick: (event: React.MouseEvent) =>
      props.onSelect(version, event.ctrlKey || event.metaKey || event.shiftKey),
    onDoubleClick: () => props.onOpen(version),
    onContextMenu: (event: React.MouseEvent) => {
      if (!props.selected) {
        props.onSelect(version, false);
      }
      event.preventDefault();
      event.stopPropagation();
      props.onMenu(version, event.clientX, event.clientY);
    }
  };
}

function MenuButton(props: IVersionItemProps): JSX.Element {
  return (
    <button
      className="jp-mv-VersionItem-menu jp-Button jp-mod-minimal"
      title={`Actions on ${props.version.name}`}
      aria-label={`Actions on ${props.version.name}`}
      onClick={event => {
        event.stopPropagation();
        const box = (
          event.currentTarget as HTMLElement
        ).getBoundingClientRect();
        if (!props.selected) {
          props.onSelect(props.version, false);
        }
        props.onMenu(props.version, box.left, box.bottom);
      }}
    >
      <ellipsesIcon.react tag="span" elementSize="small" />
    </button>
  );
}

/**
 * Where a version is beyond this store: a cloud badge naming the remotes it
 * is on, or (when the project has remotes) a crossed-out cloud: local only.
 */
export function RemoteState(props: {
  version: IVersion;
  withRemotes: boolean;
}): JSX.Element | null {
  const remotes = props.version.remotes ?? [];
  if (remotes.length === 0 && !props.withRemotes) {
    return null;
  }
  const pushed = remotes.length > 0;
  const Icon = pushed ? pushedIcon : localIcon;
  const text = pushed
    ? `Pushed to ${remotes.join(', ')}`
    : 'Local only: not pushed to a remote yet';
  return (
    <span
      className={`jp-mv-RemoteState ${pushed ? 'jp-mod-pushed' : 'jp-mod-local'}`}
      title={text}
      aria-label={text}
      data-remotes={remotes.join(' ')}
    >
      <Icon.react tag="span" elementSize="small" />
    </span>
  );
}

/** How many name chips a row shows before the rest fold into "+N". */
const CHIPS_SHOWN = 2;

/** Tags and aliases on one line: the first few, then "+N" with all in its tooltip. */
function Chips(props: { version: IVersion }): JSX.Element | null {
  const { version } = props;
  const chips = [
    ...version.tags.map(tag => ({
      key: `t-${tag}`,
      kind: 'Tag',
      text: tag,
      help: `tag ${tag}`
    })),
    ...version.aliases.map(alias => ({
      key: `a-${alias}`,
      kind: 'Alias',
      text: `@${alias}`,
      help: `alias @${alias}`
    }))
  ];
  if (chips.length === 0) {
    return null;
  }
  const shown =
    chips.length > CHIPS_SHOWN + 1 ? chips.slice(0, CHIPS_SHOWN) : chips;
  const rest = chips.slice(shown.length);
  return (
    <span className="jp-mv-Chips">
      {shown.map(chip => (
        <span key={chip.key} className={`jp-mv-${chip.kind}`} title={chip.help}>
          {chip.text}
        </span>
      ))}
      {rest.length > 0 && (
        <span
          className="jp-mv-Chips-more"
          title={rest.map(chip => chip.help).join('\n')}
          aria-label={`${rest.length} more: ${rest.map(chip => chip.text).join(', ')}`}
        >
          +{rest.length}
        </span>
      )}
    </span>
  );
}

/** Lanes of the lineage graph are this many pixels apart. */
export const LANE_WIDTH = 12;
const DOT_Y = 14;

/** The row's part of the lineage graph: lanes passing by, the dot, its links. */
export function GraphCell(props: {
  row: IGraphRow;
  lanes: number;
  current: boolean;
}): JSX.Element {
  const { row, lanes, current } = props;
  const x = (lane: number): number => lane * LANE_WIDTH + LANE_WIDTH / 2;
  const width = Math.max(1, lanes) * LANE_WIDTH;
  return (
    <svg
      className="jp-mv-Graph"
      width={width}
      aria-hidden="true"
      data-col={row.col}
      data-up={row.up.join(' ')}
      data-through={row.through.join(' ')}
    >
      {row.through.map(lane => (
        <line
          key={`t${lane}`}
          className="jp-mv-Graph-lane"
          x1={x(lane)}
          x2={x(lane)}
          y1="0"
          y2="100%"
        />
      ))}
      {row.up.map(lane => (
        <line
          key={`u${lane}`}
          className="jp-mv-Graph-lane"
          x1={x(lane)}
          x2={x(row.col)}
          y1="0"
          y2={DOT_Y}
        />
      ))}
      {row.down && (
        <line
          className="jp-mv-Graph-lane"
          x1={x(row.col)}
          x2={x(row.col)}
          y1={DOT_Y}
          y2="100%"
        />
      )}
      <circle
        className={
          current ? 'jp-mv-Graph-dot jp-mod-current' : 'jp-mv-Graph-dot'
        }
        cx={x(row.col)}
        cy={DOT_Y}
        r={current ? 5 : 4}
      />
    </svg>
  );
}

/** One version: name, kind, tags and aliases, time, message, author, metrics. */
function VersionItemRow(props: IVersionItemProps): JSX.Element {
  const { version, selected } = props;
  const metrics = Object.entries(version.metrics).slice(0, props.metricsShown);
  const classes = ['jp-mv-VersionItem', `jp-mv-mod-${version.kind}`];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (props.focused) {
    classes.push('jp-mod-focused');
  }
  if (props.current) {
    classes.push('jp-mod-current');
  }
  return (
    <div
      className={classes.join(' ')}
      id={`jp-mv-row-${version.id}`}
      data-version-id={version.id}
      data-version-name={version.name}
      title={`${version.name} · ${version.short_id}`}
      role="option"
      aria-selected={selected}
      {...rowEvents(props)}
    >
      {props.graph && (
        <span
          className="jp-mv-Graph-space"
          style={{ width: Math.max(1, props.lanes ?? 1) * LANE_WIDTH }}
        />
      )}
      {props.graph && (
        <GraphCell
          row={props.graph}
          lanes={props.lanes ?? 1}
          current={!!props.current}
        />
      )}
      <div className="jp-mv-VersionItem-body">
        <div className="jp-mv-VersionItem-header">
          <span className="jp-mv-VersionItem-name">{version.name}</span>
          {props.current && (
            <span
              className="jp-mv-Current"
              title="The notebook on disk is this version (the same bytes)"
            >
              current
            </span>
          )}
          {version.kind !== 'full' && (
            <span
              className="jp-mv-VersionItem-kind"
              title={kindHelp(version.kind)}
            >
              {version.kind}
            </span>
          )}
          <Chips version={version} />
          <RemoteState version={version} withRemotes={props.withRemotes} />
          <When created={version.created} />
          <MenuButton {...props} />
        </div>
        <div
          className={
            version.message
              ? 'jp-mv-VersionItem-message'
              : 'jp-mv-VersionItem-message jp-mod-empty'
          }
          title={version.message || undefined}
        >
          {version.message || 'No message'}
        </div>
        <div className="jp-mv-VersionItem-footer">
          <span className="jp-mv-VersionItem-author">{version.author}</span>
          {metrics.map(([key, value]) => (
            <span
              key={key}
              className="jp-mv-Metric"
              title={`${key} = ${String(value)}`}
            >
              <span className="jp-mv-Metric-key">{key}</span>{' '}
              {formatValue(value)}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}

/** A row re-renders only when its version, its state or its graph changed. */
export const VersionItem = React.memo(VersionItemRow);

function kindHelp(kind: string): string {
  return kind === 'safety'
    ? 'Kept automatically before a restore overwrote the notebook'
    : 'Kept at a save';
}

/** A save (light version), in an unfolded group. */
export function SaveItem(props: IVersionItemProps): JSX.Element {
  const { version, selected } = props;
  return (
    <div
      className={`jp-mv-SaveItem${selected ? ' jp-mod-selected' : ''}`}
      data-version-id={version.id}
      data-version-name={version.name}
      title={`${version.name} · saved ${version.created}`}
      role="option"
      aria-selected={selected}
      {...rowEvents(props)}
    >
      <span className="jp-mv-VersionItem-name">{version.name}</span>
      {version.tags.map(tag => (
        <span key={tag} className="jp-mv-Tag">
          {tag}
        </span>
      ))}
      <span className="jp-mv-SaveItem-label">saved</span>
      <When created={version.created} />
      <MenuButton {...props} />
    </div>
  );
}

/** Properties of the fold that holds the saves after a version. */
export interface ISavesFoldProps {
  /** The version number the saves follow (0: before the first version). */
  base: number;
  count: number;
  expanded: boolean;
  onToggle: (base: number) => void;
}

/** "3 saves since v2": folds or unfolds them. */
export function SavesFold(props: ISavesFoldProps): JSX.Element {
  const { base, count, expanded } = props;
  const Icon = expanded ? caretDownIcon : caretRightIcon;
  const since = base > 0 ? `since v${base}` : 'before v1';
  return (
    <div className="jp-mv-SavesFold" data-base={base}>
      <button
        className="jp-mv-SavesFold-button"
        aria-expanded={expanded}
        onClick={() => props.onToggle(base)}
        title={
          expanded
            ? 'Fold the saves'
            : 'Show the saves (light versions kept at each save)'
        }
      >
        <Icon.react tag="span" elementSize="small" />
        {count} {count === 1 ? 'save' : 'saves'} {since}
      </button>
    </div>
  );
}
