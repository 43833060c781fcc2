import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { askRemote, askText, confirmRestore, pickRemote } from './components';
import { size } from './diff/dom';
import { VersionsModel } from './model';
import {
  addRemote,
  aliasVersion,
  messageOf,
  MVRequestError,
  recordSave,
  removeRemote,
  runTask,
  tagVersion
} from './request';
import { IRemote, ISnapshotResult, ITaskProgress, IVersion } from './types';

/** Settings the actions follow (from the settings registry). */
export interface IActionSettings {
  saveHistory: boolean;
  saveHistoryRetentionDays: number;
  askKernel: boolean;
}

/**
 * What the sidebar, the commands and the toolbar button do: each saves the
 * notebook where it must, calls the API, waits for the work, refreshes the
 * timeline and tells the user how it went.
 */
export class Actions {
  constructor(
    readonly model: VersionsModel,
    readonly tracker: INotebookTracker,
    readonly settings: () => IActionSettings,
    readonly docManager: IDocumentManager | null = null
  ) {}

  /** The open notebook panel of `path`, if any. */
  panelOf(path: string): NotebookPanel | null {
    return this.tracker.find(panel => panel.context.path === path) ?? null;
  }

  /**
   * Save the notebook (so the version holds what the user sees), then store
   * a version of it with what its kernel knows.
   *
   * @param options.metrics metrics to store on it: `acc=0.91 loss=0.3`
   * @param options.onRefused told why, when the server refuses what was asked
   *   (a bad metric: the message names it); else a notification says so
   * @returns the new version, or null when it failed (the user was told)
   */
  async snapshot(
    path: string,
    message: string,
    options: { metrics?: string; onRefused?: (message: string) => void } = {}
  ): Promise<IVersion | null> {
    const panel = this.panelOf(path);
    const name = PathExt.basename(path);
    return this._busyWork(
      'Snapshot',
      `Snapshot of ${name} failed`,
      async () => {
        if (panel) {
          this.model.busy = { label: `Saving ${name}`, progress: null };
          await this.saveQuietly(panel);
          this.model.busy = { label: 'Snapshot', progress: null };
        }
        let result: ISnapshotResult;
        try {
          result = await runTask(
            'snapshot',
            path,
            {
              message,
              metrics: options.metrics || undefined,
              kernel: this.settings().askKernel
            },
            this._progress('Snapshot')
          );
        } catch (reason) {
          if (
            reason instanceof MVRequestError &&
            reason.status === 400 &&
            options.onRefused
          ) {
            options.onRefused(reason.message);
            return null;
          }
          throw reason;
        }
        Notification.success(
          `${name}: ${result.version.name} stored` +
            (message ? ` (${message})` : ''),
          { autoClose: 4000 }
        );
        for (const warning of result.warnings) {
          Notification.warning(`${name}: ${warning}`, { autoClose: 10000 });
        }
        return result.version;
      },
      // A snapshot adds a version and changes none: only the new one is fetched.
      true
    );
  }

  /** Ask for a tag name, then tag the version. */
  async tag(path: string, version: IVersion): Promise<void> {
    const name = await askText(
      `Tag ${version.name}`,
      'A name that never moves (letters, digits, _ . - + /)',
      'baseline'
    );
    if (name !== null) {
      await this._named(path, () => tagVersion(path, version.id, name), {
        done: `${version.name} tagged ${name}`,
        failed: `Could not tag ${version.name}`
      });
    }
  }

  /** Ask for an alias name, then point it at the version. */
  async alias(path: string, version: IVersion): Promise<void> {
    const name = await askText(
      `Set an alias on ${version.name}`,
      'A movable name; it leaves the version it named before',
      'production'
    );
    if (name !== null) {
      await this._named(path, () => aliasVersion(path, version.id, name), {
        done: `@${name} now names ${version.name}`,
        failed: `Could not set @${name}`
      });
    }
  }

