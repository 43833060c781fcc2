import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { compareIcon } from '../icons';
import { getDiff } from '../request';
import { IDiff } from '../diff-types';
import { h } from './dom';
import { notebookSection } from './notebook';
import { dataSection, environmentSection, valuesSection } from './sections';

/** One side of a comparison: a version (id and name), or the notebook on disk. */
export interface IDiffSide {
  /** A version id; null for the notebook on disk. */
  ref: string | null;
  /** For people: `v3`, `disk`. */
  name: string;
}

/**
 * The comparison of two versions of a notebook (or of a version with the
 * notebook on disk): the notebook's cells with their outputs rendered by
 * JupyterLab, then the environment, the data files, the metrics and params.
 */
export class DiffView extends Panel {
  constructor(options: DiffView.IOptions) {
    super();
    this.addClass('jp-mv-DiffView');
    this.path = options.path;
    this.a = options.a;
    this.b = options.b;
    this._rendermime = options.rendermime;
  }

  readonly path: string;
  readonly a: IDiffSide;
  readonly b: IDiffSide;

  /** The diff shown, once loaded. */
  get diff(): IDiff | null {
    return this._diff;
  }

  /** Fetch the diff and show it (again). */
  async load(): Promise<void> {
    this._clear();
    this.addWidget(
      new Widget({ node: h('p', { class: 'jp-mv-DiffNote' }, 'Comparing…') })
    );
    try {
      if (this.a.ref === null) {
        throw new Error('the older side must be a version');
      }
      this._diff = await getDiff(this.path, this.a.ref, this.b.ref);
    } catch (reason) {
      this._clear();
      const message = reason instanceof Error ? reason.message : String(reason);
      this.addWidget(
        new Widget({
          node: h(
            'div',
            { class: 'jp-mv-State jp-mv-State-error', role: 'alert' },
            `Could not compare: ${message}`
          )
        })
      );
      return;
    }
    this._clear();
    this._render(this._diff);
  }

  private _clear(): void {
    for (const widget of [...this.widgets]) {
      widget.dispose();
    }
  }

  private _render(diff: IDiff): void {
    this.addWidget(new Widget({ node: this._header(diff) }));
    if (diff.notebook) {
      this._section(
        'notebook',
        'Notebook',
        diff.notebook.status,
        notebookSection(diff.notebook, this._rendermime)
      );
    }
    if (diff.environment) {
      this._section(
        'environment',
        'Environment',
        diff.environment.status,
        environmentSection(diff.environment)
      );
    }
    if (diff.data) {
      this._section(
        'data',
        'Data and model files',
        diff.data.status,
        dataSection(diff.data)
      );
    }
    if (diff.metrics) {
      this._section(
        'metrics',
        'Metrics',
        diff.metrics.status,
        valuesSection(diff.metrics, 'metrics')
      );
    }
    if (diff.params) {
      this._section(
        'params',
        'Params',
        diff.params.status,
        valuesSection(diff.params, 'params')
      );
    }
  }

  private _header(diff: IDiff): HTMLElement {
    const summary: (string | null)[] = [];
    const nb = diff.notebook;
    if (nb) {
      const s = nb.summary;
      const parts = [
        s.added && `${s.added} added`,
        s.removed && `${s.removed} removed`,
        s.modified && `${s.modified} modified`,
        s.moved && `${s.moved} moved`
      ].filter(Boolean);
      summary.push(
        parts.length ? `Cells: ${parts.join(', ')}` : 'Cells unchanged'
      );
    }
    if (diff.environment && diff.environment.status === 'changed') {
      const p = diff.environment.packages;
      const n = p
        ? p.added.length +
          p.removed.length +
          p.upgraded.length +
          p.downgraded.length +
          p.changed.length
        : 0;
      summary.push(
        n
          ? `${n} ${n === 1 ? 'package' : 'packages'} changed`
          : 'Environment changed'
      );
    }
    if (diff.data && diff.data.status === 'changed') {
      const d = diff.data.summary;
      summary.push(
        `${d.added + d.removed + d.modified} data ${d.added + d.removed + d.modified === 1 ? 'file' : 'files'} changed`
      );
    }
    for (const [values, one, many] of [
      [diff.metrics, 'metric', 'metrics'],
      [diff.params, 'param', 'params']
    ] as const) {
      if (values && values.status === 'changed') {
        const n = values.entries.length;
        summary.push(`${n} ${n === 1 ? one : many} changed`);
      }
    }
    return h(
      'header',
      { class: 'jp-mv-DiffHeader' },
      h(
        'h1',
        { class: 'jp-mv-DiffHeader-title' },
        PathExt.basename(this.path),
        h(
          'span',
          { class: 'jp-mv-DiffHeader-side jp-mv-mod-a', title: diff.a.label },
          this.a.name
        ),
        '→',
        h(
          'span',
          { class: 'jp-mv-DiffHeader-side jp-mv-mod-b', title: diff.b.label },
          this.b.name
        )
      ),
      h(
        'p',
        { class: 'jp-mv-DiffHeader-summary' },
        diff.empty ? 'No differences.' : summary.filter(Boolean).join(' · ')
      )
    );
  }

  private _section(
    id: string,
    title: string,
    status: string,
    content: Widget | HTMLElement
  ): void {
    const section = new Panel();
    section.addClass('jp-mv-DiffSection');
    section.node.dataset.section = id;
    section.node.dataset.status = status;
    const label = status === 'not_compared' ? 'not compared' : status;
    section.addWidget(
      new Widget({
        node: h(
          'h2',
          { class: 'jp-mv-DiffSection-title' },
          title,
          h(
            'span',
            { class: `jp-mv-DiffSection-status jp-mv-mod-${status}` },
            label
          )
        )
      })
    );
    section.addWidget(
      content instanceof Widget ? content : new Widget({ node: content })
    );
    this.addWidget(section);
  }

  private _diff: IDiff | null = null;
  private _rendermime: IRenderMimeRegistry;
}

export namespace DiffView {
  export interface IOptions {
    path: string;
    a: IDiffSide;
    b: IDiffSide;
    rendermime: IRenderMimeRegistry;
  }
}

/** A main-area tab with a comparison, and a toolbar button to compare again. */
export function createDiffPanel(
  options: DiffView.IOptions
): MainAreaWidget<DiffView> {
  const content = new DiffView(options);
  const panel = new MainAreaWidget({ content });
  panel.addClass('jp-mv-DiffPanel');
  panel.id = `jupyter-mv-diff-${Private.nextId()}`;
  panel.title.label = `${PathExt.basename(options.path)}: ${options.a.name} → ${options.b.name}`;
  panel.title.caption = `Differences between ${options.a.name} and ${options.b.name} of ${options.path}`;
  panel.title.icon = compareIcon;
  panel.title.closable = true;
  panel.toolbar.addItem(
    'refresh',
    new ToolbarButton({
      icon: refreshIcon,
      tooltip: 'Compare again',
      onClick: () => void content.load()
    })
  );
  void content.load();
  return panel;
}

namespace Private {
  let count = 0;

  /** A number no diff panel of this page had before. */
  export function nextId(): number {
    return count++;
  }
}
