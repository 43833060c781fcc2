import { PathExt } from '@jupyterlab/coreutils';
import {
  refreshIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { VersionsModel } from '../model';
import { VersionItem } from './VersionItem';

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
export interface IVersionsViewProps {
  model: VersionsModel;
}

/** The sidebar's content: a header with a refresh button, then the versions. */
export function VersionsView(props: IVersionsViewProps): JSX.Element {
  const { model } = props;
  useModelState(model);
  const path = model.path;

  return (
    <div className="jp-mv-VersionsView">
      <header className="jp-mv-VersionsView-header">
        <h2 className="jp-mv-VersionsView-title">Versions</h2>
        <ToolbarButtonComponent
          className="jp-mv-RefreshButton"
          icon={refreshIcon}
          tooltip="Refresh versions"
          enabled={path !== null && model.status !== 'loading'}
          onClick={() => void model.refresh()}
        />
      </header>
      {path !== null && (
        <div className="jp-mv-VersionsView-notebook" title={path}>
          {PathExt.basename(path)}
        </div>
      )}
      <Body model={model} />
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

  if (model.status === 'error') {
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
      return (
        <p className="jp-mv-State jp-mv-State-empty">
          No versions yet. Run <code>jupyter mv snapshot {model.path}</code> in
          a terminal to make the first one.
        </p>
      );
    }
    return <p className="jp-mv-State jp-mv-State-loading">Loading versions…</p>;
  }

  const hidden = model.total - model.versions.length;
  return (
    <>
      <ul
        className="jp-mv-VersionList"
        aria-busy={model.status === 'loading'}
      >
        {model.versions.map(version => (
          <VersionItem key={version.id} version={version} />
        ))}
      </ul>
      {hidden > 0 && (
        <p className="jp-mv-State jp-mv-State-more">
          {hidden} older {hidden === 1 ? 'version' : 'versions'} not shown.
        </p>
      )}
    </>
  );
}
