import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { compareIcon } from '../icons';
import { getDiff, getVersionNotebook } from '../request';
import { IDiff } from '../diff-types';
import { getModelDiff, IModelDiff } from '../models-request';
import { modelSection } from './models';
import { h } from './dom';
import { IBaseCell, notebookSection } from './notebook';
import { Layout } from './source';
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
    this.node.tabIndex = 0;
    this.node.addEventListener('keydown', event => {
      const target = event.target as HTMLElement;
      if (
        target.closest('input, textarea, select') ||
        event.ctrlKey ||
        event.metaKey
      ) {
        return;
      }
      if (event.key === 'n' || event.key === 'j') {
        this.goToChange(1);
      } else if (event.key === 'p' || event.key === 'k') {
        this.goToChange(-1);
      } else {
        return;
      }
      event.preventDefault();
    });
    this.path = options.path;
    this.a = options.a;
    this.b = options.b;
    this._rendermime = options.rendermime;
    this.models = options.models ?? null;
  }

  readonly path: string;
  /** Two model versions (`churn:1`, `churn:2`) compared, when this compares models. */
  readonly models: { a: string; b: string } | null;
  readonly a: IDiffSide;
  readonly b: IDiffSide;

  /** The diff shown, once loaded. */
  get diff(): IDiff | null {
    return this._diff;
  }

  /** How the sources are laid out: one column or side by side. */
  get sourceLayout(): Layout {
    return this._sourceLayout;
  }

  set sourceLayout(value: Layout) {
    if (value === this._sourceLayout) {
      return;
    }
    this._sourceLayout = value;
    Private.setLayout(value);
    if (this._diff || this._models) {
      this._clear();
      this._renderAll();
    }
  }

  /** Whether metadata changes (of the notebook, cells and outputs) are shown. */
  get metadata(): boolean {
    return this._metadata;
  }

  set metadata(value: boolean) {
    if (value !== this._metadata) {
      this._metadata = value;
      void this.load();
    }
  }

  /**
   * Scroll to the next (`step` 1) or previous (-1) change: a changed cell,
   * or a changed output.
   */
  goToChange(step: 1 | -1): void {
    const changes = [
      ...this.node.querySelectorAll<HTMLElement>(
        '.jp-mv-DiffCell:not(.jp-mv-mod-unchanged), .jp-mv-DiffSection:not([data-section="notebook"]):not([data-status="unchanged"]):not([data-status="not_compared"])'
      )
    ];
    if (changes.length === 0) {
      return;
    }
    const at = changes.findIndex(c =>
      c.classList.contains('jp-mod-currentChange')
    );
    const next =
      at < 0
        ? step > 0
          ? 0
          : changes.length - 1
        : Math.min(changes.length - 1, Math.max(0, at + step));
    changes.forEach(c => c.classList.remove('jp-mod-currentChange'));
    const chosen = changes[next];
    chosen.classList.add('jp-mod-currentChange');
    chosen.scrollIntoView({ block: 'start' });
    if (this._position) {
      this._position.textContent = `Change ${next + 1} of ${changes.length}`;
    }
  }

  /** Fetch the diff and show it (again). */
  async load(): Promise<void> {
    this._clear();
    this.addWidget(
      new Widget({
        node: h(
          'p',
          { class: 'jp-mv-DiffNote jp-mv-DiffLoading', role: 'status' },
          h('span', { class: 'jp-mv-Spinner', 'aria-hidden': 'true' }),
          'Comparing…'
        )
      })
    );
    try {
      if (this.models) {
        // The models' own facts, then the notebook versions that made them.
        const models = await getModelDiff(
          this.path,
          this.models.a,
          this.models.b
        );
        this._models = models;
        this._diff = models.versions;
        this._base = models.a.version
          ? await this._baseCells(models.a.version)
          : null;
      } else {
        if (this.a.ref === null) {
          throw new Error('the older side must be a version');
        }
        const [diff, base] = await Promise.all([
          getDiff(this.path, this.a.ref, this.b.ref, this._metadata),
          this._baseCells(this.a.ref)
        ]);
        this._diff = diff;
        this._base = base;
      }
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
    this._renderAll();
  }

  /** The unchanged cells come from the older side; without it they are counted only. */
  private _baseCells(ref: string): Promise<IBaseCell[] | null> {
    return getVersionNotebook(this.path, ref).then(
      answer => (answer.content.cells as IBaseCell[] | undefined) ?? null,
      () => null
    );
  }

  private _renderAll(): void {
    if (this._diff) {
      this._render(this._diff);
    } else if (this._models) {
      this._modelSection(this._models);
    }
  }

  /** The models' own facts, params and metrics, side by side. */
  private _modelSection(models: IModelDiff): void {
    const changed =
      models.changed.facts.length +
      models.changed.params.length +
      models.changed.metrics.length;
    this._section(
      'model',
      `Models ${models.a.label} → ${models.b.label}`,
      changed ? 'changed' : 'unchanged',
      modelSection(models)
    );
  }

  private _clear(): void {
    for (const widget of [...this.widgets]) {
      widget.dispose();
    }
  }

  private _render(diff: IDiff): void {
    this.addWidget(new Widget({ node: this._header(diff) }));
    this.addWidget(new Widget({ node: this._controls() }));
    if (this._models) {
      this._modelSection(this._models);
    }
    if (diff.notebook) {
      this._section(
        'notebook',
        'Notebook',
        diff.notebook.status,
        notebookSection(diff.notebook, this._rendermime, {
          layout: this._sourceLayout,
          base: this._base
        })
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

  /** The layout toggle, the metadata toggle, and previous / next change. */
  private _controls(): HTMLElement {
    const layoutButton = (value: Layout, label: string): HTMLElement => {
      const button = h(
        'button',
        {
          class: `jp-mv-LayoutButton jp-Button jp-mod-minimal${this._sourceLayout === value ? ' jp-mod-active' : ''}`,
          'data-layout': value,
          'aria-pressed': String(this._sourceLayout === value)
        },
        label
      );
      button.addEventListener('click', () => {
        this.sourceLayout = value;
      });
      return button;
    };
    const metadata = h('input', {
      type: 'checkbox',
      class: 'jp-mv-MetadataToggle',
      checked: this._metadata
    }) as HTMLInputElement;
    metadata.addEventListener('change', () => {
      this.metadata = metadata.checked;
    });
    const step = (value: 1 | -1, label: string, keys: string): HTMLElement => {
      const button = h(
        'button',
        {
          class: 'jp-mv-ChangeButton jp-Button jp-mod-minimal',
          'data-step': value,
          title: `${value > 0 ? 'Next' : 'Previous'} change (${keys})`
        },
        label
      );
      button.addEventListener('click', () => this.goToChange(value));
      return button;
    };
    this._position = h('span', { class: 'jp-mv-ChangePosition' });
    return h(
      'div',
      { class: 'jp-mv-DiffControls' },
      h(
        'span',
        { class: 'jp-mv-LayoutToggle', role: 'group', 'aria-label': 'Layout' },
        layoutButton('unified', 'Unified'),
        layoutButton('split', 'Side by side')
      ),
      h(
        'label',
        {
          class: 'jp-mv-MetadataLabel',
          title:
            'Show changes of notebook, cell and output metadata and execution counts'
        },
        metadata,
        'Metadata changes'
      ),
      h(
        'span',
        { class: 'jp-mv-ChangeNav' },
        step(-1, '↑ Previous', 'p'),
        step(1, '↓ Next', 'n'),
        this._position
      )
    );
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
  private _models: IModelDiff | null = null;
  private _base: IBaseCell[] | null = null;
  private _sourceLayout: Layout = Private.layout();
  private _metadata = false;
  private _position: HTMLElement | null = null;
  private _rendermime: IRenderMimeRegistry;
}

export namespace DiffView {
  export interface IOptions {
    path: string;
    a: IDiffSide;
    b: IDiffSide;
    rendermime: IRenderMimeRegistry;
    /** Compare these two model versions (their facts, then their notebook versions). */
    models?: { a: string; b: string };
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

  let lastLayout: Layout = 'unified';

  /** The layout new comparisons open in: the last one chosen. */
  export function layout(): Layout {
    return lastLayout;
  }

  export function setLayout(value: Layout): void {
    lastLayout = value;
  }

  /** A number no diff panel of this page had before. */
  export function nextId(): number {
    return count++;
  }
}
