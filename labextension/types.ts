/**
 * Wire types of the jupyter-mv REST API (`/jupyter-mv/api/`).
 *
 * Each interface marked `@openapi NAME` has exactly the properties of
 * `components.schemas.NAME` in jupyter_mv/server/openapi.yaml (which mirror
 * `Version.to_dict()` and friends of the Python core); optional where the
 * schema does not require them. tests/server/test_typescript_types.py checks
 * that they stay in step. The diff format's types are in `diff-types.ts`.
 */

/** A file held by a version. @openapi FileEntry */
export interface IFileEntry {
  /** Path relative to the project root, POSIX separators. */
  path: string;
  role: 'notebook' | 'input' | 'output' | 'tracked';
  /** BLAKE3 hash of the content (64 hex). */
  hash: string;
  size: number;
  mode: number;
  /** False when only the hash was recorded (over the size limit). */
  stored: boolean;
  /** What DVC recorded of the file when DVC tracks it, else null. */
  dvc: IDvcRecord | null;
}

/** What DVC recorded of a file: its md5 and the .dvc or dvc.lock file that says so. */
export interface IDvcRecord {
  /** Null for a file in a tracked folder whose listing is not in the local DVC cache. */
  md5: string | null;
  hash: 'md5' | 'md5-dos2unix';
  size?: number;
  /** The .dvc or dvc.lock file, relative to the project root. */
  source: string;
  stage?: string;
  kind?: 'out' | 'dep';
  folder?: string;
  folder_md5?: string;
}

export type VersionKind = 'full' | 'safety' | 'light';

/** One version of a notebook. @openapi Version */
export interface IVersion {
  id: string;
  short_id: string;
  /** Notebook path relative to the project root. */
  notebook: string;
  /** N of `vN`; for a light version (a save), the version it follows. */
  number: number;
  /** M of `vN.M` for a light version; 0 otherwise. */
  sub: number;
  /** Name for people: `v3`, or `v3.2` for a save. */
  name: string;
  parent: string | null;
  kind: VersionKind;
  message: string;
  author: string;
  /** ISO-8601 UTC time of creation. */
  created: string;
  environment: string | null;
  git: Record<string, unknown> | null;
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  /** Further facts recorded with the version (e.g. by the kernel side). */
  extra: Record<string, unknown>;
  files: IFileEntry[];
  tags: string[];
  aliases: string[];
  /**
   * In listings: the remotes the version is known to be on (empty: only in
   * this project's store).
   */
  remotes?: string[];
}

/** Body of `GET versions`. @openapi VersionList */
export interface IVersionList {
  versions: IVersion[];
  /** Number of versions of the listed kinds, regardless of paging. */
  total: number;
  /** Where in the listing the first version sent is (when any is sent). */
  offset?: number;
  /** With `since`: the versions are only those after it. */
  newer?: boolean;
  /** Light versions after each version number (`"0"`: before the first); only when there are. */
  saves?: Record<string, number>;
  /** With `find`: where that version is in the listing (0: the newest); null when filtered out. The versions are then its page. */
  index?: number | null;
  /** Unfiltered: the lineage graph row of each listed version, by id. */
  graph?: Record<string, IGraphRow>;
  /** With `graph`: how many lanes the graph spans down to the page. */
  lanes?: number;
  /** The id of the version the notebook on disk is now (same bytes), when one is. */
  current?: string;
  /** For a notebook with no versions: the version of another notebook it is a copy of. */
  origin?: IVersionOrigin;
}

/** A version's row of the lineage graph (as `git log --graph` draws it). */
export interface IGraphRow {
  /** The lane of the version's dot (0: the leftmost). */
  col: number;
  /** The lanes that come down into the dot (its children). */
  up: number[];
  /** The lanes that pass the row by. */
  through: number[];
  /** Whether a line leaves the dot downwards (to its parent). */
  down: boolean;
}

/** Where a notebook restored to a new file came from. */
export interface IVersionOrigin {
  id: string;
  /** That notebook, relative to its project's root. */
  notebook: string;
  /** `v3`. */
  name: string;
  /** That notebook relative to the server root, when it lies inside it. */
  path?: string;
}

/** Body of `GET versions/<ref>/notebook`. @openapi VersionNotebook */
export interface IVersionNotebook {
  version: IVersion;
  /** The notebook, nbformat JSON as stored. */
  content: Record<string, unknown>;
}

