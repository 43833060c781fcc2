import { PathExt } from '@jupyterlab/coreutils';
import { refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';

import { size } from '../diff/dom';
import { compareIcon, pullIcon, pushIcon } from '../icons';
import { IBusy, VersionsModel } from '../model';
import { IVersion } from '../types';
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
  /** Store a version with this message. */
  onSnapshot: (message: string) => Promise<unknown>;
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

/** The message box and the snapshot button; a progress bar while work runs. */
function SnapshotBox(props: {
  busy: IBusy | null;
  onSnapshot: (message: string) => Promise<unknown>;
}): JSX.Element {
  const [message, setMessage] = React.useState('');
  const { busy } = props;
  const submit = async (): Promise<void> => {
    const text = message.trim();
    const result = await props.onSnapshot(text);
    if (result) {
      setMessage('');
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
        onKeyDown={event => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
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
        : 'Select two versions to compare them'}
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
      return (
        <>
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

/** The versions, newest first, each preceded by the saves that followed it. */
function Timeline(props: IVersionsViewProps): JSX.Element {
  const { model } = props;
  const sentinel = React.useRef<HTMLDivElement>(null);
  const metricsShown = props.metricsShown();

  // Load older versions as the end of the list scrolls into view.
  React.useEffect(() => {
    const node = sentinel.current;
    if (!node || typeof IntersectionObserver === 'undefined') {
      return;
    }
    const observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) {
        void model.loadMore();
      }
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [model, model.versions.length]);

  const rows: JSX.Element[] = [];
  const selection = new Set(model.selection);
  const withRemotes = model.remotes.length > 0;
  const rowProps = (version: IVersion) => ({
    version,
    selected: selection.has(version.id),
    withRemotes,
    metricsShown,
    onSelect: props.onSelect,
    onMenu: props.onMenu,
    onOpen: props.onOpen
  });
  const saveGroup = (base: number): void => {
    const count = model.savesAfter(base);
    if (count === 0) {
      return;
    }
    const expanded = model.isExpanded(base);
    rows.push(
      <SavesFold
        key={`fold-${base}`}
        base={base}
        count={count}
        expanded={expanded}
        onToggle={b => void model.toggleSaves(b)}
      />
    );
    for (const save of model.expandedSaves(base) ?? []) {
      rows.push(<SaveItem key={save.id} {...rowProps(save)} />);
    }
  };
  for (const version of model.versions) {
    saveGroup(version.number);
    rows.push(<VersionItem key={version.id} {...rowProps(version)} />);
  }
  if (!model.hasMore) {
    saveGroup(0);
  }

  const hidden = model.total - model.versions.length;
  return (
    <div className="jp-mv-Timeline">
      <ul
        className="jp-mv-VersionList"
        role="listbox"
        aria-label="Versions"
        aria-multiselectable={true}
        aria-busy={model.status === 'loading'}
      >
        {rows}
      </ul>
      {hidden > 0 && (
        <div ref={sentinel} className="jp-mv-LoadMore">
          <button
            className="jp-mod-styled jp-mv-LoadMore-button"
            onClick={() => void model.loadMore()}
          >
            Load {Math.min(hidden, model.pageSize)} older of {hidden}
          </button>
        </div>
      )}
    </div>
  );
}
