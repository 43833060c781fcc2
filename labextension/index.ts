import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IThemeManager } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Menu } from '@lumino/widgets';

import { Actions, IActionSettings } from './actions';
import { answerKernelRequests } from './comm';
import { askMessage, showReproduce, VersionsPanel } from './components';
import { createDiffPanel, IDiffSide } from './diff/DiffView';
import {
  compareIcon,
  pullIcon,
  pushIcon,
  snapshotIcon,
  versionsIcon
} from './icons';
import { VersionsModel } from './model';
import { createReadOnlyPanel } from './readonly';
import { ReportPanel } from './report';
import { runTask } from './request';
import { IVersion } from './types';

export { VersionsModel } from './model';
export * from './request';
export * from './types';
export * from './diff-types';

const PLUGIN_ID = 'jupyter-mv:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const snapshot = 'jupyter-mv:snapshot';
  export const showVersions = 'jupyter-mv:show-versions';
  export const refresh = 'jupyter-mv:refresh';
  export const compareSelected = 'jupyter-mv:compare-selected';
  export const comparePrevious = 'jupyter-mv:compare-previous';
  export const compareDisk = 'jupyter-mv:compare-disk';
  export const tag = 'jupyter-mv:tag';
  export const alias = 'jupyter-mv:alias';
  export const restore = 'jupyter-mv:restore';
  export const restoreToNew = 'jupyter-mv:restore-to-new';
  export const report = 'jupyter-mv:report';
  export const reproduce = 'jupyter-mv:reproduce';
  export const openReadOnly = 'jupyter-mv:open-read-only';
  export const push = 'jupyter-mv:push';
  export const pull = 'jupyter-mv:pull';
  export const pushVersion = 'jupyter-mv:push-version';
  export const addRemote = 'jupyter-mv:add-remote';
  export const removeRemote = 'jupyter-mv:remove-remote';
}

/** The settings of the plugin (schema/plugin.json), with their defaults. */
interface ISettings extends IActionSettings {
  pageSize: number;
  metricsShown: number;
}

const DEFAULTS: ISettings = {
  saveHistory: true,
  saveHistoryRetentionDays: 30,
  askKernel: true,
  pageSize: 50,
  metricsShown: 3
};

/**
 * Follows the active notebook: the model's path is the active notebook's
 * path (null once the last notebook closes), kept through renames.
 */
