import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IDiff } from './diff-types';
import {
  IErrorBody,
  IPullResult,
  IPushResult,
  IRemote,
  IRemoteList,
  IRestoreResult,
  ISaveResult,
  ISnapshotResult,
  IReproduceResult,
  ITask,
  ITaskProgress,
  IVersion,
  IVersionList,
  IVersionNotebook,
  ReportFormat,
  VersionKind
} from './types';

/** URL namespace of the server extension. */
export const API_NAMESPACE = 'jupyter-mv/api';

/**
 * An error answered by the API, carrying its status and error code
 * (`{"error": code, "message": message}`).
 */
export class MVRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'MVRequestError';
  }
}

/** Told each progress report of a running task. */
export type OnProgress = (progress: ITaskProgress) => void;

/** The message of an error, for people. */
export function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      defined[key] = String(value);
    }
  }
  return Object.keys(defined).length ? URLExt.objectToQueryString(defined) : '';
}

function isErrorBody(data: unknown): data is IErrorBody {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as IErrorBody).message === 'string'
  );
}

/** The URL of an endpoint, with its query. */
export function apiURL(
  endPoint: string,
  query: Query = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return (
    URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint) + queryString(query)
  );
}

async function fetchAPI(
  endPoint: string,
  init: RequestInit,
  query: Query,
  settings: ServerConnection.ISettings
): Promise<{ response: Response; text: string }> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      apiURL(endPoint, query, settings),
      init,
      settings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  return { response, text: await response.text() };
}

/**
 * Call the jupyter-mv server extension.
 *
 * @param endPoint path under `/jupyter-mv/api/`
 * @param init fetch options (method, body)
 * @param query query parameters
 * @param settings server settings; the page's own by default
 * @returns the answer's JSON body
 * @throws MVRequestError when the server answers with an error status
 * @throws ServerConnection.NetworkError when the server cannot be reached
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  query: Query = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const { response, text } = await fetchAPI(endPoint, init, query, settings);
  let data: unknown = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
  }

  if (!response.ok) {
    if (isErrorBody(data)) {
      throw new MVRequestError(
        response.status,
        data.error ?? 'error',
        data.message
      );
    }
    throw new MVRequestError(
      response.status,
      'error',
      response.statusText || `Request failed with status ${response.status}`
    );
  }
  return data as T;
}

/** JSON body of a POST. */
function post(body: Record<string, unknown>): RequestInit {
  return { method: 'POST', body: JSON.stringify(body) };
}

/** Options for listing versions. */
export interface IListOptions {
  limit?: number;
  offset?: number;
  /** Default: full and safety versions (light ones are counted in `saves`). */
  kinds?: VersionKind[];
  /** A filter, as `jupyter mv log --where` takes it (`acc>0.9 tag:best`). */
  where?: string;
  /** A ref whose place in the listing the answer's `index` gives (and its page). */
  find?: string;
  /** The newest version listed: only the versions after it are sent. */
  since?: string;
}

/** The versions of one notebook, newest first. */
export function listVersions(
  path: string,
  options: IListOptions = {}
): Promise<IVersionList> {
  return requestAPI<IVersionList>(
    'versions',
    { method: 'GET' },
    {
      path,
      limit: options.limit,
      offset: options.offset,
      kinds: options.kinds ? options.kinds.join(',') : undefined,
      where: options.where,
      find: options.find,
      since: options.since
    }
  );
}

/** The notebook a version holds, to read it without restoring it. */
export function getVersionNotebook(
  path: string,
  ref: string
): Promise<IVersionNotebook> {
  return requestAPI<IVersionNotebook>(
    `versions/${encodeURIComponent(ref)}/notebook`,
    { method: 'GET' },
    { path }
  );
}

/** One version of a notebook, by ref (`v3`, `v3.2`, a tag, an id prefix…). */
export function getVersion(path: string, ref: string): Promise<IVersion> {
  return requestAPI<IVersion>(
    `versions/${encodeURIComponent(ref)}`,
    { method: 'GET' },
    { path }
  );
}

/** The light versions kept at saves after version `base` (all when omitted). */
export async function listSaves(
  path: string,
  base?: number
): Promise<IVersion[]> {
  const body = await requestAPI<{ versions: IVersion[] }>(
    'saves',
    { method: 'GET' },
    { path, base }
  );
  return body.versions;
}

/** Keep the notebook as just saved in a light version (when it changed). */
export function recordSave(
  path: string,
  retentionDays: number | null
): Promise<ISaveResult> {
  return requestAPI<ISaveResult>(
    'saves',
    post({ path, retention_days: retentionDays })
  );
}

/** Options of a snapshot. */
export interface ISnapshotOptions {
  message?: string;
  /** Metrics to store on the version: `acc=0.91 loss=0.3` (numbers only). */
  metrics?: string;
  /** Further files or folders to hold, relative to the server root. */
  files?: string[];
  /** Ask the notebook's running kernel what it read (default true). */
  kernel?: boolean;
}

/** Options of a restore. */
export interface IRestoreOptions {
  /** The version to restore (`v3`, a tag, an id…). */
  ref: string;
  /** A new notebook path to write the version to (default: in place). */
  to?: string;
  /** Also restore the data and model files the version holds. */
  files?: boolean;
}

