import { diffChars } from 'diff';

import { IDiffLine, IHunk } from '../diff-types';
import { h } from './dom';

/** How a source diff is laid out: one column, or the two sides next to each other. */
export type Layout = 'unified' | 'split';

type Kind = 'added' | 'removed' | 'context';

/** A changed line pair is highlighted by character only when enough of it stayed. */
const MIN_KEPT = 0.3;

/**
 * The text of a changed line with the characters that changed marked
 * (`jp-mv-Char`), against the line it replaced (or was replaced by).
 */
function marked(text: string, other: string, kind: Kind): (Node | string)[] {
  const parts =
    kind === 'added' ? diffChars(other, text) : diffChars(text, other);
  const kept = parts
    .filter(p => !p.added && !p.removed)
    .reduce((n, p) => n + p.value.length, 0);
  if (kept < MIN_KEPT * Math.max(text.length, other.length)) {
    return [text];
  }
  const out: (Node | string)[] = [];
  for (const part of parts) {
    if (!part.added && !part.removed) {
      out.push(part.value);
    } else if (
      (kind === 'added' && part.added) ||
      (kind === 'removed' && part.removed)
    ) {
      out.push(
        h('span', { class: `jp-mv-Char jp-mv-mod-${kind}` }, part.value)
      );
    }
  }
  return out;
}

function lineNode(
  kind: Kind,
  text: (Node | string)[],
  a: number | null,
  b: number | null,
  split: boolean
): HTMLElement {
  const op = kind === 'added' ? '+' : kind === 'removed' ? '-' : '';
  return h(
    'div',
    { class: `jp-mv-Line jp-mv-mod-${kind}` },
    split ? null : h('span', { class: 'jp-mv-Line-no' }, a ?? ''),
    h(
      'span',
      { class: 'jp-mv-Line-no' },
      split ? ((kind === 'added' ? b : a) ?? '') : (b ?? '')
    ),
    h('span', { class: 'jp-mv-Line-op' }, op),
    h('span', { class: 'jp-mv-Line-text' }, text)
  );
}

function emptyHalf(): HTMLElement {
  return h('div', { class: 'jp-mv-Line jp-mv-mod-empty' });
}

interface INumbered extends IDiffLine {
  a: number | null;
  b: number | null;
}

/** The hunk's lines with their numbers on each side. */
function numbered(hunk: IHunk): INumbered[] {
  let a = hunk.a_lines === 0 ? hunk.a_start + 1 : hunk.a_start;
  let b = hunk.b_lines === 0 ? hunk.b_start + 1 : hunk.b_start;
  return hunk.lines.map(line => {
    const row = {
      ...line,
      a: line.op === '+' ? null : a,
      b: line.op === '-' ? null : b
    };
    if (line.op !== '+') {
      a += 1;
    }
    if (line.op !== '-') {
      b += 1;
    }
    return row;
  });
}

/** Runs of the hunk: context lines one by one, a change as its removed and added lines. */
function runs(
  lines: INumbered[]
): { context?: INumbered; removed: INumbered[]; added: INumbered[] }[] {
  const out: {
    context?: INumbered;
    removed: INumbered[];
    added: INumbered[];
  }[] = [];
  let change: { removed: INumbered[]; added: INumbered[] } | null = null;
  for (const line of lines) {
    if (line.op === ' ') {
      change = null;
      out.push({ context: line, removed: [], added: [] });
      continue;
    }
    if (change === null || (line.op === '-' && change.added.length > 0)) {
      change = { removed: [], added: [] };
      out.push(change);
    }
    (line.op === '-' ? change.removed : change.added).push(line);
  }
  return out;
}

/**
 * Source hunks, unified (one column, both line numbers) or split (the old
 * side left, the new right); a changed line's changed characters marked.
 */
export function sourceHunks(
  list: IHunk[],
  layout: Layout = 'unified'
): HTMLElement {
  const split = layout === 'split';
  const node = h('div', {
    class: split ? 'jp-mv-Source jp-mod-split' : 'jp-mv-Source'
  });
  node.dataset.layout = layout;
  for (const hunk of list) {
    node.appendChild(
      h(
        'div',
        { class: 'jp-mv-HunkHeader' },
        `@@ −${hunk.a_start},${hunk.a_lines} +${hunk.b_start},${hunk.b_lines} @@`
      )
    );
    for (const run of runs(numbered(hunk))) {
      if (run.context) {
        const c = run.context;
        if (split) {
          node.appendChild(
            h(
              'div',
              { class: 'jp-mv-SplitRow' },
              lineNode('context', [c.text], c.a, c.b, true),
              lineNode('context', [c.text], c.b, c.b, true)
            )
          );
        } else {
          node.appendChild(lineNode('context', [c.text], c.a, c.b, false));
        }
        continue;
      }
      const { removed, added } = run;
      const pair = (
        i: number,
        kind: 'removed' | 'added'
      ): (Node | string)[] => {
        const mine = kind === 'removed' ? removed[i] : added[i];
        const other = kind === 'removed' ? added[i] : removed[i];
        return other ? marked(mine.text, other.text, kind) : [mine.text];
      };
      if (split) {
        for (let i = 0; i < Math.max(removed.length, added.length); i++) {
          node.appendChild(
            h(
              'div',
              { class: 'jp-mv-SplitRow' },
              removed[i]
                ? lineNode(
                    'removed',
                    pair(i, 'removed'),
                    removed[i].a,
                    null,
                    true
                  )
                : emptyHalf(),
              added[i]
                ? lineNode('added', pair(i, 'added'), null, added[i].b, true)
                : emptyHalf()
            )
          );
        }
      } else {
        removed.forEach((line, i) =>
          node.appendChild(
            lineNode('removed', pair(i, 'removed'), line.a, null, false)
          )
        );
        added.forEach((line, i) =>
          node.appendChild(
            lineNode('added', pair(i, 'added'), null, line.b, false)
          )
        );
      }
    }
  }
  return node;
}

/** A whole source on one side (an added or removed cell, or an unchanged one). */
export function wholeSource(source: string, kind: Kind): HTMLElement {
  const lines = source.length ? source.replace(/\n$/, '').split('\n') : [''];
  return h(
    'div',
    { class: 'jp-mv-Source' },
    lines.map((text, i) =>
      lineNode(
        kind,
        [text],
        kind === 'added' ? null : i + 1,
        kind === 'removed' ? null : i + 1,
        false
      )
    )
  );
}
