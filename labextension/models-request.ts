import { IDiff, IValuesDiff } from './diff-types';
import { requestAPI } from './request';

/** A model version, as the registry lists it. @openapi ModelVersion */
export interface IModelVersion {
  name: string;
  number: number;
  /** `NAME:N`. */
  label: string;
  hash: string;
  flavor: string;
  size: number;
  created: string;
  author?: string;
  /** The id of the notebook version that made it. */
  version: string | null;
  /** That version's label. */
  made_by?: string | null;
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  extra?: Record<string, unknown>;
  aliases: string[];
}

/** One model with its versions, newest first. */
export interface IModel {
  name: string;
  latest: number;
  aliases: Record<string, number>;
  versions: IModelVersion[];
}

/** One version's value of a metric, and the curve logged within it. */
export interface IMetricPoint {
  id: string;
  name: string;
  number: number;
  value: number;
  steps: [number, number][];
}

/** The store's models (`GET models`). */
export async function listModels(path: string): Promise<IModel[]> {
  const body = await requestAPI<{ models: IModel[] }>('models', {}, { path });
  return body.models;
}

/** Each metric across the notebook's versions (`GET metrics`). */
export async function metricSeries(
  path: string
): Promise<Record<string, IMetricPoint[]>> {
  const body = await requestAPI<{ metrics: Record<string, IMetricPoint[]> }>(
    'metrics',
    {},
    { path }
  );
  return body.metrics;
}

/** Point a model's alias at one of its versions (`ref` is `NAME:N`). */
export function aliasModel(
  path: string,
  ref: string,
  name: string
): Promise<IModelVersion> {
  return requestAPI<IModelVersion>('aliases', {
    method: 'POST',
    body: JSON.stringify({ path, ref, name })
  });
}

/** One fact of two model versions side by side (flavor, class, size, hash…). */
export interface IModelFact {
  key: string;
  a: unknown;
  b: unknown;
  changed: boolean;
}

/** Two model versions compared, then their notebook versions. @openapi ModelDiff */
export interface IModelDiff {
  format: 'jupyter-mv-model-diff';
  version: 1;
  a: IModelVersion;
  b: IModelVersion;
  facts: IModelFact[];
  params: IValuesDiff;
  metrics: IValuesDiff;
  changed: { facts: string[]; params: string[]; metrics: string[] };
  /** The diff of the notebook versions that made them; null when one has none. */
  versions: IDiff | null;
}

/** Two model versions compared (`GET diff` with two model refs). */
export function getModelDiff(
  path: string,
  a: string,
  b: string
): Promise<IModelDiff> {
  return requestAPI<IModelDiff>('diff', { method: 'GET' }, { path, a, b });
}
