import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IListOptions,
  listRemotes,
  listSaves,
  listVersions,
  messageOf,
  MVRequestError
} from './request';
import {
  IGraphRow,
  IRemote,
  ITaskProgress,
  IVersion,
  IVersionList,
  IVersionOrigin
} from './types';

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
 * (the rows of a long list, each page fetched when it comes into view), the
 * filter they are listed through, the lineage graph, the version the
 * notebook now is, the saves folded between them, the versions selected for
 * a comparison, the remotes of its project, and the work in progress.
 *
 * Views listen to `stateChanged` and read the getters; they never fetch. A
 * row that did not change keeps its object, so a view can skip it.
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

  /** Emitted with the row index a jump or a key moved to (to scroll it into view). */
  get focusRequested(): ISignal<this, number> {
    return this._focusRequested;
  }

  /** Path of the followed notebook, relative to the server root, or null. */
  get path(): string | null {
    return this._path;
  }

  set path(value: string | null) {
    if (value === this._path) {
      return;
    }
    this._keepShown();
    this._path = value;
    this._filter = '';
    this._filterError = null;
    this._reset();
    this._remotes = [];
    this._selection = [];
    this._error = null;
    this._status = 'idle';
    // A notebook shown lately shows its rows at once; the refresh then
    // brings what changed meanwhile.
    const kept = value === null ? undefined : this._shown.get(value);
    if (kept) {
      this._shown.delete(value!);
      this._rows = kept.rows;
      this._byId = kept.byId;
      this._graph = kept.graph;
      this._lanes = kept.lanes;
      this._total = kept.total;
      this._saves = kept.saves;
      this._current = kept.current;
      this._origin = kept.origin;
      this._remotes = kept.remotes;
      this._status = 'ready';
    }
    this._stateChanged.emit();
    void this.refresh();
  }

  /** The filter the versions are listed through (`acc>0.9 tag:best`), '' for none. */
  get filter(): string {
    return this._filter;
  }

  /** Why the server refused the filter, or null. */
  get filterError(): string | null {
    return this._filterError;
  }

  /** List the versions through `text` (the grammar of `jupyter mv log --where`). */
  async setFilter(text: string): Promise<void> {
    const filter = text.trim();
    if (filter === this._filter && this._filterError === null) {
      return;
    }
    this._filter = filter;
    this._reset();
    this._stateChanged.emit();
    await this.refresh();
  }

  /** The versions loaded so far, in list order (newest first). */
  get versions(): ReadonlyArray<IVersion> {
    return this._rows.filter((v): v is IVersion => v !== undefined);
  }

  /**
   * The rows, loaded or not (undefined); a new array whenever any row
   * changed, the same one otherwise (a view can memoize on it).
   */
  get rows(): ReadonlyArray<IVersion | undefined> {
    return this._rows;
  }

  /** The version at row `index`, or undefined while its page is not loaded. */
  rowAt(index: number): IVersion | undefined {
    return this._rows[index];
  }

  /** The lineage graph row of a version (unfiltered listings only). */
  graphOf(id: string): IGraphRow | undefined {
    return this._graph.get(id);
  }

  /** How many lanes the lineage graph spans (0: no graph shown). */
  get lanes(): number {
    return this._filter || this._graph.size === 0 ? 0 : this._lanes;
  }

  /** The id of the version the notebook on disk is now, or null. */
  get current(): string | null {
    return this._current;
  }

  /** Mark the version the notebook now is (a restore answers it). */
  set current(id: string | null) {
    if (id !== this._current) {
      this._current = id;
      this._stateChanged.emit();
    }
  }

  /** For a notebook with no versions: the version it is a copy of. */
  get origin(): IVersionOrigin | null {
    return this._origin;
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

  /** Number of versions listed (through the filter), loaded or not. */
  get total(): number {
    return this._total;
  }

  /** Whether rows remain to be loaded. */
  get hasMore(): boolean {
    return this.versions.length < this._total;
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
    this._pages.clear();
    this._stateChanged.emit();
  }

  /** The row that keys move from (and enter opens), or -1. */
  get focused(): number {
    return this._focused;
  }

  /**
   * Move the keyboard focus to row `index` (kept inside the list), load its
   * page, and ask the view to scroll it into view.
   */
  focus(index: number): void {
    if (this._total === 0) {
      return;
    }
    const row = Math.max(0, Math.min(this._total - 1, index));
    this._focused = row;
    void this.ensureRows(row, row + 1);
    this._focusRequested.emit(row);
    this._stateChanged.emit();
  }

  /**
   * Load the pages that hold rows `start` to `end` (excluded) when they are
   * not loaded or loading.
   */
  async ensureRows(start: number, end: number): Promise<void> {
    const path = this._path;
    if (path === null || this._isDisposed) {
      return;
    }
    const size = this._pageSize;
    const first = Math.floor(Math.max(0, start) / size);
    const last = Math.floor(Math.max(0, Math.min(end, this._total) - 1) / size);
    const waits: Promise<void>[] = [];
    for (let page = first; page <= last; page++) {
      const offset = page * size;
      let missing = false;
      for (let i = offset; i < Math.min(offset + size, this._total); i++) {
        if (this._rows[i] === undefined) {
          missing = true;
          break;
        }
      }
      if (missing && !this._pages.has(offset)) {
        waits.push(this._loadPage(path, offset, size));
      }
    }
    await Promise.all(waits);
  }

  /**
   * Jump to a version named by `ref` (`v12`, a tag, an alias): focus its row
   * (and select it).
   *
   * @returns false when the listing (through the filter) does not hold it
   * @throws MVRequestError when the ref names nothing
   */
  async jump(ref: string): Promise<boolean> {
    const path = this._path;
    if (path === null || !ref.trim()) {
      return false;
    }
    const request = this._request;
    const filter = this._filter;
    const size = this._pageSize;
    // One request: the place of the version and the page that holds it.
    const found = await this._fetch(path, {
      limit: size,
      find: ref.trim(),
      where: filter || undefined
    });
    if (
      request !== this._request ||
      path !== this._path ||
      filter !== this._filter
    ) {
      return false;
    }
    const index = found.index ?? null;
    if (index === null) {
      return false;
    }
    if (found.total === this._total && found.offset !== undefined) {
      this._place(found, found.offset);
    } else {
      await this.refresh();
      await this._loadPage(path, Math.floor(index / size) * size, size);
    }
    const version = this._rows[index];
    if (version) {
      this._selection = [version.id];
    }
    this.focus(index);
    return true;
  }

  /** How many saves (light versions) follow version number `base`. */
  savesAfter(base: number): number {
    return this._filter ? 0 : (this._saves[String(base)] ?? 0);
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
    const index = this._rows.findIndex(v => v?.id === id);
    if (index >= 0) {
      this._focused = index;
    }
    this._stateChanged.emit();
  }

  /** A loaded version (or unfolded save) by id. */
  find(id: string): IVersion | undefined {
    const found = this._byId.get(id);
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
   * Fetch the newest page again and fold it into the rows: new versions go
   * on top and the loaded rows below move down by as many; a row that did
   * not change keeps its object. When the head of the list no longer lines
   * up (versions were removed), the rows load again as they come into view.
   * With `newOnly` (after work that only adds versions: a snapshot), only the
   * versions after the loaded head are fetched.
   *
   * Answers that arrive after a newer request was made are dropped.
   */
  async refresh(newOnly = false): Promise<void> {
    const path = this._path;
    const request = ++this._request;
    if (path === null || this._isDisposed) {
      return;
    }
    this._status = 'loading';
    this._stateChanged.emit();
    const filter = this._filter;
    // After a snapshot (no version changed, one was added), with the head of
    // the list loaded, only the versions after it are sent.
    const since = newOnly ? this._rows[0]?.id : undefined;
    try {
      const [result, remotes] = await Promise.all([
        this._fetch(path, {
          limit: this._pageSize,
          where: filter || undefined,
          since
        }),
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
      this._remotes = sameRemotes(this._remotes, remotes)
        ? this._remotes
        : remotes;
      this._merge(result);
      this._saves = result.saves ?? {};
      this._current = result.current ?? null;
      this._origin = result.origin ?? null;
      this._error = null;
      this._filterError = null;
      this._status = 'ready';
      this._selection = this._selection.filter(id => this.find(id));
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
      if (filter && reason instanceof MVRequestError && reason.status === 400) {
        this._filterError = messageOf(reason);
        this._status = 'ready';
      } else {
        this._error = messageOf(reason);
        this._status = 'error';
      }
    }
    this._stateChanged.emit();
  }

  /**
   * Fetch the versions again when `path` is the notebook the sidebar shows
   * (after work on that notebook: a snapshot, a save, a push); else nothing.
   * `newOnly`: see `refresh`.
   */
  async refreshIfShown(path: string | null, newOnly = false): Promise<void> {
    if (path === this._path) {
      await this.refresh(newOnly);
    }
  }

  /** Load the next rows after those loaded from the top. */
  async loadMore(): Promise<void> {
    let next = 0;
    while (next < this._total && this._rows[next] !== undefined) {
      next++;
    }
    if (next < this._total) {
      await this.ensureRows(next, next + this._pageSize);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  /** Remember the unfiltered rows of the notebook shown, to show them again at once. */
  private _keepShown(): void {
    const path = this._path;
    if (path === null || this._filter || this._status !== 'ready') {
      return;
    }
    this._shown.delete(path);
    this._shown.set(path, {
      rows: this._rows,
      byId: this._byId,
      graph: this._graph,
      lanes: this._lanes,
      total: this._total,
      saves: this._saves,
      current: this._current,
      origin: this._origin,
      remotes: this._remotes
    });
    while (this._shown.size > SHOWN_KEPT) {
      this._shown.delete(this._shown.keys().next().value!);
    }
  }

  /** Forget the rows (a new notebook or filter). */
  private _reset(): void {
    this._rows = [];
    this._byId = new Map();
    this._graph = new Map();
    this._lanes = 0;
    this._total = 0;
    this._saves = {};
    this._expanded.clear();
    this._pages.clear();
    this._focused = -1;
    this._current = null;
    this._origin = null;
  }

  /** The row object to keep for `fresh`: the loaded one when it is the same. */
  private _keep(fresh: IVersion): IVersion {
    const known = this._byId.get(fresh.id);
    if (known && JSON.stringify(known) === JSON.stringify(fresh)) {
      return known;
    }
    this._byId.set(fresh.id, fresh);
    return fresh;
  }

  /**
   * Keep the graph rows of an answer; the lanes the graph spans grow as
   * deeper pages are drawn (`reset`: they are the answer's).
   */
  private _keepGraph(result: IVersionList, reset = false): void {
    for (const [id, row] of Object.entries(result.graph ?? {})) {
      const known = this._graph.get(id);
      if (!known || JSON.stringify(known) !== JSON.stringify(row)) {
        this._graph.set(id, row);
      }
    }
    if (result.lanes !== undefined) {
      this._lanes = reset ? result.lanes : Math.max(this._lanes, result.lanes);
    }
  }

  /** Put the versions of a page that starts at row `offset` in the rows. */
  private _place(result: IVersionList, offset: number): void {
    this._keepGraph(result);
    const rows = this._rows.slice();
    result.versions.forEach((version, i) => {
      rows[offset + i] = this._keep(version);
    });
    this._rows = rows;
    this._saves = result.saves ?? this._saves;
  }

  /**
   * Fold the newest page, or the versions after the head (`newer`), into
   * the rows (see `refresh`).
   */
  private _merge(result: IVersionList): void {
    const page = result.versions;
    const added = result.total - this._total;
    const old = this._rows;
    let shift: number | null = null;
    if (old.length === 0 || old[0] === undefined) {
      shift = null;
    } else if (result.newer) {
      // Only the versions after the head came: they go on top, or (the
      // list changed otherwise) the rows load again.
      shift = added === page.length ? added : null;
    } else if (
      added >= 0 &&
      added < page.length &&
      page[added].id === old[0].id
    ) {
      shift = added;
    } else if (added >= page.length && added >= 0) {
      shift = null;
    }
    let rows: (IVersion | undefined)[];
    if (shift === null) {
      rows = [];
      if (old.length > 0) {
        this._byId.clear();
        this._graph.clear();
      }
      if (result.newer) {
        // The head moved in a way the versions after it do not explain.
        this._rows = rows;
        this._total = result.total;
        this._pages.clear();
        void this.ensureRows(0, this._pageSize);
        return;
      }
    } else {
      rows = new Array<IVersion | undefined>(shift).fill(undefined);
      rows.push(...old);
      if (this._focused >= 0) {
        this._focused += shift;
      }
    }
    this._keepGraph(result, shift === null);
    page.forEach((version, i) => {
      rows[i] = this._keep(version);
    });
    rows.length = Math.min(rows.length, result.total);
    this._rows = rows;
    this._total = result.total;
    this._pages.clear();
    // A new version that does not follow the one below it starts a lane:
    // the graph of the rows below changes, so their pages load again.
    const branched =
      shift !== null &&
      page.slice(0, shift).some((v, i) => v.parent !== rows[i + 1]?.id);
    if (branched && this._path !== null) {
      const size = this._pageSize;
      for (let offset = size; offset < rows.length; offset += size) {
        if (rows.slice(offset, offset + size).some(v => v !== undefined)) {
          void this._loadPage(this._path, offset, size);
        }
      }
    }
  }

  private async _loadPage(
    path: string,
    offset: number,
    limit: number
  ): Promise<void> {
    const loading = this._pages.get(offset);
    if (loading) {
      return loading;
    }
    const request = this._request;
    const filter = this._filter;
    const work = (async () => {
      try {
        const result = await this._fetch(path, {
          limit,
          offset,
          where: filter || undefined
        });
        if (
          request !== this._request ||
          path !== this._path ||
          filter !== this._filter
        ) {
          return;
        }
        if (result.total !== this._total) {
          // The list changed meanwhile: fold the head in again.
          void this.refresh();
          return;
        }
        this._place(result, offset);
      } catch (reason) {
        this._error = messageOf(reason);
      } finally {
        this._pages.delete(offset);
        this._stateChanged.emit();
      }
    })();
    this._pages.set(offset, work);
    return work;
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
  private _filter = '';
  private _filterError: string | null = null;
  private _rows: (IVersion | undefined)[] = [];
  private _byId = new Map<string, IVersion>();
  private _graph = new Map<string, IGraphRow>();
  private _lanes = 0;
  private _current: string | null = null;
  private _origin: IVersionOrigin | null = null;
  private _pages = new Map<number, Promise<void>>();
  private _shown = new Map<string, IShown>();
  private _focused = -1;
  private _total = 0;
  private _saves: Record<string, number> = {};
  private _expanded = new Map<number, IVersion[] | 'loading'>();
  private _selection: string[] = [];
  private _busy: IBusy | null = null;
  private _status: VersionsStatus = 'idle';
  private _error: string | null = null;
  private _request = 0;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
  private _focusRequested = new Signal<this, number>(this);
}

/** How many notebooks shown lately keep their rows. */
const SHOWN_KEPT = 4;

/** The rows of a notebook shown lately. */
interface IShown {
  rows: (IVersion | undefined)[];
  byId: Map<string, IVersion>;
  graph: Map<string, IGraphRow>;
  lanes: number;
  total: number;
  saves: Record<string, number>;
  current: string | null;
  origin: IVersionOrigin | null;
  remotes: IRemote[];
}

function sameRemotes(
  a: ReadonlyArray<IRemote>,
  b: ReadonlyArray<IRemote>
): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