function followNotebooks(
  tracker: INotebookTracker,
  model: VersionsModel
): void {
  let context: DocumentRegistry.IContext<DocumentRegistry.IModel> | null = null;
  const onRenamed = (_: unknown, path: string): void => {
    model.path = path;
  };
  const follow = (panel: NotebookPanel | null): void => {
    if (context) {
      context.pathChanged.disconnect(onRenamed);
    }
    context = panel ? panel.context : null;
    if (context) {
      context.pathChanged.connect(onRenamed);
    }
    model.path = context ? context.path : null;
  };
  tracker.currentChanged.connect((_, panel) => follow(panel));
  follow(tracker.currentWidget);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Versions of notebooks: a timeline in the left sidebar, snapshots, tags, ' +
    'comparisons, restores, save history, provenance reports, and push and ' +
    'pull to team remotes.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    IDocumentManager,
    IThemeManager
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    docManager: IDocumentManager | null,
    themes: IThemeManager | null
  ): void => {
    let settings: ISettings = { ...DEFAULTS };
    const model = new VersionsModel({ pageSize: settings.pageSize });
    const actions = new Actions(model, tracker, () => settings, docManager);
    const { commands } = app;

    /** The version a command acts on: its `id` argument, else the selection. */
    const target = (args: ReadonlyPartialJSONObject): IVersion | undefined => {
      const id =
        typeof args.id === 'string'
          ? args.id
          : model.selection[model.selection.length - 1];
      return id ? model.find(id) : undefined;
    };
    const notebookPath = (args: ReadonlyPartialJSONObject): string | null =>
      typeof args.path === 'string'
        ? args.path
        : (tracker.currentWidget?.context.path ?? null);

    const openDiff = (a: IDiffSide, b: IDiffSide): void => {
      const path = model.path;
      if (path === null) {
        return;
      }
      const panel = createDiffPanel({ path, a, b, rendermime });
      app.shell.add(panel, 'main');
      app.shell.activateById(panel.id);
    };

    const menu = new Menu({ commands });
    menu.addClass('jp-mv-VersionMenu');
    const menuItems: (string | null)[] = [
      CommandIDs.openReadOnly,
      null,
      CommandIDs.comparePrevious,
      CommandIDs.compareDisk,
      CommandIDs.compareSelected,
      null,
      CommandIDs.tag,
      CommandIDs.alias,
      null,
      CommandIDs.restore,
      CommandIDs.restoreToNew,
      null,
      CommandIDs.pushVersion,
      CommandIDs.report,
      CommandIDs.reproduce
    ];

    const panel = new VersionsPanel({
      model,
      metricsShown: () => settings.metricsShown,
      onSnapshot: async ({ message, metrics }) => {
        if (!model.path) {
          return { stored: false };
        }
        let error: string | undefined;
        const version = await actions.snapshot(model.path, message, {
          metrics,
          onRefused: reason => (error = reason)
        });
        return { stored: version !== null, error };
      },
      onCompare: () => void commands.execute(CommandIDs.compareSelected),
      onPush: () => void commands.execute(CommandIDs.push),
      onPull: () => void commands.execute(CommandIDs.pull),
      onAddRemote: () => void commands.execute(CommandIDs.addRemote),
      onOpenPath: path => {
        if (docManager) {
          docManager.openOrReveal(path);
        }
      },
      onSelect: (version, extend) => model.select(version.id, extend),
      onOpen: version =>
        void commands.execute(CommandIDs.comparePrevious, { id: version.id }),
      onMenu: (version, x, y) => {
        menu.clearItems();
        for (const command of menuItems) {
          if (command === null) {
            menu.addItem({ type: 'separator' });
          } else {
            menu.addItem({ command, args: { id: version.id } });
          }
        }
        menu.open(x, y);
      }
    });
    panel.showModels({
      onReport: (id, modelRef) =>
        void commands.execute(CommandIDs.report, { id, model: modelRef }),
      onCompareModels: (a, b) => {
        const path = model.path;
        if (path !== null) {
          const diff = createDiffPanel({
            path,
            a: { ref: null, name: a },
            b: { ref: null, name: b },
            rendermime,
            models: { a, b }
          });
          app.shell.add(diff, 'main');
          app.shell.activateById(diff.id);
        }
      },
      onInsertCell: text => {
        const notebook = model.path ? actions.panelOf(model.path) : null;
        if (!notebook) {
          return false;
        }
        NotebookActions.insertBelow(notebook.content);
        const cell = notebook.content.activeCell;
        cell?.model.sharedModel.setSource(text);
        app.shell.activateById(notebook.id);
        return true;
      }
    });
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    commands.addCommand(CommandIDs.snapshot, {
      label: args => (args.isPalette ? 'Snapshot Notebook…' : 'Snapshot'),
      caption:
        'Save the notebook and store a version of it with its data, environment and metrics',
      icon: args => (args.isPalette ? undefined : snapshotIcon),
      isEnabled: () => notebookPath({}) !== null,
      execute: async args => {
        const path = notebookPath(args);
        if (path === null) {
          return null;
        }
        let message = typeof args.message === 'string' ? args.message : null;
        if (message === null) {
          message = await askMessage(PathExt.basename(path));
          if (message === null) {
            return null;
          }
        }
        return actions.snapshot(path, message);
      }
    });
    commands.addCommand(CommandIDs.showVersions, {
      label: 'Show Versions',
      caption: "Open the sidebar with the active notebook's versions",
      icon: args => (args.isPalette ? undefined : versionsIcon),
      execute: () => app.shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Versions',
      caption: "Fetch the active notebook's versions again",
      icon: args => (args.isPalette ? undefined : refreshIcon),
      isEnabled: () => model.path !== null,
      execute: () => model.refresh()
    });
    commands.addCommand(CommandIDs.compareSelected, {
      label: () => {
        const chosen = model.selection
          .map(id => model.find(id))
          .filter(Boolean) as IVersion[];
        return chosen.length === 2
          ? `Compare ${chosen[0].name} and ${chosen[1].name}`
          : 'Compare Two Selected Versions';
      },
      caption: 'Open a tab with the differences of the two selected versions',
      icon: args => (args.isPalette ? undefined : compareIcon),
      isEnabled: () => model.selection.length === 2,
      execute: () => {
        const chosen = model.selection
          .map(id => model.find(id))
          .filter(Boolean) as IVersion[];
        if (chosen.length !== 2) {
          return;
        }
        chosen.sort((x, y) => x.created.localeCompare(y.created));
        openDiff(
          { ref: chosen[0].id, name: chosen[0].name },
          { ref: chosen[1].id, name: chosen[1].name }
        );
      }
    });
    commands.addCommand(CommandIDs.comparePrevious, {
      label: args => {
        const version = target(args);
        return version
          ? `Compare ${version.name} with the Version Before`
          : 'Compare with the Version Before';
      },
      isEnabled: args => !!target(args)?.parent,
      execute: args => {
        const version = target(args);
        if (!version || !version.parent) {
          return;
        }
        const before = model.find(version.parent);
        openDiff(
          { ref: version.parent, name: before?.name ?? 'before' },
          { ref: version.id, name: version.name }
        );
      }
    });
    commands.addCommand(CommandIDs.compareDisk, {
      label: args => {
        const version = target(args);
        return version
          ? `Compare ${version.name} with the Notebook Now`
          : 'Compare with the Notebook Now';
      },
      caption:
        'The differences between a version and the notebook as saved now',
      isEnabled: args => !!target(args),
      execute: args => {
        const version = target(args);
        if (version) {
          openDiff(
            { ref: version.id, name: version.name },
            { ref: null, name: 'now' }
          );
        }
      }
    });
    const versionCommand = (
      id: string,
      label: (name: string) => string,
      run: (
        path: string,
        version: IVersion,
        args: ReadonlyPartialJSONObject
      ) => Promise<void> | void
    ): void => {
      commands.addCommand(id, {
        label: args => label(target(args)?.name ?? 'Version'),
        isEnabled: args => model.path !== null && !!target(args),
        execute: async args => {
          const version = target(args);
          if (model.path !== null && version) {
            await run(model.path, version, args);
          }
        }
      });
    };
    versionCommand(
      CommandIDs.tag,
      name => `Tag ${name}…`,
      (path, v) => actions.tag(path, v)
    );
    versionCommand(
      CommandIDs.alias,
      name => `Set an Alias on ${name}…`,
      (path, v) => actions.alias(path, v)
    );
    versionCommand(
      CommandIDs.restore,
      name => `Restore ${name}…`,
      (path, v) => actions.restoreInPlace(path, v)
    );
    versionCommand(
      CommandIDs.restoreToNew,
      name => `Restore ${name} to a New Notebook…`,
      (path, v) => actions.restoreToNew(path, v)
    );
    versionCommand(
      CommandIDs.report,
      name => `Provenance Report of ${name}`,
      (path, version, args) => {
        const report = new ReportPanel({
          path,
          version,
          model: typeof args.model === 'string' ? args.model : undefined,
          theme: () =>
            themes && themes.theme
              ? themes.isLight(themes.theme)
                ? 'light'
                : 'dark'
              : 'auto'
        });
        app.shell.add(report, 'main');
        app.shell.activateById(report.id);
      }
    );
    versionCommand(
      CommandIDs.reproduce,
      name => `Reproduce ${name}…`,
      async (path, version) => {
        await showReproduce(version, onProgress =>
          runTask('reproduce', path, { ref: version.id }, onProgress)
        );
      }
    );

    versionCommand(
      CommandIDs.openReadOnly,
      name => `Open ${name} Read-Only`,
      (path, version) => {
        const id = `jupyter-mv-read-${version.id}`;
        const open = [...app.shell.widgets('main')].find(w => w.id === id);
        if (open) {
          app.shell.activateById(id);
          return;
        }
        const read = createReadOnlyPanel(path, version, rendermime);
        app.shell.add(read, 'main');
        app.shell.activateById(read.id);
      }
    );
    versionCommand(
      CommandIDs.pushVersion,
      name => `Push ${name} to a Remote`,
      (path, version) => actions.push(path, [version.id])
    );
    const remoteCommand = (
      id: string,
      options: { label: string; caption: string; icon?: typeof pushIcon },
      run: (path: string) => Promise<unknown>
    ): void => {
      commands.addCommand(id, {
        label: options.label,
        caption: options.caption,
        icon: args => (args.isPalette ? undefined : options.icon),
        isEnabled: () => model.path !== null && model.busy === null,
        execute: async () => {
          if (model.path !== null) {
            await run(model.path);
          }
        }
      });
    };
    remoteCommand(
      CommandIDs.push,
      {
        label: 'Push Versions to a Remote…',
        caption: "Send a remote the project's versions it lacks",
        icon: pushIcon
      },
      path => actions.push(path)
    );
    remoteCommand(
      CommandIDs.pull,
      {
        label: 'Pull Versions from a Remote…',
        caption: 'Bring in the versions a remote holds that the project lacks',
        icon: pullIcon
      },
      path => actions.pull(path)
    );
    remoteCommand(
      CommandIDs.addRemote,
      {
        label: 'Add a Remote…',
        caption:
          'A shared folder, an S3 bucket or an SFTP server to push versions to'
      },
      path => actions.addRemote(path)
    );
    remoteCommand(
      CommandIDs.removeRemote,
      {
        label: 'Remove a Remote…',
        caption: 'Forget a remote (what it holds stays there)'
      },
      path => actions.removeRemote(path)
    );

    if (palette) {
      for (const command of [
        CommandIDs.snapshot,
        CommandIDs.showVersions,
        CommandIDs.refresh,
        CommandIDs.compareSelected,
        CommandIDs.openReadOnly,
        CommandIDs.comparePrevious,
        CommandIDs.compareDisk,
        CommandIDs.tag,
        CommandIDs.alias,
        CommandIDs.restore,
        CommandIDs.restoreToNew,
        CommandIDs.pushVersion,
        CommandIDs.report,
        CommandIDs.reproduce,
        CommandIDs.push,
        CommandIDs.pull,
        CommandIDs.addRemote,
        CommandIDs.removeRemote
      ]) {
        palette.addItem({
          command,
          category: 'Versions',
          args: { isPalette: true }
        });
      }
    }

    tracker.widgetAdded.connect((_, notebook) => {
      notebook.context.saveState.connect((context, state) => {
        if (state === 'completed') {
          void actions.saved(context.path);
        }
      });
      answerKernelRequests(notebook, {
        save: async nb => actions.saveQuietly(nb),
        refresh: nb => model.refreshIfShown(nb.context.path)
      });
    });
    followNotebooks(tracker, model);

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const update = (): void => {
            settings = {
              ...DEFAULTS,
              ...(loaded.composite as Partial<ISettings>)
            };
            model.pageSize = settings.pageSize;
          };
          update();
          loaded.changed.connect(update);
          void model.refresh();
        })
        .catch(reason =>
          console.error('jupyter-mv: could not load settings', reason)
        );
    }
  }
};

export default [plugin];
