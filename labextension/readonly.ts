import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type * as nbformat from '@jupyterlab/nbformat';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';

import { h } from './diff/dom';
import { versionsIcon } from './icons';
import { getVersionNotebook, messageOf } from './request';
import { IVersion } from './types';

function text(source: unknown): string {
  return Array.isArray(source) ? source.join('') : String(source ?? '');
}

/** One cell, read only: markdown rendered, code with its outputs rendered. */
function cellWidget(
  cell: Record<string, unknown>,
  index: number,
  rendermime: IRenderMimeRegistry
): Widget {
  const panel = new Panel();
  panel.addClass('jp-mv-ReadOnlyCell');
  const type = String(cell.cell_type ?? 'code');
  panel.node.dataset.cellType = type;
  panel.node.dataset.index = String(index);
  const source = text(cell.source);
  if (type === 'markdown') {
    const renderer = rendermime.createRenderer('text/markdown');
    renderer.addClass('jp-mv-ReadOnlyCell-markdown');
    void renderer.renderModel(
      new MimeModel({ data: { 'text/markdown': source }, trusted: false })
    );
    panel.addWidget(renderer);
    return panel;
  }
  const count = cell.execution_count;
  panel.addWidget(
    new Widget({
      node: h(
        'div',
        { class: 'jp-mv-ReadOnlyCell-input' },
        h(
          'span',
          { class: 'jp-mv-ReadOnlyCell-prompt' },
          type === 'code' ? `[${typeof count === 'number' ? count : ' '}]:` : ''
        ),
        h('pre', { class: 'jp-mv-ReadOnlyCell-source' }, source)
      )
    })
  );
  const outputs = (cell.outputs as nbformat.IOutput[] | undefined) ?? [];
  if (outputs.length > 0) {
    const model = new OutputAreaModel({ values: outputs, trusted: false });
    const area = new OutputArea({ model, rendermime });
    area.addClass('jp-mv-ReadOnlyCell-outputs');
    area.disposed.connect(() => model.dispose());
    panel.addWidget(area);
  }
  return panel;
}

/**
 * A version's notebook in a tab of its own, read only: its cells as they
 * were stored, outputs rendered (untrusted: no scripts run), nothing written.
 */
export class ReadOnlyNotebook extends Panel {
  constructor(
    readonly path: string,
    readonly version: IVersion,
    private _rendermime: IRenderMimeRegistry
  ) {
    super();
    this.addClass('jp-mv-ReadOnlyNotebook');
    this.node.dataset.version = version.name;
  }

  /** Fetch the version's notebook and show it. */
  async load(): Promise<void> {
    const loading = new Widget({
      node: h(
        'p',
        { class: 'jp-mv-DiffNote', role: 'status' },
        h('span', { class: 'jp-mv-Spinner', 'aria-hidden': 'true' }),
        `Reading ${this.version.name}…`
      )
    });
    this.addWidget(loading);
    try {
      const { content } = await getVersionNotebook(this.path, this.version.id);
      loading.dispose();
      this.addWidget(
        new Widget({
          node: h(
            'div',
            { class: 'jp-mv-ReadOnlyBanner' },
            `${PathExt.basename(this.path)} as it was at ${this.version.name}` +
              (this.version.message ? ` (${this.version.message})` : '') +
              ': read only, nothing here is written to the notebook.'
          )
        })
      );
      const cells =
        (content.cells as Record<string, unknown>[] | undefined) ?? [];
      cells.forEach((cell, i) =>
        this.addWidget(cellWidget(cell, i, this._rendermime))
      );
    } catch (reason) {
      loading.dispose();
      this.addWidget(
        new Widget({
          node: h(
            'div',
            { class: 'jp-mv-State jp-mv-State-error', role: 'alert' },
            `Could not read ${this.version.name}: ${messageOf(reason)}`
          )
        })
      );
    }
  }
}

/** A main-area tab with a version's notebook, read only. */
export function createReadOnlyPanel(
  path: string,
  version: IVersion,
  rendermime: IRenderMimeRegistry
): MainAreaWidget<ReadOnlyNotebook> {
  const content = new ReadOnlyNotebook(path, version, rendermime);
  const panel = new MainAreaWidget({ content });
  panel.addClass('jp-mv-ReadOnlyPanel');
  panel.id = `jupyter-mv-read-${version.id}`;
  panel.title.label = `${PathExt.basename(path)} @ ${version.name} (read only)`;
  panel.title.caption = `${path} as it was at ${version.name}, read only`;
  panel.title.icon = versionsIcon;
  panel.title.closable = true;
  void content.load();
  return panel;
}
