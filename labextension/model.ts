import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IListOptions,
  listRemotes,
  listSaves,
  listVersions,
  messageOf
} from './request';
import { IRemote, ITaskProgress, IVersion, IVersionList } from './types';

/** Where the model is in fetching the versions of its notebook. */
export type VersionsStatus = 'idle' | 'loading' | 'ready' | 'error';

/** How the model fetches a notebook's versions (the REST API by default). */
export type FetchVersions = (
  path: string,
  options: IListOptions
) => Promise<IVersionList>;

/** How the model fetches the saves after a version (the REST API by default). */
export type FetchSaves = (path: string, base: number) => Promise<IVersion[]>;

/** How the model fetches the remotes of its notebook's project. */
export type FetchRemotes = (path: string) => Promise<IRemote[]>;

/** Long work the sidebar waits for (a snapshot, a restore, a push, a pull). */
export interface IBusy {
  /** What runs, for people: "Snapshot", "Restoring v2". */
  label: string;
  progress: ITaskProgress | null;
}

/**
 * State of the sidebar: the notebook it follows, that notebook's versions
 * (loaded a page at a time), the saves folded between them, the versions
 * selected for a comparison, the remotes of its project, and the work in
 * progress.
 *
 * Views listen to `stateChanged` and read the getters; they never fetch.
 */
export class VersionsModel implements IDisposable {
  constructor(options: VersionsModel.IOptions = {}) {
    this._fetch = options.fetchVersions ?? listVersions;
    this._fetchSaves = options.fetchSaves ?? listSaves;
    this._fetchRemotes = options.fetchRemotes ?? listRemotes;
    this._pageSize = options.pageSize ?? 50;
  }

  /** Emitted whenever any of the getters may answer differently. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** Path of the followed notebook, relative to the server root, or null. */
  get path(): string | null {
    return this._path;
  }

  set path(value: string | null) {
    if (value === this._path) {
      return;
    }
    this._path = value;
    this._versions = [];
    this._total = 0;
    this._saves = {};
    this._remotes = [];
    this._expanded.clear();
    this._selection = [];
    this._error = null;
    this._status = 'idle';
    this._stateChanged.emit();
    void this.refresh();
  }

  /** The notebook's full and safety versions loaded so far, newest first. */
  get versions(): ReadonlyArray<IVersion> {
    return this._versions;
  }

  /** The remotes of the notebook's project (the default one flagged). */
  get remotes(): ReadonlyArray<IRemote> {
    return this._remotes;
  }

  /** The name of the remote push and pull use by default, or null. */
  get defaultRemote(): string | null {
    const chosen = this._remotes.find(r => r.default) ?? this._remotes[0];
    return chosen ? chosen.name : null;
  }

  /** Number of full and safety versions, including those not loaded. */
  get total(): number {
    return this._total;
  }

  /** Whether older versions remain to be loaded. */
  get hasMore(): boolean {
    return this._versions.length < this._total;
  }

  get status(): VersionsStatus {
    return this._status;
  }

  /** Message of the last failed fetch, or null. */
  get error(): string | null {
    return this._error;
  }

  /** How many versions a page holds. */
  get pageSize(): number {
    return this._pageSize;
  }

  set pageSize(value: number) {
    const size = Math.max(1, Math.floor(value));
    if (size === this._pageSize) {
      return;
    }
    this._pageSize = size;
    // Keep one page: a refresh then loads a page of the new size.
    this._versions = this._versions.slice(0, size);
    this._stateChanged.emit();
  }

  /** How many saves (light versions) follow version number `base`. */
  savesAfter(base: number): number {
    return this._saves[String(base)] ?? 0;
  }

  /** The saves after `base` when unfolded (newest first), else null. */
  expandedSaves(base: number): ReadonlyArray<IVersion> | null {
    const saves = this._expanded.get(base);
    return saves === undefined || saves === 'loading' ? null : saves;
  }

  /** Whether the saves after `base` are unfolded (or loading). */
  isExpanded(base: number): boolean {
    return this._expanded.has(base);
  }

  /** Unfold or fold the saves after version number `base`. */
  async toggleSaves(base: number): Promise<void> {
    if (this._expanded.has(base)) {
      this._expanded.delete(base);
      this._stateChanged.emit();
      return;
    }
    await this._loadSaves(base);
  }

  /** Ids of the versions selected (at most two, the latest last). */
  get selection(): ReadonlyArray<string> {
    return this._selection;
  }

  /**
   * Select a version: alone, or (`extend`) with the one selected before, so
   * that two versions can be compared.
   */
  select(id: string, extend = false): void {
    if (extend) {
      const others = this._selection.filter(other => other !== id);
      this._selection =
        others.length === this._selection.length
          ? [...others, id].slice(-2)
          : others;
    } else {
      this._selection = [id];
    }
    this._stateChanged.emit();
  }

