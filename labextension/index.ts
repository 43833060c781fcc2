import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { refreshIcon } from '@jupyterlab/ui-components';

import { VersionsPanel } from './components';
import { VersionsModel } from './model';

export { VersionsModel } from './model';
export * from './request';
export * from './types';

/** Command ids. */
export namespace CommandIDs {
  export const refresh = 'jupyter-mv:refresh';
}

/**
 * Follows the active notebook: the model's path is the active notebook's
 * path (null once the last notebook closes), and its versions are fetched
 * again when that notebook is saved or renamed.
 */
function followNotebooks(tracker: INotebookTracker, model: VersionsModel) {
  let context: DocumentRegistry.IContext<DocumentRegistry.IModel> | null =
    null;

  const onSaved = (
    _: unknown,
    state: DocumentRegistry.SaveState
  ): void => {
    if (state === 'completed') {
      void model.refresh();
    }
  };
  const onRenamed = (_: unknown, path: string): void => {
    model.path = path;
  };

  const follow = (panel: NotebookPanel | null): void => {
    if (context) {
      context.saveState.disconnect(onSaved);
      context.pathChanged.disconnect(onRenamed);
    }
    context = panel ? panel.context : null;
    if (context) {
      context.saveState.connect(onSaved);
      context.pathChanged.connect(onRenamed);
    }
    model.path = context ? context.path : null;
  };

  tracker.currentChanged.connect((_, panel) => follow(panel));
  follow(tracker.currentWidget);
}

const sidebar: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mv:sidebar',
  description: "Lists the active notebook's versions in the left sidebar.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const model = new VersionsModel();
    const panel = new VersionsPanel(model);
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Versions',
      caption: "Fetch the active notebook's versions again",
      icon: refreshIcon,
      isEnabled: () => model.path !== null,
      execute: () => model.refresh()
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.refresh, category: 'Versions' });
    }

    followNotebooks(tracker, model);
  }
};

export default [sidebar];