/** Body of `POST saves`. @openapi SaveResult */
export interface ISaveResult {
  version: IVersion | null;
  reason: 'unchanged' | 'no_store' | 'outside_store' | null;
}

/** Result of a snapshot task. @openapi SnapshotResult */
export interface ISnapshotResult {
  version: IVersion;
  warnings: string[];
}

/** Result of a restore task. @openapi RestoreResult */
export interface IRestoreResult {
  /** The notebook written, relative to the server root. */
  path: string;
  mode: 'in_place' | 'copy';
  version: IVersion;
  written: string[];
  unchanged: string[];
  /** The version that keeps what the restore overwrote. */
  safety: IVersion | null;
  /** The id of the version the notebook now is (null for a copy). */
  current: string | null;
}

/** A place a project's versions are pushed to and pulled from. @openapi Remote */
export interface IRemote {
  /** Letters, digits, `_ . -`. */
  name: string;
  /** An fsspec URL: `file:///shared/folder`, `s3://bucket/prefix`, `sftp://host/path`. */
  url: string;
  /** Push and pull use it when no remote is named. */
  default?: boolean;
}

/** Body of `GET remotes`. @openapi RemoteList */
export interface IRemoteList {
  remotes: IRemote[];
}

/** Result of a push task. @openapi PushResult */
export interface IPushResult {
  remote: string;
  /** Versions sent. */
  versions: number;
  packs: number;
  bytes: number;
  /** Versions the remote held already. */
  skipped: number;
}

/** Result of a pull task. @openapi PullResult */
export interface IPullResult {
  remote: string;
  /** New versions. */
  versions: number;
  packs: number;
  bytes: number;
  /** The remote's names left as they are here, each in a sentence. */
  conflicts?: string[];
}

/** Where a task is. */
export interface ITaskProgress {
  step: string;
  done: number;
  total: number | null;
  unit: string;
}

/** One code cell's verdict in a reproduce. */
export interface IReproduceCell {
  /** The cell's place in the notebook, from 1. */
  position: number;
  id: string | null;
  execution_count: number | null;
  status:
    | 'identical'
    | 'within_tolerance'
    | 'different'
    | 'not_recorded'
    | 'skipped'
    | 'not_run';
  /** The lines of a unified diff of the normalised outputs. */
  diff: string[];
  /** The first difference: the recorded and the reproduced line (and value). */
  first: {
    line: number | null;
    recorded: string | null;
    reproduced: string | null;
    value: unknown;
  } | null;
  reason: string;
}

/** One file, model or metric compared by a reproduce. */
export interface IReproduceCheck {
  status: string;
  path?: string;
  label?: string;
  name?: string;
  recorded: unknown;
  reproduced: unknown;
}

/**
 * A version's notebook run again in a fresh kernel and compared.
 * @openapi ReproduceResult
 */
export interface IReproduceResult {
  format: 'jupyter-mv-reproduce';
  status: 'reproduced' | 'different' | 'failed';
  /** One line: `reproduced: 3 cells identical…` or `different: cell 2 differs`. */
  summary: string;
  notebook_version?: {
    id: string;
    short_id: string;
    label: string;
    notebook: string;
  };
  cells: IReproduceCell[];
  files: IReproduceCheck[];
  models: IReproduceCheck[];
  metrics: IReproduceCheck[];
  environment: {
    status: string;
    differences: string[];
    note: string;
  } | null;
  warnings: { code: string; message: string }[];
  error: string | null;
  duration?: number;
}

/** A snapshot, restore, reproduce, push or pull running on the server. @openapi Task */
export interface ITask<
  R =
    | ISnapshotResult
    | IRestoreResult
    | IReproduceResult
    | IPushResult
    | IPullResult
> {
  id: string;
  kind: 'snapshot' | 'restore' | 'reproduce' | 'push' | 'pull';
  path: string;
  state: 'running' | 'done' | 'error';
  progress: ITaskProgress;
  result: R | null;
  error: IErrorBody | null;
  created: number;
  finished: number | null;
}

/** Body of every error answer of the API. @openapi Error */
export interface IErrorBody {
  error: string;
  message: string;
}

/** Provenance report formats (`GET report/<ref>?format=`). */
export type ReportFormat = 'html' | 'markdown' | 'json' | 'prov-json';