  /** A loaded version (or unfolded save) by id. */
  find(id: string): IVersion | undefined {
    const found = this._versions.find(v => v.id === id);
    if (found) {
      return found;
    }
    for (const saves of this._expanded.values()) {
      if (saves !== 'loading') {
        const save = saves.find(v => v.id === id);
        if (save) {
          return save;
        }
      }
    }
    return undefined;
  }

  /**
   * The version before `version` in the timeline (a save's is the save or
   * version it followed), or undefined when it is not loaded.
   */
  previous(version: IVersion): IVersion | undefined {
    return this.find(version.parent ?? '') ?? undefined;
  }

  /** Work in progress, or null. */
  get busy(): IBusy | null {
    return this._busy;
  }

  set busy(value: IBusy | null) {
    this._busy = value;
    this._stateChanged.emit();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Fetch the versions of the followed notebook again (as many as are
   * loaded, at least a page), and the unfolded saves.
   *
   * Answers that arrive after a newer request was made are dropped.
   */
  async refresh(): Promise<void> {
    const path = this._path;
    const request = ++this._request;
    if (path === null || this._isDisposed) {
      return;
    }
    this._status = 'loading';
    this._stateChanged.emit();
    try {
      const limit = Math.min(
        1000,
        Math.max(this._pageSize, this._versions.length)
      );
      const [result, remotes] = await Promise.all([
        this._fetch(path, { limit }),
        // The timeline still shows when the remotes cannot be listed.
        this._fetchRemotes(path).catch(reason => {
          console.warn(
            `jupyter-mv: the remotes of ${path} are unknown`,
            reason
          );
          return [] as IRemote[];
        })
      ]);
      if (request !== this._request || this._isDisposed) {
        return;
      }
      this._remotes = remotes;
      this._versions = result.versions;
      this._total = result.total;
      this._saves = result.saves ?? {};
      this._error = null;
      this._status = 'ready';
      const known = new Set(this._versions.map(v => v.id));
      this._selection = this._selection.filter(
        id => known.has(id) || this.find(id)
      );
      for (const base of [...this._expanded.keys()]) {
        if (this.savesAfter(base) === 0) {
          this._expanded.delete(base);
        } else {
          void this._loadSaves(base);
        }
      }
    } catch (reason) {
      if (request !== this._request || this._isDisposed) {
        return;
      }
      this._error = messageOf(reason);
      this._status = 'error';
    }
    this._stateChanged.emit();
  }

  /**
   * Fetch the versions again when `path` is the notebook the sidebar shows
   * (after work on that notebook: a snapshot, a save, a push); else nothing.
   */
  async refreshIfShown(path: string | null): Promise<void> {
    if (path === this._path) {
      await this.refresh();
    }
  }

  /** Load the next page of older versions. */
  async loadMore(): Promise<void> {
    const path = this._path;
    if (path === null || !this.hasMore || this._loadingMore) {
      return;
    }
    this._loadingMore = true;
    const request = this._request;
    try {
      const result = await this._fetch(path, {
        limit: this._pageSize,
        offset: this._versions.length
      });
      if (request !== this._request || path !== this._path) {
        return;
      }
      const known = new Set(this._versions.map(v => v.id));
      this._versions = [
        ...this._versions,
        ...result.versions.filter(v => !known.has(v.id))
      ];
      this._total = result.total;
      this._saves = result.saves ?? this._saves;
    } catch (reason) {
      this._error = messageOf(reason);
      this._status = 'error';
    } finally {
      this._loadingMore = false;
      this._stateChanged.emit();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private async _loadSaves(base: number): Promise<void> {
    const path = this._path;
    if (path === null) {
      return;
    }
    if (!this._expanded.has(base)) {
      this._expanded.set(base, 'loading');
      this._stateChanged.emit();
    }
    try {
      const saves = await this._fetchSaves(path, base);
      if (path === this._path && this._expanded.has(base)) {
        this._expanded.set(base, saves);
      }
    } catch (reason) {
      this._expanded.delete(base);
      this._error = messageOf(reason);
    }
    this._stateChanged.emit();
  }

  private _fetch: FetchVersions;
  private _fetchSaves: FetchSaves;
  private _fetchRemotes: FetchRemotes;
  private _remotes: IRemote[] = [];
  private _pageSize: number;
  private _path: string | null = null;
  private _versions: IVersion[] = [];
  private _total = 0;
  private _saves: Record<string, number> = {};
  private _expanded = new Map<number, IVersion[] | 'loading'>();
  private _selection: string[] = [];
  private _busy: IBusy | null = null;
  private _status: VersionsStatus = 'idle';
  private _error: string | null = null;
  private _request = 0;
  private _loadingMore = false;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
}

export namespace VersionsModel {
  export interface IOptions {
    /** Replaces the REST call, e.g. in tests. */
    fetchVersions?: FetchVersions;
    /** Replaces the REST call for the saves after a version. */
    fetchSaves?: FetchSaves;
    /** Replaces the REST call for the project's remotes. */
    fetchRemotes?: FetchRemotes;
    /** How many versions to load at a time. */
    pageSize?: number;
  }
}