  /**
   * Restore a version in place: after a confirmation, save the open
   * notebook (so a safety version keeps even unsaved edits), write the
   * version back, and show it in the open notebook.
   */
  async restoreInPlace(path: string, version: IVersion): Promise<void> {
    const name = PathExt.basename(path);
    const others = version.files.filter(f => f.role !== 'notebook' && f.stored);
    const answer = await confirmRestore(version, name, others.length);
    if (answer === null) {
      return;
    }
    const panel = this.panelOf(path);
    const label = `Restoring ${version.name}`;
    await this._busyWork(label, `${label} failed`, async () => {
      if (panel && panel.context.model.dirty) {
        await this.saveQuietly(panel);
      }
      const result = await runTask(
        'restore',
        path,
        { ref: version.id, files: answer.files },
        this._progress(label)
      );
      if (this.model.path === path) {
        // The core records the version the notebook now is; the next one follows it.
        this.model.current = result.current;
      }
      if (panel) {
        await panel.context.revert();
      }
      const kept = result.safety
        ? ` The state before is kept as ${result.safety.name}.`
        : '';
      Notification.success(`${name} is ${version.name} again.${kept}`, {
        autoClose: 6000
      });
    });
  }

  /** Restore a version's notebook to a new notebook, and open it. */
  async restoreToNew(path: string, version: IVersion): Promise<void> {
    const folder = PathExt.dirname(path);
    const stem = PathExt.basename(path, '.ipynb');
    const suggested = `${stem}-${version.name}.ipynb`;
    const chosen = await askText(
      `Restore ${version.name} to a new notebook`,
      `A new notebook in ${folder || 'the root folder'}`,
      suggested,
      suggested
    );
    if (chosen === null) {
      return;
    }
    const target = PathExt.join(
      folder,
      chosen.endsWith('.ipynb') ? chosen : `${chosen}.ipynb`
    );
    const label = `Restoring ${version.name}`;
    await this._busyWork(label, `${label} failed`, async () => {
      const result = await runTask(
        'restore',
        path,
        { ref: version.id, to: target },
        this._progress(label)
      );
      if (this.docManager) {
        this.docManager.openOrReveal(result.path);
      }
      Notification.success(`${version.name} written to ${result.path}`, {
        autoClose: 5000
      });
    });
  }

  /**
   * Ask for a remote's name and URL, then add it to the notebook's project.
   *
   * @returns the remote added, or null when cancelled or refused (the user
   *   was told)
   */
  async addRemote(path: string): Promise<IRemote | null> {
    let name = this.model.remotes.length === 0 ? 'origin' : '';
    let url = '';
    let error: string | null = null;
    try {
      // A refused remote asks again, with what was typed and the whole reason.
      for (;;) {
        const answer = await askRemote(name, url, error);
        if (answer === null) {
          return null;
        }
        ({ name, url } = answer);
        try {
          const remote = await addRemote(path, name, url);
          Notification.success(`Remote ${remote.name} added`, {
            autoClose: 3000
          });
          return remote;
        } catch (reason) {
          error = `Could not add the remote: ${messageOf(reason)}`;
        }
      }
    } finally {
      await this.model.refreshIfShown(path);
    }
  }

  /** Pick one of the project's remotes, then forget it. */
  async removeRemote(path: string): Promise<void> {
    const remote = await this._pickRemote('Remove a remote', 'Remove', true);
    if (remote === null) {
      return;
    }
    try {
      await removeRemote(path, remote);
      Notification.success(
        `Remote ${remote} removed (what it holds stays there)`,
        { autoClose: 4000 }
      );
    } catch (reason) {
      Notification.error(`Could not remove ${remote}: ${messageOf(reason)}`, {
        autoClose: false
      });
    }
    await this.model.refreshIfShown(path);
  }

