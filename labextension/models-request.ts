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
