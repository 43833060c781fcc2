import type * as nbformat from '@jupyterlab/nbformat';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';

import {
  ICellDiff,
  ICellSide,
  IHunk,
  IImageCompare,
  INotebookDiff,
  IOutput,
  IOutputEntry
} from '../diff-types';
import { badge, h } from './dom';

const STATUS_TEXT: Record<string, string> = {
  added: 'Added',
  removed: 'Removed',
  modified: 'Modified',
  moved: 'Moved',
  changed: 'Changed',
  unchanged: 'Unchanged'
};

/** The notebook section: one block per changed cell, outputs rendered. */
export function notebookSection(
  diff: INotebookDiff,
  rendermime: IRenderMimeRegistry
): Panel {
  const section = new Panel();
  section.addClass('jp-mv-DiffCells');
  if (diff.status === 'missing') {
    section.addWidget(note('Neither side holds a notebook.'));
    return section;
  }
  if (diff.cells.length === 0) {
    const hidden = diff.hidden.cells
      ? ` (${diff.hidden.cells} differ only in execution counts or metadata)`
      : '';
    section.addWidget(note(`No cell changed${hidden}.`));
    return section;
  }
  for (const cell of diff.cells) {
    section.addWidget(cellWidget(cell, rendermime));
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
function cellWidget(cell: ICellDiff, rendermime: IRenderMimeRegistry): Panel {
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
    panel.addWidget(new Widget({ node: wholeSource(side.source ?? '', op) }));
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
    panel.addWidget(new Widget({ node: hunks(cell.source) }));
  }
  if (cell.outputs && cell.changes.includes('outputs')) {
    panel.addWidget(outputsWidget(cell.outputs, rendermime));
  }
  return panel;
}

function line(
  op: string,
  text: string,
  a: number | null,
  b: number | null
): HTMLElement {
  const kind = op === '+' ? 'added' : op === '-' ? 'removed' : 'context';
  return h(
    'div',
    { class: `jp-mv-Line jp-mv-mod-${kind}` },
    h('span', { class: 'jp-mv-Line-no' }, a ?? ''),
    h('span', { class: 'jp-mv-Line-no' }, b ?? ''),
    h('span', { class: 'jp-mv-Line-op' }, op === ' ' ? '' : op),
    h('span', { class: 'jp-mv-Line-text' }, text)
  );
}

function wholeSource(source: string, op: '+' | '-'): HTMLElement {
  const lines = source.length ? source.replace(/\n$/, '').split('\n') : [''];
  return h(
    'div',
    { class: 'jp-mv-Source' },
    lines.map((text, i) =>
      line(op, text, op === '-' ? i + 1 : null, op === '+' ? i + 1 : null)
    )
  );
}

/** Unified hunks, with line numbers of both sides. */
export function hunks(list: IHunk[]): HTMLElement {
  const node = h('div', { class: 'jp-mv-Source' });
  for (const hunk of list) {
    node.appendChild(
      h(
        'div',
        { class: 'jp-mv-HunkHeader' },
        `@@ −${hunk.a_start},${hunk.a_lines} +${hunk.b_start},${hunk.b_lines} @@`
      )
    );
    let a = hunk.a_lines === 0 ? hunk.a_start + 1 : hunk.a_start;
    let b = hunk.b_lines === 0 ? hunk.b_start + 1 : hunk.b_start;
    for (const { op, text } of hunk.lines) {
      node.appendChild(
        line(op, text, op === '+' ? null : a, op === '-' ? null : b)
      );
      if (op !== '+') {
        a += 1;
      }
      if (op !== '-') {
        b += 1;
      }
    }
  }
  return node;
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
    const image = (entry.parts ?? []).find(
      p => p.kind === 'image' && p.image
    )?.image;
    if (image) {
      columns.addWidget(differenceColumn(image));
    }
    row.addWidget(columns);
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

/** The pixel difference of two images: side a faded, changed pixels in red. */
function differenceColumn(image: IImageCompare): Widget {
  const caption =
    image.changed_share !== undefined
      ? `${(image.changed_share * 100).toFixed(image.changed_share < 0.01 ? 2 : 1)}% of pixels changed`
      : (image.note ?? 'No pixel comparison');
  const sizes =
    !image.same_size && image.a && image.b
      ? ` (${image.a.width}×${image.a.height} → ${image.b.width}×${image.b.height})`
      : '';
  return new Widget({
    node: h(
      'div',
      {
        class: 'jp-mv-OutputColumn jp-mv-Difference',
        'data-side': 'difference'
      },
      h('div', { class: 'jp-mv-OutputColumn-title' }, 'Difference'),
      image.diff_png
        ? h('img', {
            class: 'jp-mv-Difference-image',
            src: `data:image/png;base64,${image.diff_png}`,
            alt: 'Changed pixels in red over the earlier image'
          })
        : null,
      h('div', { class: 'jp-mv-Difference-caption' }, caption + sizes)
    )
  });
}
