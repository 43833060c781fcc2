import type * as nbformat from '@jupyterlab/nbformat';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';

import {
  ICellDiff,
  ICellSide,
  IHunk,
  IKeyChange,
  INotebookDiff,
  IOutput,
  IOutputEntry
} from '../diff-types';
import { badge, h, show } from './dom';
import { imageCompare, imageURL } from './images';
import { Layout, sourceHunks, wholeSource } from './source';

/** A cell of the older notebook, as stored (for the unchanged cells). */
export interface IBaseCell {
  cell_type: string;
  source: string | string[];
}

/** How the notebook section is drawn. */
export interface INotebookOptions {
  /** Unified or side by side. */
  layout: Layout;
  /** The older side's cells, to show the unchanged ones between the changes; null: counted only. */
  base: IBaseCell[] | null;
}

const STATUS_TEXT: Record<string, string> = {
  added: 'Added',
  removed: 'Removed',
  modified: 'Modified',
  moved: 'Moved',
  changed: 'Changed',
  unchanged: 'Unchanged'
};

/**
 * The notebook section: one block per changed cell, outputs rendered; the
 * unchanged cells between them folded behind "Show N unchanged cells".
 */
export function notebookSection(
  diff: INotebookDiff,
  rendermime: IRenderMimeRegistry,
  options: INotebookOptions = { layout: 'unified', base: null }
): Panel {
  const section = new Panel();
  section.addClass('jp-mv-DiffCells');
  if (diff.status === 'missing') {
    section.addWidget(note('Neither side holds a notebook.'));
    return section;
  }
  if (diff.metadata && diff.metadata.length > 0) {
    section.addWidget(
      new Widget({ node: metadataNode('Notebook metadata', diff.metadata) })
    );
  }
  if (diff.cells.length === 0) {
    const hidden = diff.hidden.cells
      ? ` (${diff.hidden.cells} differ only in execution counts or metadata)`
      : '';
    section.addWidget(note(`No cell changed${hidden}.`));
    return section;
  }
  const { base } = options;
  if (base === null) {
    for (const cell of diff.cells) {
      section.addWidget(cellWidget(cell, rendermime, options.layout));
    }
    const { unchanged } = diff.summary;
    if (unchanged > 0) {
      section.addWidget(
        note(
          `${unchanged} unchanged ${unchanged === 1 ? 'cell' : 'cells'} not shown.`
        )
      );
    }
    return section;
  }
  // The older side's cells that no entry names are the unchanged ones: each
  // run of them is shown (folded) before the change that follows it.
  const named = new Set(
    diff.cells.filter(c => c.a !== null).map(c => (c.a as ICellSide).index)
  );
  let next = 0;
  const gap = (upTo: number): void => {
    const run: number[] = [];
    for (; next < upTo; next++) {
      if (!named.has(next) && next < base.length) {
        run.push(next);
      }
    }
    if (run.length) {
      section.addWidget(unchangedFold(run, base));
    }
  };
  for (const cell of diff.cells) {
    if (cell.a !== null && cell.status !== 'moved' && cell.a.index >= next) {
      gap(cell.a.index);
      next = cell.a.index + 1;
    }
    section.addWidget(cellWidget(cell, rendermime, options.layout));
  }
  gap(base.length);
  return section;
}

