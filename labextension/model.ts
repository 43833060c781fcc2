import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IListOptions, listVersions } from './request';
import { IVersion, IVersionList } from './types';

/** Where the model is in fetching the versions of its notebook. */
export type VersionsStatus = 'idle' | 'loading' | 'ready' | 'error';

/** How the model fetches a notebook's versions (the REST API by default). */
export type FetchVersions = (
  path: string,
  options: IListOptions
) => Promise<IVersionList>;

/**
 * State of the sidebar: the notebook it follows and that notebook's versions.
 *
 * Views listen to `stateChanged` and read the getters; they never fetch.
 */
export class VersionsModel implements IDisposable {
  constructor(options: VersionsModel.IOptions = {}) {
    this._fetch = options.fetchVersions ?? listVersions;
    this._pageSize = options.pageSize ?? 100;
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
    this._error = null;
    this._status = 'idle';
    this._stateChanged.emit();
    void this.refresh();
  }

  /** The notebook's versions, newest first (at most one page). */
  get versions(): ReadonlyArray<IVersion> {
    return this._versions;
  }

  /** Number of versions of the notebook, including those not loaded. */
  get total(): number {
    return this._total;
  }

  get status(): VersionsStatus {
    return this._status;
  }

  /** Message of the last failed fetch, or null. */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Fetch the versions of the followed notebook again.
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
      const result = await this._fetch(path, { limit: this._pageSize });
      if (request !== this._request || this._isDisposed) {
        return;
      }
      this._versions = result.versions;
      this._total = result.total;
      this._error = null;
      this._status = 'ready';
    } catch (reason) {
      if (request !== this._request || this._isDisposed) {
        return;
      }
      this._error = reason instanceof Error ? reason.message : String(reason);
      this._status = 'error';
    }
    this._stateChanged.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _fetch: FetchVersions;
  private _pageSize: number;
  private _path: string | null = null;
  private _versions: IVersion[] = [];
  private _total = 0;
  private _status: VersionsStatus = 'idle';
  private _error: string | null = null;
  private _request = 0;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
}

export namespace VersionsModel {
  export interface IOptions {
    /** Replaces the REST call, e.g. in tests. */
    fetchVersions?: FetchVersions;
    /** How many versions to load at most. */
    pageSize?: number;
  }
}