/** A task's current state. */
export function getTask<R>(id: string): Promise<ITask<R>> {
  return requestAPI<ITask<R>>(`tasks/${encodeURIComponent(id)}`, {
    method: 'GET'
  });
}

/**
 * Poll a task until it ends.
 *
 * @param onProgress called with each progress report while it runs
 * @returns the task's result
 * @throws MVRequestError with the task's error when it failed
 */
export async function waitForTask<R>(
  task: ITask<R>,
  onProgress: OnProgress = () => undefined,
  intervalMs = 200
): Promise<R> {
  let current = task;
  while (current.state === 'running') {
    onProgress(current.progress);
    await new Promise(resolve => setTimeout(resolve, intervalMs));
    current = await getTask<R>(current.id);
  }
  if (current.state === 'error' || current.result === null) {
    const error = current.error ?? {
      error: 'error',
      message: 'the task failed'
    };
    throw new MVRequestError(500, error.error, error.message);
  }
  return current.result;
}

/** Give a version an immutable name. */
export function tagVersion(
  path: string,
  ref: string,
  name: string
): Promise<IVersion> {
  return requestAPI<IVersion>('tags', post({ path, ref, name }));
}

/** Point a movable name at a version. */
export function aliasVersion(
  path: string,
  ref: string,
  name: string
): Promise<IVersion> {
  return requestAPI<IVersion>('aliases', post({ path, ref, name }));
}

/** The remotes of the project that holds the notebook `path`. */
export async function listRemotes(path: string): Promise<IRemote[]> {
  const body = await requestAPI<IRemoteList>(
    'remotes',
    { method: 'GET' },
    { path }
  );
  return body.remotes;
}

/** Add a remote (an fsspec URL without credentials) to the notebook's project. */
export function addRemote(
  path: string,
  name: string,
  url: string
): Promise<IRemote> {
  return requestAPI<IRemote>('remotes', post({ path, name, url }));
}

/** Forget a remote of the notebook's project. */
export async function removeRemote(path: string, name: string): Promise<void> {
  await requestAPI<unknown>(
    `remotes/${encodeURIComponent(name)}`,
    { method: 'DELETE' },
    { path }
  );
}

/** Options of a push. */
export interface IPushOptions {
  /** The remote's name; the default remote when omitted. */
  remote?: string;
  /** Versions of the notebook to send; every version of the project when omitted. */
  refs?: string[];
  /** Move aliases the remote moved since the last pull. */
  force?: boolean;
}

/** Options of a pull. */
export interface IPullOptions {
  /** The remote's name; the default remote when omitted. */
  remote?: string;
  /** Only these notebooks' versions (paths relative to the server root). */
  notebooks?: string[];
  /** Fetch every byte now rather than when a restore or diff needs it. */
  all?: boolean;
}

/**
 * The long work the server runs as a task, by end point: the options it
 * takes besides the notebook's path, and what it answers.
 */
export interface ITaskKinds {
  /** Snapshot a (saved) notebook: the version stored, and any warnings. */
  snapshot: { options: ISnapshotOptions; result: ISnapshotResult };
  /** Restore a version in place, or to a new notebook. */
  restore: { options: IRestoreOptions; result: IRestoreResult };
  /** Run a version's notebook again in a fresh kernel and compare. */
  reproduce: {
    options: { ref: string; rtol?: number };
    result: IReproduceResult;
  };
  /** Send a remote the project's versions (or some of them) it lacks. */
  push: { options: IPushOptions; result: IPushResult };
  /** Bring in the versions a remote holds that the project lacks. */
  pull: { options: IPullOptions; result: IPullResult };
}

/**
 * Run long work on the notebook `path` and follow it to its end: POST the
 * options to the end point `kind`, which answers a task, then poll the task.
 *
 * @param onProgress called with each progress report while it runs
 * @returns the task's result
 * @throws MVRequestError when the server refuses the work or the task fails
 */
export async function runTask<K extends keyof ITaskKinds>(
  kind: K,
  path: string,
  options: ITaskKinds[K]['options'],
  onProgress?: OnProgress
): Promise<ITaskKinds[K]['result']> {
  const answer = await requestAPI<{ task: ITask<ITaskKinds[K]['result']> }>(
    kind,
    post({ path, ...options })
  );
  return waitForTask(answer.task, onProgress);
}

/** Two versions compared; or `a` with the notebook on disk when `b` is null. */
export function getDiff(
  path: string,
  a: string,
  b: string | null,
  metadata = false
): Promise<IDiff> {
  return requestAPI<IDiff>(
    'diff',
    { method: 'GET' },
    { path, a, b: b ?? undefined, metadata: metadata ? 1 : undefined }
  );
}

/** The provenance report of a version, as text in `format`. */
export async function getReport(
  path: string,
  ref: string,
  format: ReportFormat = 'html',
  theme: 'auto' | 'light' | 'dark' = 'auto'
): Promise<string> {
  const settings = ServerConnection.makeSettings();
  const { response, text } = await fetchAPI(
    `report/${encodeURIComponent(ref)}`,
    { method: 'GET' },
    { path, format, theme },
    settings
  );
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    const error = isErrorBody(body)
      ? body
      : { error: 'error', message: response.statusText };
    throw new MVRequestError(
      response.status,
      error.error ?? 'error',
      error.message
    );
  }
  return text;
}
