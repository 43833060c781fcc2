/**
 * Wire types of the jupyter-mv REST API (`/jupyter-mv/api/`).
 *
 * They mirror `Version.to_dict()` and `FileEntry` of the Python core.
 */

/** A file held by a version. */
export interface IFileEntry {
  /** Path relative to the project root, POSIX separators. */
  path: string;
  role: 'notebook' | 'input' | 'output' | 'tracked';
  /** BLAKE3 hash of the content (64 hex). */
  hash: string;
  size: number;
  mode: number;
  stored: boolean;
}

/** One version of a notebook. */
export interface IVersion {
  id: string;
  short_id: string;
  /** Notebook path relative to the project root. */
  notebook: string;
  number: number;
  /** Name for people, e.g. `v3`. */
  name: string;
  parent: string | null;
  kind: 'full' | 'safety' | 'light';
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
}

/** Body of `GET /jupyter-mv/api/versions`. */
export interface IVersionList {
  versions: IVersion[];
  /** Number of versions of the notebook, regardless of paging. */
  total: number;
}

/** Body of every error answer of the API. */
export interface IErrorBody {
  error: string;
  message: string;
}
