import {
  IDataDiff,
  IEnvironmentDiff,
  IFileDiff,
  IPackagesDiff,
  IValuesDiff
} from '../diff-types';
import { badge, h, show, size } from './dom';

export function table(
  head: string[],
  rows: (Node | string)[][],
  className = ''
): HTMLElement {
  return h(
    'table',
    { class: `jp-mv-DiffTable ${className}`.trim() },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map(text => h('th', {}, text))
      )
    ),
    h(
      'tbody',
      {},
      rows.map(cells =>
        h(
          'tr',
          {},
          cells.map(cell => h('td', {}, cell))
        )
      )
    )
  );
}

function unchanged(text: string): HTMLElement {
  return h('p', { class: 'jp-mv-DiffNote' }, text);
}

/** Python, platform, git and packages: what differs. */
export function environmentSection(env: IEnvironmentDiff): HTMLElement {
  const node = h('div', { class: 'jp-mv-DiffEnvironment' });
  if (env.status === 'not_compared') {
    const missing = (['a', 'b'] as const)
      .filter(side => !env.recorded[side].environment)
      .map(side => (side === 'a' ? 'the older side' : 'the newer side'));
    node.appendChild(
      unchanged(
        `Not compared: no environment was recorded for ${missing.join(' and ') || 'either side'}.`
      )
    );
    return node;
  }
  if (env.status === 'unchanged') {
    node.appendChild(unchanged('The same Python, platform and packages.'));
    return node;
  }
  if (env.fields.length > 0) {
    node.appendChild(
      table(
        ['', 'before', 'after'],
        env.fields.map(f => [f.field, show(f.a), show(f.b)])
      )
    );
  }
  if (env.packages) {
    node.appendChild(packages('Packages', env.packages));
  }
  if (env.conda_packages) {
    node.appendChild(packages('Conda packages', env.conda_packages));
  }
  if (env.gpu.added.length || env.gpu.removed.length) {
    node.appendChild(
      h(
        'p',
        {},
        `GPUs: ${env.gpu.added.length} added, ${env.gpu.removed.length} removed`
      )
    );
  }
  return node;
}

function packages(title: string, diff: IPackagesDiff): HTMLElement {
  const rows: (Node | string)[][] = [];
  for (const p of diff.upgraded) {
    rows.push([
      p.name,
      badge('added', 'upgraded'),
      `${show(p.a)} → ${show(p.b)}`
    ]);
  }
  for (const p of diff.downgraded) {
    rows.push([
      p.name,
      badge('removed', 'downgraded'),
      `${show(p.a)} → ${show(p.b)}`
    ]);
  }
  for (const p of diff.changed) {
    rows.push([
      p.name,
      badge('modified', 'changed'),
      `${show(p.a)} → ${show(p.b)}`
    ]);
  }
  for (const p of diff.added) {
    rows.push([p.name, badge('added'), show(p.version)]);
  }
  for (const p of diff.removed) {
    rows.push([p.name, badge('removed'), show(p.version)]);
  }
  for (const p of diff.origin_changed) {
    rows.push([
      p.name,
      badge('modified', 'origin'),
      `${show(p.a)} → ${show(p.b)}`
    ]);
  }
  return h(
    'div',
    { class: 'jp-mv-DiffPackages' },
    h(
      'h3',
      {},
      `${title}: ${rows.length} changed, ${diff.unchanged} unchanged`
    ),
    rows.length ? table(['package', '', 'version'], rows) : null
  );
}

/** Data and model files: added, removed, modified; table shapes. */
export function dataSection(data: IDataDiff): HTMLElement {
  const { summary } = data;
  if (data.status === 'unchanged') {
    return unchanged(
      summary.unchanged
        ? `The same ${summary.unchanged} data and model ${summary.unchanged === 1 ? 'file' : 'files'}.`
        : 'No data or model files on either side.'
    );
  }
  return h(
    'div',
    { class: 'jp-mv-DiffData' },
    table(
      ['file', '', 'role', 'size', 'table'],
      data.files.map(f => [
        h('code', {}, f.path),
        badge(f.status),
        f.role ?? '—',
        f.size_delta !== undefined
          ? `${f.size_delta >= 0 ? '+' : ''}${size(f.size_delta)}`
          : size(f.b?.size ?? f.a?.size),
        tableChange(f)
      ])
    ),
    summary.unchanged ? unchanged(`${summary.unchanged} unchanged.`) : null
  );
}

function tableChange(file: IFileDiff): string {
  const t = file.table;
  if (!t) {
    return '';
  }
  const parts: string[] = [];
  if (t.rows_delta) {
    parts.push(`${t.rows_delta > 0 ? '+' : ''}${t.rows_delta} rows`);
  }
  if (t.columns_added?.length) {
    parts.push(`+ ${t.columns_added.join(', ')}`);
  }
  if (t.columns_removed?.length) {
    parts.push(`− ${t.columns_removed.join(', ')}`);
  }
  for (const d of t.dtype_changed ?? []) {
    parts.push(`${d.name}: ${d.a} → ${d.b}`);
  }
  if (t.note) {
    parts.push(t.note);
  }
  return parts.join('; ');
}

/** Metrics or params: before, after, and the change. */
export function valuesSection(values: IValuesDiff, what: string): HTMLElement {
  if (values.status === 'unchanged') {
    const n = values.summary.unchanged;
    return unchanged(
      n ? `The same ${n} ${what}.` : `No ${what} on either side.`
    );
  }
  return h(
    'div',
    { class: 'jp-mv-DiffValues' },
    table(
      [what === 'metrics' ? 'metric' : 'param', 'before', 'after', 'change'],
      values.entries.map(e => {
        let change: Node | string = badge(e.status);
        if (typeof e.delta === 'number') {
          const rel =
            typeof e.relative === 'number'
              ? ` (${(e.relative * 100).toFixed(1)}%)`
              : '';
          change = h(
            'span',
            {
              class: `jp-mv-Delta ${e.delta > 0 ? 'jp-mod-up' : e.delta < 0 ? 'jp-mod-down' : ''}`
            },
            `${e.delta > 0 ? '+' : ''}${e.delta}${rel}`
          );
        }
        return [e.key, show(e.a), show(e.b), change];
      })
    )
  );
}
