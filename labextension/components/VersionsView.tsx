import { PathExt } from '@jupyterlab/coreutils';
import { refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { compareIcon, pullIcon, pushIcon } from '../icons';
import { VersionsModel } from '../model';
import { messageOf } from '../request';
import { IVersion } from '../types';
import { ISnapshotBoxProps, SnapshotBox } from './SnapshotBox';
import { IItemHandlers, SaveItem, SavesFold, VersionItem } from './VersionItem';

/** Re-render the calling component whenever the model's state changes. */
function useModelState(model: VersionsModel): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = (): void => setTick(tick => tick + 1);
    model.stateChanged.connect(onChange);
    return () => {
      model.stateChanged.disconnect(onChange);
    };
  }, [model]);
}

/** Properties of the sidebar's content. */
export interface IVersionsViewProps extends IItemHandlers {
  model: VersionsModel;
  /** Store a version with this message and these metrics. */
  onSnapshot: ISnapshotBoxProps['onSnapshot'];
  /** Compare the two selected versions. */
  onCompare: () => void;
  /** Push the project's versions to a remote. */
  onPush: () => void;
  /** Pull a remote's versions into the project. */
  onPull: () => void;
  /** Add a remote to the project. */
  onAddRemote: () => void;
  /** How many metrics each version shows. */
  metricsShown: () => number;
  /** Open a notebook (where a restored copy came from). */
  onOpenPath?: (path: string) => void;
}

/**
 * The sidebar's content: a header, the snapshot box, then the timeline of
 * versions with the saves folded between them.
 */
export function VersionsView(props: IVersionsViewProps): JSX.Element {
  const { model } = props;
  useModelState(model);
  const path = model.path;
  const selected = model.selection
    .map(id => model.find(id))
    .filter((v): v is IVersion => v !== undefined)
    .sort((x, y) => x.created.localeCompare(y.created));

  return (
    <div className="jp-mv-VersionsView">
      <header className="jp-mv-VersionsView-header">
        <h2 className="jp-mv-VersionsView-title">Versions</h2>
        <div className="jp-mv-VersionsView-actions">
          <ToolbarButtonComponent
            className="jp-mv-CompareButton"
            icon={compareIcon}
            tooltip={
              selected.length === 2
                ? `Compare ${selected[0].name} and ${selected[1].name}`
                : 'Select two versions (Ctrl-click) to compare them'
            }
            enabled={selected.length === 2}
            onClick={props.onCompare}
          />
          <ToolbarButtonComponent
            className="jp-mv-PushButton"
            icon={pushIcon}
            tooltip={
              model.remotes.length
                ? 'Push the versions to a remote'
                : 'Push the versions to a remote (add one first)'
            }
            enabled={path !== null && model.busy === null}
            onClick={props.onPush}
          />
          <ToolbarButtonComponent
            className="jp-mv-PullButton"
            icon={pullIcon}
            tooltip="Pull new versions from a remote"
            enabled={path !== null && model.busy === null}
            onClick={props.onPull}
          />
          <ToolbarButtonComponent
            className="jp-mv-RefreshButton"
            icon={refreshIcon}
            tooltip="Refresh versions"
            enabled={path !== null && model.status !== 'loading'}
            onClick={() => void model.refresh()}
          />
        </div>
      </header>
      {path !== null && (
        <div className="jp-mv-VersionsView-notebook" title={path}>
          {PathExt.basename(path)}
        </div>
      )}
      {path !== null && (
        <RemoteBar model={model} onAddRemote={props.onAddRemote} />
      )}
      {path !== null && (
        <SnapshotBox busy={model.busy} onSnapshot={props.onSnapshot} />
      )}
      {path !== null && (model.total > 0 || model.filter !== '') && (
        <FindBar model={model} />
      )}
      {path !== null && model.versions.length > 0 && (
        <SelectionBar selected={selected} onCompare={props.onCompare} />
      )}
      <Body {...props} />
    </div>
  );
}

/** The project's remotes (the default one first), and a way to add one. */
function RemoteBar(props: {
  model: VersionsModel;
  onAddRemote: () => void;
}): JSX.Element {
  const { model } = props;
  const chosen = model.defaultRemote;
  const remotes = [...model.remotes].sort(
    (x, y) => Number(y.name === chosen) - Number(x.name === chosen)
  );
  return (
    <div className="jp-mv-RemoteBar">
      <span className="jp-mv-RemoteBar-label">
        {remotes.length ? 'Remotes' : 'No remote: versions stay here'}
      </span>
      {remotes.map(remote => (
        <span
          key={remote.name}
          className={
            remote.name === chosen
              ? 'jp-mv-Remote jp-mod-default'
              : 'jp-mv-Remote'
          }
          title={`${remote.name}: ${remote.url}${
            remote.name === chosen ? ' (push and pull use it by default)' : ''
          }`}
        >
          {remote.name}
        </span>
      ))}
      <button
        className="jp-mv-RemoteBar-add jp-Button jp-mod-minimal"
        title="Add a remote: a shared folder, an S3 bucket, an SFTP server"
        disabled={model.busy !== null}
        onClick={props.onAddRemote}
      >
        + Add remote
      </button>
    </div>
  );
}

