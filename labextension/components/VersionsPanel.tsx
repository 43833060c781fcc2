import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { versionsIcon } from '../icons';
import { VersionsModel } from '../model';
import { VersionsView } from './VersionsView';

/** The left-area panel that lists the active notebook's versions. */
export class VersionsPanel extends ReactWidget {
  constructor(model: VersionsModel) {
    super();
    this._model = model;
    this.id = 'jupyter-mv-versions';
    this.addClass('jp-mv-VersionsPanel');
    this.title.icon = versionsIcon;
    this.title.caption = 'Versions';
  }

  get model(): VersionsModel {
    return this._model;
  }

  protected render(): JSX.Element {
    return <VersionsView model={this._model} />;
  }

  private _model: VersionsModel;
}
