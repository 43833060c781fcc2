import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { versionsIcon } from '../icons';
import { VersionsModel } from '../model';
import { IMetricsAndModelsProps, MetricsAndModels } from './ModelsView';
import { IVersionsViewProps, VersionsView } from './VersionsView';

/** The left-area panel with the active notebook's versions. */
export class VersionsPanel extends ReactWidget {
  constructor(props: IVersionsViewProps) {
    super();
    this._props = props;
    this.id = 'jupyter-mv-versions';
    this.addClass('jp-mv-VersionsPanel');
    this.title.icon = versionsIcon;
    this.title.caption = 'Versions';
  }

  /** Show the metric chart and the Models section below the versions. */
  showModels(props: Omit<IMetricsAndModelsProps, 'model'>): void {
    this._models = props;
    this.update();
  }

  get model(): VersionsModel {
    return this._props.model;
  }

  protected render(): JSX.Element {
    return (
      <>
        <VersionsView {...this._props} />
        {this._models && (
          <MetricsAndModels model={this._props.model} {...this._models} />
        )}
      </>
    );
  }

  private _props: IVersionsViewProps;
  private _models: Omit<IMetricsAndModelsProps, 'model'> | null = null;
}