  /**
   * Push the project's versions (or `refs`, versions of the notebook) to a
   * remote: the one given, else the only one, else one the user picks; with
   * no remote yet, the user adds one first. A refused alias move may be
   * forced after a confirmation.
   */
  async push(path: string, refs?: string[], remote?: string): Promise<void> {
    const chosen = remote ?? (await this._remoteFor(path, 'Push to'));
    if (chosen === null) {
      return;
    }
    const label = `Pushing to ${chosen}`;
    const run = async (force: boolean): Promise<void> => {
      const result = await runTask(
        'push',
        path,
        { remote: chosen, refs, force },
        this._progress(label)
      );
      Notification.success(
        result.versions === 0
          ? `${chosen} already has every version`
          : `${plural(result.versions, 'version')} pushed to ${chosen} ` +
              `(${size(result.bytes)})`,
        { autoClose: 5000 }
      );
    };
    const conflict = await this._busyWork(
      label,
      `Push to ${chosen} failed`,
      async () => {
        try {
          await run(false);
          return null;
        } catch (reason) {
          if (reason instanceof MVRequestError && reason.code === 'conflict') {
            return reason;
          }
          throw reason;
        }
      }
    );
    if (conflict === null) {
      return;
    }
    const answer = await showDialog({
      title: `${chosen} refused the push`,
      body:
        `${conflict.message}. A tag never moves; an alias that someone ` +
        `moved on ${chosen} since your last pull can be moved back by ` +
        'pushing anyway.',
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: 'Push anyway', ariaLabel: 'Push anyway' })
      ],
      defaultButton: 0
    });
    if (answer.button.accept) {
      await this._busyWork(label, `Push to ${chosen} failed`, () => run(true));
    }
  }

  /**
   * Pull into the project the versions a remote holds that it lacks (their
   * bytes come when a restore or a comparison needs them).
   */
  async pull(path: string, remote?: string): Promise<void> {
    const chosen = remote ?? (await this._remoteFor(path, 'Pull from'));
    if (chosen === null) {
      return;
    }
    const label = `Pulling from ${chosen}`;
    await this._busyWork(label, `Pull from ${chosen} failed`, async () => {
      const result = await runTask(
        'pull',
        path,
        { remote: chosen },
        this._progress(label)
      );
      Notification.success(
        result.versions === 0
          ? `Nothing new on ${chosen}`
          : `${plural(result.versions, 'new version')} from ${chosen}`,
        { autoClose: 5000 }
      );
      for (const conflict of result.conflicts ?? []) {
        Notification.warning(conflict, { autoClose: 10000 });
      }
    });
  }

  /**
   * The remote a push or pull uses: the only one; one the user picks among
   * several (the default first); with none, one the user adds now.
   */
  private async _remoteFor(path: string, verb: string): Promise<string | null> {
    await this.model.refreshIfShown(path);
    const remotes = this.model.remotes;
    if (remotes.length === 0) {
      const added = await this.addRemote(path);
      return added ? added.name : null;
    }
    if (remotes.length === 1) {
      return remotes[0].name;
    }
    return this._pickRemote(`${verb} which remote?`, verb.split(' ')[0]);
  }

  /** Ask which of the project's remotes; null when cancelled or none. */
  private async _pickRemote(
    title: string,
    action: string,
    warn = false
  ): Promise<string | null> {
    const remotes = this.model.remotes;
    if (remotes.length === 0) {
      Notification.info('This project has no remote.', { autoClose: 3000 });
      return null;
    }
    return pickRemote(title, action, remotes, this.model.defaultRemote, warn);
  }

  /**
   * After a save: keep a light version when save history is on (not for the
   * save a snapshot makes), then refresh the timeline.
   */
  async saved(path: string): Promise<void> {
    const settings = this.settings();
    if (settings.saveHistory && !this._quiet.has(path)) {
      try {
        await recordSave(path, settings.saveHistoryRetentionDays);
      } catch (reason) {
        console.warn(`jupyter-mv: the save of ${path} was not kept`, reason);
      }
    }
    await this.model.refreshIfShown(path);
  }

  /** Save a notebook without keeping the save as a light version. */
  async saveQuietly(panel: NotebookPanel): Promise<void> {
    const path = panel.context.path;
    this._quiet.add(path);
    try {
      await panel.context.save();
    } finally {
      this._quiet.delete(path);
    }
  }

  /**
   * Run long work with the sidebar showing `label` and its progress; tell the
   * user when it fails; refresh the timeline after.
   *
   * @returns what the work returned, or null when it failed
   */
  private async _busyWork<T>(
    label: string,
    failed: string,
    work: () => Promise<T>,
    newOnly = false
  ): Promise<T | null> {
    const path = this.model.path;
    this.model.busy = { label, progress: null };
    try {
      return await work();
    } catch (reason) {
      Notification.error(`${failed}: ${messageOf(reason)}`, {
        autoClose: false
      });
      return null;
    } finally {
      this.model.busy = null;
      await this.model.refreshIfShown(path, newOnly);
    }
  }

  /** Shows a task's progress in the sidebar. */
  private _progress(label: string): (progress: ITaskProgress) => void {
    return progress => {
      this.model.busy = { label, progress };
    };
  }

  private async _named(
    path: string,
    call: () => Promise<IVersion>,
    text: { done: string; failed: string }
  ): Promise<void> {
    try {
      await call();
      Notification.success(text.done, { autoClose: 3000 });
    } catch (reason) {
      Notification.error(`${text.failed}: ${messageOf(reason)}`, {
        autoClose: false
      });
    }
    await this.model.refreshIfShown(path);
  }

  private _quiet = new Set<string>();
}

/** `n thing` or `n things`. */
function plural(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}