/** "Show N unchanged cells": a fold that opens onto the cells' sources. */
function unchangedFold(indices: number[], base: IBaseCell[]): Widget {
  const n = indices.length;
  const label = (open: boolean): string =>
    `${open ? 'Hide' : 'Show'} ${n} unchanged ${n === 1 ? 'cell' : 'cells'}`;
  const button = h(
    'button',
    { class: 'jp-mv-UnchangedFold-button', 'aria-expanded': 'false' },
    label(false)
  );
  const body = h('div', { class: 'jp-mv-UnchangedFold-cells', hidden: true });
  const node = h(
    'div',
    { class: 'jp-mv-UnchangedFold', 'data-count': n },
    button,
    body
  );
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    button.textContent = label(open);
    if (open && body.childElementCount === 0) {
      for (const index of indices) {
        const cell = base[index];
        const source = Array.isArray(cell.source)
          ? cell.source.join('')
          : cell.source;
        body.appendChild(
          h(
            'div',
            {
              class: 'jp-mv-DiffCell jp-mv-mod-unchanged',
              'data-status': 'unchanged'
            },
            h(
              'div',
              { class: 'jp-mv-DiffCell-header' },
              badge('unchanged', 'Unchanged'),
              h('span', { class: 'jp-mv-DiffCell-where' }, `Cell ${index + 1}`),
              h('span', { class: 'jp-mv-DiffCell-type' }, cell.cell_type)
            ),
            wholeSource(source, 'context')
          )
        );
      }
    }
    body.hidden = !open;
  });
  return new Widget({ node });
}

/** Metadata changes: each key, before and after. */
function metadataNode(title: string, changes: IKeyChange[]): HTMLElement {
  return h(
    'div',
    { class: 'jp-mv-DiffMetadata' },
    h('div', { class: 'jp-mv-DiffMetadata-title' }, title),
    changes.map(change =>
      h(
        'div',
        { class: `jp-mv-DiffMetadata-entry jp-mv-mod-${change.status}` },
        badge(
          change.status === 'changed' ? 'modified' : change.status,
          change.status
        ),
        h('code', {}, change.key),
        h(
          'span',
          { class: 'jp-mv-DiffMetadata-values' },
          `${show(change.a)} → ${show(change.b)}`
        )
      )
    )
  );
}

function note(text: string): Widget {
  return new Widget({ node: h('p', { class: 'jp-mv-DiffNote' }, text) });
}

function where(cell: ICellDiff): string {
  const a = cell.a ? cell.a.index + 1 : null;
  const b = cell.b ? cell.b.index + 1 : null;
  if (a !== null && b !== null && a !== b) {
    return `Cell ${a} → ${b}`;
  }
  return `Cell ${b ?? a}`;
}

/** One changed cell: header, source lines, outputs. */
function cellWidget(
  cell: ICellDiff,
  rendermime: IRenderMimeRegistry,
  layout: Layout
): Panel {
  const panel = new Panel();
  panel.addClass('jp-mv-DiffCell');
  panel.addClass(`jp-mv-mod-${cell.status}`);
  panel.node.dataset.status = cell.status;
  const changes = cell.changes.filter(
    c => c !== 'moved' || cell.status !== 'moved'
  );
  const header = h(
    'div',
    { class: 'jp-mv-DiffCell-header' },
    badge(cell.status, STATUS_TEXT[cell.status]),
    h('span', { class: 'jp-mv-DiffCell-where' }, where(cell)),
    h('span', { class: 'jp-mv-DiffCell-type' }, cell.cell_type),
    changes.length > 0 && cell.status === 'modified'
      ? h('span', { class: 'jp-mv-DiffCell-changes' }, changes.join(', '))
      : null,
    cell.match === 'similar' && cell.similarity !== undefined
      ? h(
          'span',
          { class: 'jp-mv-DiffCell-match', title: 'Paired by similar source' },
          `${Math.round(cell.similarity * 100)}% similar`
        )
      : null
  );
  panel.addWidget(new Widget({ node: header }));

  if (cell.status === 'added' || cell.status === 'removed') {
    const side = (cell.status === 'added' ? cell.b : cell.a) as ICellSide;
    const op = cell.status === 'added' ? '+' : '-';
    panel.addWidget(
      new Widget({
        node: wholeSource(side.source ?? '', op === '+' ? 'added' : 'removed')
      })
    );
    const outputs = side.outputs ?? [];
    if (outputs.length > 0) {
      const box = new Panel();
      box.addClass('jp-mv-DiffOutputs');
      box.addClass(`jp-mv-mod-${cell.status}`);
      box.addWidget(outputArea(outputs, rendermime));
      panel.addWidget(box);
    }
    return panel;
  }
  if (cell.source && cell.source.length > 0) {
    panel.addWidget(new Widget({ node: sourceHunks(cell.source, layout) }));
  }
  if (cell.metadata && cell.metadata.length > 0) {
    panel.addWidget(
      new Widget({ node: metadataNode('Cell metadata', cell.metadata) })
    );
  }
  if (cell.outputs && cell.changes.includes('outputs')) {
    panel.addWidget(outputsWidget(cell.outputs, rendermime));
  }
  return panel;
}