function SelectionBar(props: {
  selected: IVersion[];
  onCompare: () => void;
}): JSX.Element {
  const { selected } = props;
  if (selected.length === 2) {
    return (
      <div className="jp-mv-SelectionBar">
        <span>
          {selected[0].name} and {selected[1].name} selected
        </span>
        <button
          className="jp-mv-SelectionBar-compare jp-mod-styled jp-mod-accept"
          onClick={props.onCompare}
        >
          Compare
        </button>
      </div>
    );
  }
  return (
    <div className="jp-mv-SelectionBar jp-mod-hint">
      {selected.length === 1
        ? `Ctrl-click another version to compare it with ${selected[0].name}`
        : 'Select two versions to compare them (Space in the list)'}
    </div>
  );
}

function Body(props: IVersionsViewProps): JSX.Element {
  const { model } = props;

  if (model.path === null) {
    return (
      <p className="jp-mv-State jp-mv-State-noNotebook">
        Open a notebook to see its versions.
      </p>
    );
  }

  if (model.status === 'error' && model.versions.length === 0) {
    return (
      <div className="jp-mv-State jp-mv-State-error" role="alert">
        <p>Could not load versions: {model.error}</p>
        <button
          className="jp-mod-styled jp-mod-reject"
          onClick={() => void model.refresh()}
        >
          Try again
        </button>
      </div>
    );
  }

  if (model.versions.length === 0) {
    if (model.status === 'ready') {
      const saves = model.savesAfter(0);
      if (model.filter) {
        return (
          <p className="jp-mv-State jp-mv-State-noMatch">
            No version matches {model.filter}.
          </p>
        );
      }
      return (
        <>
          {model.origin && (
            <Origin model={model} onOpenPath={props.onOpenPath} />
          )}
          <p className="jp-mv-State jp-mv-State-empty">
            No versions yet. Write what this version is about above and press
            Snapshot: the notebook, the data it read, its environment and
            metrics are kept.
          </p>
          {saves > 0 && <Timeline {...props} />}
        </>
      );
    }
    return <p className="jp-mv-State jp-mv-State-loading">Loading versions…</p>;
  }
  return <Timeline {...props} />;
}

/** Where a notebook restored to a new file came from, with a link to it. */
function Origin(props: {
  model: VersionsModel;
  onOpenPath?: (path: string) => void;
}): JSX.Element | null {
  const origin = props.model.origin;
  if (!origin) {
    return null;
  }
  const label = `${PathExt.basename(origin.notebook)}@${origin.name}`;
  const target = origin.path;
  return (
    <p className="jp-mv-Origin">
      from{' '}
      {target && props.onOpenPath ? (
        <a
          href="#"
          className="jp-mv-Origin-link"
          title={`Open ${target}`}
          onClick={event => {
            event.preventDefault();
            props.onOpenPath?.(target);
          }}
        >
          {label}
        </a>
      ) : (
        <span className="jp-mv-Origin-link">{label}</span>
      )}
    </p>
  );
}

/** The filter box (the grammar of `jupyter mv log --where`) and the jump box. */
function FindBar(props: { model: VersionsModel }): JSX.Element {
  const { model } = props;
  const [text, setText] = React.useState(model.filter);
  const [ref, setRef] = React.useState('');
  const [jumpError, setJumpError] = React.useState<string | null>(null);
  const path = model.path;
  React.useEffect(() => {
    setText(model.filter);
    setRef('');
    setJumpError(null);
  }, [path]);
  React.useEffect(() => {
    if (text.trim() === model.filter) {
      return;
    }
    const timer = setTimeout(() => void model.setFilter(text), 250);
    return () => clearTimeout(timer);
  }, [text]);
  const jump = async (): Promise<void> => {
    const wanted = ref.trim();
    if (!wanted) {
      return;
    }
    try {
      const found = await model.jump(wanted);
      setJumpError(
        found
          ? null
          : `${wanted} is not among the versions listed${model.filter ? ' (the filter leaves it out)' : ''}`
      );
    } catch (reason) {
      setJumpError(messageOf(reason));
    }
  };
  const count = model.filter
    ? `${model.total} ${model.total === 1 ? 'match' : 'matches'}`
    : `${model.total} ${model.total === 1 ? 'version' : 'versions'}`;
  return (
    <div className="jp-mv-FindBar">
      <div className="jp-mv-FindBar-row">
        <input
          className="jp-mv-Filter jp-mod-styled"
          type="search"
          placeholder="Filter: acc>0.9"
          aria-label="Filter versions"
          title="Words the message, a tag, an alias or the author holds; tag:NAME, alias:NAME, author:NAME, message:TEXT; a metric condition such as acc>0.9 (as jupyter mv log --where)"
          value={text}
          onChange={event => setText(event.target.value)}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              void model.setFilter(text);
            }
          }}
        />
        <input
          className="jp-mv-Jump jp-mod-styled"
          type="text"
          placeholder="Go to v12"
          aria-label="Go to a version"
          title="Go to a version: v12, a tag, an alias (Enter)"
          value={ref}
          onChange={event => {
            setRef(event.target.value);
            setJumpError(null);
          }}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.preventDefault();
              void jump();
            }
          }}
        />
      </div>
      <div className="jp-mv-FindBar-status">
        <span className="jp-mv-FindBar-count">{count}</span>
        {model.filterError && (
          <span className="jp-mv-FindBar-error" role="alert">
            {model.filterError}
          </span>
        )}
        {jumpError && (
          <span className="jp-mv-JumpError" role="alert">
            {jumpError}
          </span>
        )}
      </div>
    </div>
  );
}

