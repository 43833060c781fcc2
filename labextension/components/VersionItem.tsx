import { Time } from '@jupyterlab/coreutils';
import * as React from 'react';

import { IVersion } from '../types';

/** Properties of one row of the version list. */
export interface IVersionItemProps {
  version: IVersion;
}

/** One version: its name, tags, message and time. */
export function VersionItem(props: IVersionItemProps): JSX.Element {
  const { version } = props;
  const created = new Date(version.created);
  const valid = !Number.isNaN(created.getTime());
  return (
    <li
      className="jp-mv-VersionItem"
      data-version-id={version.id}
      title={`${version.name} · ${version.short_id}`}
    >
      <div className="jp-mv-VersionItem-header">
        <span className="jp-mv-VersionItem-name">{version.name}</span>
        {version.kind !== 'full' && (
          <span className="jp-mv-VersionItem-kind">{version.kind}</span>
        )}
        {version.tags.map(tag => (
          <span key={tag} className="jp-mv-Tag">
            {tag}
          </span>
        ))}
        <time
          className="jp-mv-VersionItem-time"
          dateTime={version.created}
          title={valid ? Time.format(created) : version.created}
        >
          {valid ? Time.formatHuman(created) : version.created}
        </time>
      </div>
      <div
        className={
          version.message
            ? 'jp-mv-VersionItem-message'
            : 'jp-mv-VersionItem-message jp-mod-empty'
        }
      >
        {version.message || 'No message'}
      </div>
    </li>
  );
}
