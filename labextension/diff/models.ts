import { IModelDiff } from '../models-request';
import { h, show, size } from './dom';
import { table, valuesSection } from './sections';

function fact(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '–';
  }
  if (key === 'size' && typeof value === 'number') {
    return size(value);
  }
  if ((key === 'hash' || key === 'version') && typeof value === 'string') {
    return value.slice(0, 12);
  }
  return show(value);
}

/**
 * Two model versions side by side: their own facts (flavor, class, size, hash,
 * when, who, the notebook version that made each), then their params and metrics
 * with the change of each; the notebook versions' diff follows in the view.
 */
export function modelSection(diff: IModelDiff): HTMLElement {
  const rows = diff.facts.map(f => {
    const made = f.key === 'version' ? diff.versions : null;
    const a = made ? made.a.label : f.a;
    const b = made ? made.b.label : f.b;
    return [
      f.key === 'version' ? 'made by' : f.key,
      fact(f.key, a),
      fact(f.key, b),
      f.changed ? 'changed' : ''
    ];
  });
  const facts = table(
    ['', diff.a.label, diff.b.label, ''],
    rows,
    'jp-mv-ModelFacts'
  );
  facts.querySelectorAll('tbody tr').forEach((row, i) => {
    const f = diff.facts[i];
    (row as HTMLElement).dataset.fact = f.key;
    row.classList.toggle('jp-mod-changed', f.changed);
  });
  const part = (title: string, body: HTMLElement, what: string): HTMLElement =>
    h(
      'div',
      { class: 'jp-mv-ModelDiff-part', 'data-part': what },
      h('h3', { class: 'jp-mv-ModelDiff-title' }, title),
      body
    );
  return h(
    'div',
    { class: 'jp-mv-ModelDiff' },
    facts,
    part('Params', valuesSection(diff.params, 'params'), 'params'),
    part('Metrics', valuesSection(diff.metrics, 'metrics'), 'metrics'),
    diff.versions
      ? h(
          'p',
          { class: 'jp-mv-DiffNote' },
          `Below: the notebook versions that made them, ${diff.versions.a.label} → ${diff.versions.b.label}.`
        )
      : h(
          'p',
          { class: 'jp-mv-DiffNote' },
          'No notebook versions to compare: one of the models was saved without one.'
        )
  );
}