/** Height of a version row (style/base.css); a row with saves folded above it is measured. */
const ROW_HEIGHT = 66;

/**
 * The versions, newest first, each preceded by the saves that followed it:
 * a windowed list (only the rows in view are in the page), each page of
 * versions fetched when it comes into view. Up and down move, Space selects
 * for a comparison, Enter opens the comparison with the version before.
 */
function Timeline(props: IVersionsViewProps): JSX.Element {
  const { model } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const metricsShown = props.metricsShown();
  const tail = model.savesAfter(0) > 0 ? 1 : 0;
  const count = model.total + tail;
  // A new key function makes the list place all its rows again (10,000 of
  // them): make one only when the rows changed, not at each selection.
  const rows = model.rows;
  const getItemKey = React.useCallback(
    (index: number) => rows[index]?.id ?? `row-${index}`,
    [rows]
  );
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    getItemKey
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : 0;

  // Fetch the pages of the rows in view.
  React.useEffect(() => {
    if (items.length) {
      void model.ensureRows(first, last + 1);
    }
  }, [model, first, last, model.total]);

  // Scroll to the row a jump or a key moved to.
  React.useEffect(() => {
    const onFocus = (_: VersionsModel, index: number): void => {
      virtualizer.scrollToIndex(index, { align: 'auto' });
    };
    model.focusRequested.connect(onFocus);
    return () => {
      model.focusRequested.disconnect(onFocus);
    };
  }, [model, virtualizer]);

  const onKeyDown = (event: React.KeyboardEvent): void => {
    const focused = model.focused;
    const row = focused >= 0 ? model.rowAt(focused) : undefined;
    const page = Math.max(
      1,
      Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT) / ROW_HEIGHT)
    );
    switch (event.key) {
      case 'ArrowDown':
        model.focus(focused + 1);
        break;
      case 'ArrowUp':
        model.focus(Math.max(0, focused - 1));
        break;
      case 'PageDown':
        model.focus(focused + page);
        break;
      case 'PageUp':
        model.focus(Math.max(0, focused - page));
        break;
      case 'Home':
        model.focus(0);
        break;
      case 'End':
        model.focus(model.total - 1);
        break;
      case ' ':
        if (row) {
          props.onSelect(row, true);
        }
        break;
      case 'Enter':
        if (row) {
          props.onOpen(row);
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const selection = new Set(model.selection);
  const withRemotes = model.remotes.length > 0;
  const lanes = model.lanes;
  const focusedRow =
    model.focused >= 0 ? model.rowAt(model.focused) : undefined;
  const rowProps = (version: IVersion) => ({
    version,
    selected: selection.has(version.id),
    withRemotes,
    metricsShown,
    onSelect: props.onSelect,
    onMenu: props.onMenu,
    onOpen: props.onOpen
  });
  const saves = (base: number): JSX.Element | null => {
    const n = model.savesAfter(base);
    if (n === 0) {
      return null;
    }
    return (
      <>
        <SavesFold
          base={base}
          count={n}
          expanded={model.isExpanded(base)}
          onToggle={b => void model.toggleSaves(b)}
        />
        {(model.expandedSaves(base) ?? []).map(save => (
          <SaveItem key={save.id} {...rowProps(save)} />
        ))}
      </>
    );
  };

  return (
    <div
      ref={scroller}
      className="jp-mv-Timeline"
      tabIndex={0}
      role="listbox"
      aria-label="Versions"
      aria-multiselectable={true}
      aria-busy={model.status === 'loading'}
      aria-activedescendant={
        focusedRow ? `jp-mv-row-${focusedRow.id}` : undefined
      }
      onKeyDown={onKeyDown}
      onMouseDown={() => scroller.current?.focus({ preventScroll: true })}
    >
      <div
        className="jp-mv-VersionList"
        style={{ height: virtualizer.getTotalSize() }}
        data-total={model.total}
      >
        {items.map(item => {
          const version = model.rowAt(item.index);
          return (
            <div
              key={item.key}
              ref={virtualizer.measureElement}
              data-index={item.index}
              className="jp-mv-Row"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              {item.index >= model.total ? (
                saves(0)
              ) : version ? (
                <>
                  {saves(version.number)}
                  <VersionItem
                    {...rowProps(version)}
                    focused={item.index === model.focused}
                    current={version.id === model.current}
                    graph={lanes ? model.graphOf(version.id) : undefined}
                    lanes={lanes}
                  />
                </>
              ) : (
                <div
                  className="jp-mv-VersionItem jp-mod-placeholder"
                  aria-hidden="true"
                >
                  Loading…
                </div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
