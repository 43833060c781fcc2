import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IErrorBody, IVersion, IVersionList } from './types';

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

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      defined[key] = String(value);
    }
  }
  return Object.keys(defined).length
    ? URLExt.objectToQueryString(defined)
    : '';
}

function isErrorBody(data: unknown): data is IErrorBody {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as IErrorBody).message === 'string'
  );
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
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint) +
    queryString(query);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }

  const text = await response.text();
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

/** Options for listing versions. */
export interface IListOptions {
  limit?: number;
  offset?: number;
}

/** The versions of one notebook, newest first. */
export function listVersions(
  path: string,
  options: IListOptions = {}
): Promise<IVersionList> {
  return requestAPI<IVersionList>(
    'versions',
    { method: 'GET' },
    { path, limit: options.limit, offset: options.offset }
  );
}

/** One version of a notebook, by ref (`v3`, a tag, an id prefix…). */
export function getVersion(path: string, ref: string): Promise<IVersion> {
  return requestAPI<IVersion>(
    `versions/${encodeURIComponent(ref)}`,
    { method: 'GET' },
    { path }
  );
}
