/**
 * The jupyter-mv diff format, version 1, as TypeScript types.
 *
 * They mirror `jupyter_mv/schemas/diff.schema.json` (see docs/diff-format.md):
 * each interface marked `@schema NAME` has exactly the properties of the
 * schema's `$defs/NAME` (`root` for the document itself), optional where the
 * schema does not require them. tests/server/test_typescript_types.py checks
 * that they stay in step.
 */

/** `a` is the old side, `b` the new one. */
export type Side = 'a' | 'b';

/** @schema root */
export interface IDiff {
  format: 'jupyter-mv-diff';
  version: 1;
  a: IDiffLabel;
  b: IDiffLabel;
  include_metadata: boolean;
  notebook: INotebookDiff | null;
  environment: IEnvironmentDiff | null;
  data: IDataDiff | null;
  metrics: IValuesDiff | null;
  params: IValuesDiff | null;
  empty: boolean;
  /** Only in `--json` output that writes large unchanged outputs once (never from the REST API). */
  output_refs?: true;
}

/** @schema label */
export interface IDiffLabel {
  label: string;
}

/** @schema line */
export interface IDiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** @schema hunk */
export interface IHunk {
  a_start: number;
  a_lines: number;
  b_start: number;
  b_lines: number;
  lines: IDiffLine[];
}

/** @schema ab_change */
export interface IABChange<T = unknown> {
  a: T;
  b: T;
}

/** @schema key_change */
export interface IKeyChange {
  key: string;
  status: 'added' | 'removed' | 'changed';
  a: unknown;
  b: unknown;
  delta?: number | null;
  relative?: number | null;
}

/** @schema notebook */
export interface INotebookDiff {
  status: 'unchanged' | 'modified' | 'added' | 'removed' | 'missing';
  a: INotebookInfo | null;
  b: INotebookInfo | null;
  summary: {
    added: number;
    removed: number;
    modified: number;
    moved: number;
    unchanged: number;
  };
  matching: { id: number; content: number; similar: number };
  hidden: { cells: number; metadata: boolean };
  cells: ICellDiff[];
  metadata?: IKeyChange[];
}

/** @schema notebook_info */
export interface INotebookInfo {
  nbformat: string;
  cells: number;
  path: string | null;
}

/** @schema cell_side */
export interface ICellSide {
  index: number;
  id: string | null;
  cell_type: string;
  execution_count?: number | null;
  source?: string;
  outputs?: IOutput[];
  attachments?: string[];
}

export type CellChange =
  | 'moved'
  | 'cell_type'
  | 'source'
  | 'attachments'
  | 'outputs'
  | 'id'
  | 'execution_count'
  | 'metadata';

/** @schema cell */
export interface ICellDiff {
  status: 'added' | 'removed' | 'modified' | 'moved';
  changes: CellChange[];
  cell_type: string;
  match: 'id' | 'content' | 'similar' | null;
  similarity?: number;
  a: ICellSide | null;
  b: ICellSide | null;
  source?: IHunk[];
  attachments?: { added: string[]; removed: string[]; changed: string[] };
  outputs?: IOutputEntry[];
  execution_count?: IABChange<number | null>;
  metadata?: IKeyChange[];
}

/** An nbformat 4 output with multi-line strings joined. @schema output */
export interface IOutput {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  /** Only with `output_refs`: side b of an unchanged output, the hash of side a's output. */
  ref?: string;
}

/** @schema output_side */
export interface IOutputSide {
  index: number;
  output: IOutput;
}

/** @schema output_entry */
export interface IOutputEntry {
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  output_type: string;
  a: IOutputSide | null;
  b: IOutputSide | null;
  parts?: IOutputPart[];
  execution_count?: IABChange<number | null>;
  metadata?: IKeyChange[];
}

/** @schema output_part */
export interface IOutputPart {
  key: string;
  status: 'added' | 'removed' | 'changed';
  kind: 'text' | 'json' | 'image' | 'binary' | 'value';
  hunks?: IHunk[];
  image?: IImageCompare;
  a?: unknown;
  b?: unknown;
}

/** @schema image_size */
export interface IImageSize {
  width: number;
  height: number;
}

/** @schema image_compare */
export interface IImageCompare {
  a: IImageSize | null;
  b: IImageSize | null;
  same_size: boolean;
  changed_pixels?: number;
  changed_share?: number;
  /** PNG (base64): side a faded to grey, changed pixels in red. */
  diff_png?: string;
  note?: string;
}

/** @schema environment */
export interface IEnvironmentDiff {
  status: 'unchanged' | 'changed' | 'not_compared';
  recorded: { a: IRecorded; b: IRecorded };
  fields: { field: string; a: unknown; b: unknown }[];
  gpu: { added: unknown[]; removed: unknown[] };
  packages: IPackagesDiff | null;
  conda_packages: IPackagesDiff | null;
}

/** @schema recorded */
export interface IRecorded {
  environment: boolean;
  git: boolean;
}

/** @schema package */
export interface IPackage {
  name: string;
  version: unknown;
  origin: unknown;
}

/** @schema package_change */
export interface IPackageChange {
  name: string;
  a: unknown;
  b: unknown;
}

/** @schema packages */
export interface IPackagesDiff {
  added: IPackage[];
  removed: IPackage[];
  upgraded: IPackageChange[];
  downgraded: IPackageChange[];
  changed: IPackageChange[];
  origin_changed: IPackageChange[];
  unchanged: number;
}

/** @schema data */
export interface IDataDiff {
  status: 'unchanged' | 'changed';
  files: IFileDiff[];
  summary: {
    added: number;
    removed: number;
    modified: number;
    unchanged: number;
  };
}

/** @schema file_side */
export interface IFileSide {
  role: string | null;
  hash: string | null;
  size: number | null;
}

/** @schema file */
export interface IFileDiff {
  path: string;
  status: 'added' | 'removed' | 'modified';
  role: string | null;
  changes: ('content' | 'role')[];
  a: IFileSide | null;
  b: IFileSide | null;
  size_delta?: number;
  table?: ITableDiff;
}

/** @schema table_stats */
export interface ITableStats {
  rows: number;
  columns: { name: string; dtype: string }[];
}

/** @schema table */
export interface ITableDiff {
  format: 'csv' | 'tsv' | 'parquet';
  a: ITableStats | null;
  b: ITableStats | null;
  rows_delta?: number;
  columns_added?: string[];
  columns_removed?: string[];
  dtype_changed?: { name: string; a: string; b: string }[];
  column_order_changed?: boolean;
  note?: string;
}

/** Metrics and params. @schema values */
export interface IValuesDiff {
  status: 'unchanged' | 'changed';
  entries: IKeyChange[];
  summary: {
    added: number;
    removed: number;
    changed: number;
    unchanged: number;
  };
}