/** Unified hunks, with line numbers of both sides. */
export function hunks(list: IHunk[]): HTMLElement {
  return sourceHunks(list, 'unified');
}

/** Outputs rendered by JupyterLab's rendermime (untrusted: no scripts). */
function outputArea(
  outputs: IOutput[],
  rendermime: IRenderMimeRegistry
): OutputArea {
  const model = new OutputAreaModel({
    values: outputs as unknown as nbformat.IOutput[],
    trusted: false
  });
  const area = new OutputArea({ model, rendermime });
  area.addClass('jp-mv-DiffOutputArea');
  area.disposed.connect(() => model.dispose());
  return area;
}

/** The outputs of a modified cell: each changed one side by side. */
function outputsWidget(
  entries: IOutputEntry[],
  rendermime: IRenderMimeRegistry
): Panel {
  const box = new Panel();
  box.addClass('jp-mv-DiffOutputs');
  let unchanged = 0;
  for (const entry of entries) {
    if (entry.status === 'unchanged') {
      unchanged += 1;
      continue;
    }
    const row = new Panel();
    row.addClass('jp-mv-OutputRow');
    row.addClass(`jp-mv-mod-${entry.status}`);
    row.node.dataset.status = entry.status;
    const parts = (entry.parts ?? []).map(p => p.key).join(', ');
    row.addWidget(
      new Widget({
        node: h(
          'div',
          { class: 'jp-mv-OutputRow-header' },
          badge(
            entry.status === 'changed' ? 'modified' : entry.status,
            `Output ${STATUS_TEXT[entry.status].toLowerCase()}`
          ),
          h('span', {}, entry.output_type),
          parts ? h('span', { class: 'jp-mv-OutputRow-parts' }, parts) : null
        )
      })
    );
    const columns = new Panel();
    columns.addClass('jp-mv-OutputColumns');
    columns.addWidget(column('a', entry.a?.output ?? null, rendermime));
    columns.addWidget(column('b', entry.b?.output ?? null, rendermime));
    const part = (entry.parts ?? []).find(p => p.kind === 'image');
    if (part) {
      // The modes show the rendered columns, or another view above them.
      const holder = new Widget();
      holder.addClass('jp-mv-ImageHolder');
      row.addWidget(holder);
      row.addWidget(columns);
      const compare = imageCompare(
        columns.node,
        imageURL(entry.a?.output),
        imageURL(entry.b?.output),
        part.image
      );
      holder.node.appendChild(compare);
    } else {
      row.addWidget(columns);
    }
    box.addWidget(row);
  }
  if (unchanged > 0) {
    box.addWidget(
      note(
        `${unchanged} unchanged ${unchanged === 1 ? 'output' : 'outputs'} not shown.`
      )
    );
  }
  return box;
}

function column(
  side: 'a' | 'b',
  output: IOutput | null,
  rendermime: IRenderMimeRegistry
): Panel {
  const panel = new Panel();
  panel.addClass('jp-mv-OutputColumn');
  panel.node.dataset.side = side;
  panel.addWidget(
    new Widget({
      node: h(
        'div',
        { class: 'jp-mv-OutputColumn-title' },
        side === 'a' ? 'Before' : 'After'
      )
    })
  );
  if (output === null) {
    panel.addWidget(note('No output'));
  } else {
    panel.addWidget(outputArea([output], rendermime));
  }
  return panel;
}
