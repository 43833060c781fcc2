import { IImageCompare, IOutput } from '../diff-types';
import { h } from './dom';

/** The ways two versions of an image can be looked at. */
export type ImageMode = 'side' | 'swipe' | 'onion' | 'difference';

const MODES: { mode: ImageMode; label: string; help: string }[] = [
  {
    mode: 'side',
    label: 'Side by side',
    help: 'The two images next to each other'
  },
  {
    mode: 'swipe',
    label: 'Swipe',
    help: 'The new image over the old one, up to the slider'
  },
  {
    mode: 'onion',
    label: 'Onion skin',
    help: 'The new image over the old one, as opaque as the slider says'
  },
  {
    mode: 'difference',
    label: 'Difference',
    help: 'The changed pixels highlighted over the new image'
  }
];

/** Two pixels differ when a channel moved by more than this (of 255). */
const THRESHOLD = 16;

/** The raster image of an output (`data:` URL), or null. */
export function imageURL(output: IOutput | null | undefined): string | null {
  const data = output?.data;
  if (!data) {
    return null;
  }
  for (const mime of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
    const value = data[mime];
    if (typeof value === 'string') {
      return `data:${mime};base64,${value.replace(/\s/g, '')}`;
    }
  }
  return null;
}

function load(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the image cannot be read'));
    image.src = src;
  });
}

/**
 * The new image with its changed pixels highlighted: the image as it is,
 * a tint over each pixel that differs from the old image (compared at the
 * new image's size), and the share of pixels changed.
 */
export async function differenceCanvas(
  a: string,
  b: string
): Promise<{ canvas: HTMLCanvasElement; changed: number; total: number }> {
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  const width = ib.naturalWidth;
  const height = ib.naturalHeight;
  const read = (image: HTMLImageElement): Uint8ClampedArray => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d') as CanvasRenderingContext2D;
    context.drawImage(image, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  };
  const pa = read(ia);
  const pb = read(ib);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.className = 'jp-mv-ImageDiff-overlay';
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const overlay = context.createImageData(width, height);
  let changed = 0;
  for (let i = 0; i < pa.length; i += 4) {
    const moved = Math.max(
      Math.abs(pa[i] - pb[i]),
      Math.abs(pa[i + 1] - pb[i + 1]),
      Math.abs(pa[i + 2] - pb[i + 2]),
      Math.abs(pa[i + 3] - pb[i + 3])
    );
    if (moved > THRESHOLD) {
      changed += 1;
      // A see-through magenta: the new pixel shows through the highlight.
      overlay.data[i] = 255;
      overlay.data[i + 1] = 0;
      overlay.data[i + 2] = 200;
      overlay.data[i + 3] = 110;
    }
  }
  context.putImageData(overlay, 0, 0);
  return { canvas, changed, total: width * height };
}

function zoomable(node: HTMLElement): HTMLElement {
  node.classList.add('jp-mv-Zoomable');
  node.title = 'Click to zoom';
  node.addEventListener('click', () => {
    const zoomed = node.classList.toggle('jp-mod-zoomed');
    node.title = zoomed ? 'Click to fit' : 'Click to zoom';
  });
  return node;
}

/** The mode this page's image comparisons open in (the last one chosen). */
let lastMode: ImageMode = 'side';

/**
 * A changed image: a bar of modes, then side by side (the rendered outputs,
 * `columns`, shown or hidden where they are), a swipe slider, an onion skin with opacity, or the pixel
 * difference as a highlight over the new image. Click an image to zoom.
 */
export function imageCompare(
  columns: HTMLElement,
  a: string | null,
  b: string | null,
  stats: IImageCompare | undefined
): HTMLElement {
  const node = h('div', { class: 'jp-mv-ImageCompare' });
  const bar = h('div', {
    class: 'jp-mv-ImageModes',
    role: 'tablist',
    'aria-label': 'How to compare the images'
  });
  const view = h('div', { class: 'jp-mv-ImageView' });
  const caption = stats
    ? stats.changed_share !== undefined
      ? `${(stats.changed_share * 100).toFixed(stats.changed_share < 0.01 ? 2 : 1)}% of pixels changed`
      : (stats.note ?? 'No pixel comparison')
    : '';
  const sizes =
    stats && !stats.same_size && stats.a && stats.b
      ? ` (${stats.a.width}×${stats.a.height} → ${stats.b.width}×${stats.b.height})`
      : '';
  const status = h(
    'div',
    { class: 'jp-mv-Difference', 'data-side': 'difference' },
    h('span', { class: 'jp-mv-Difference-caption' }, caption + sizes)
  );
  node.append(bar, view, status);
  const both = a !== null && b !== null;
  const buttons = new Map<ImageMode, HTMLElement>();
  const show = (mode: ImageMode): void => {
    const chosen = both ? mode : 'side';
    lastMode = chosen;
    node.dataset.mode = chosen;
    for (const [m, button] of buttons) {
      button.setAttribute('aria-selected', String(m === chosen));
      button.classList.toggle('jp-mod-active', m === chosen);
    }
    view.replaceChildren();
    // The rendered outputs stay where they are, shown in side-by-side mode only.
    columns.classList.toggle('lm-mod-hidden', chosen !== 'side');
    if (chosen === 'side') {
      return;
    } else if (chosen === 'swipe') {
      view.appendChild(swipe(a as string, b as string));
    } else if (chosen === 'onion') {
      view.appendChild(onion(a as string, b as string));
    } else {
      view.appendChild(difference(a as string, b as string));
    }
  };
  for (const { mode, label, help } of MODES) {
    const button = h(
      'button',
      {
        class: 'jp-mv-ImageMode jp-Button jp-mod-minimal',
        role: 'tab',
        title: both || mode === 'side' ? help : 'Both sides must be images',
        'data-mode': mode,
        disabled: !both && mode !== 'side'
      },
      label
    );
    button.addEventListener('click', () => show(mode));
    buttons.set(mode, button);
    bar.appendChild(button);
  }
  show(lastMode);
  return node;
}

function stack(
  a: string,
  b: string
): { box: HTMLElement; top: HTMLImageElement; below: HTMLImageElement } {
  const below = h('img', {
    class: 'jp-mv-ImageStack-a',
    src: a,
    alt: 'Before'
  }) as HTMLImageElement;
  const top = h('img', {
    class: 'jp-mv-ImageStack-b',
    src: b,
    alt: 'After'
  }) as HTMLImageElement;
  const box = zoomable(h('div', { class: 'jp-mv-ImageStack' }, below, top));
  return { box, top, below };
}

function slider(
  label: string,
  value: number,
  onInput: (value: number) => void
): HTMLElement {
  const input = h('input', {
    class: 'jp-mv-ImageSlider',
    type: 'range',
    min: 0,
    max: 100,
    value,
    'aria-label': label
  }) as HTMLInputElement;
  input.addEventListener('input', () => onInput(Number(input.value)));
  input.addEventListener('click', event => event.stopPropagation());
  return h('label', { class: 'jp-mv-ImageSlider-label' }, label, input);
}

/** The new image over the old, shown up to the slider (from the left). */
function swipe(a: string, b: string): HTMLElement {
  const { box, top } = stack(a, b);
  box.classList.add('jp-mod-swipe');
  const set = (share: number): void => {
    top.style.clipPath = `inset(0 ${100 - share}% 0 0)`;
    box.dataset.share = String(share);
  };
  set(50);
  return h(
    'div',
    { class: 'jp-mv-ImageSwipe' },
    slider('Before ⟷ after', 50, set),
    box
  );
}

/** The new image over the old, as opaque as the slider says. */
function onion(a: string, b: string): HTMLElement {
  const { box, top } = stack(a, b);
  box.classList.add('jp-mod-onion');
  const set = (share: number): void => {
    top.style.opacity = String(share / 100);
    box.dataset.opacity = String(share);
  };
  set(50);
  return h(
    'div',
    { class: 'jp-mv-ImageOnion' },
    slider('Opacity of the new image', 50, set),
    box
  );
}

/** The new image with the changed pixels highlighted over it. */
function difference(a: string, b: string): HTMLElement {
  const image = h('img', {
    class: 'jp-mv-ImageStack-b',
    src: b,
    alt: 'After, changed pixels highlighted'
  });
  const box = zoomable(
    h('div', { class: 'jp-mv-ImageStack jp-mod-difference' }, image)
  );
  const note = h('div', { class: 'jp-mv-ImageDiff-note' }, 'Comparing pixels…');
  differenceCanvas(a, b)
    .then(({ canvas, changed, total }) => {
      box.appendChild(canvas);
      box.dataset.changed = String(changed);
      note.textContent = changed
        ? `${changed} of ${total} pixels changed, highlighted over the new image`
        : 'No pixel changed';
    })
    .catch(reason => {
      note.textContent = `No pixel comparison: ${reason instanceof Error ? reason.message : String(reason)}`;
    });
  return h('div', { class: 'jp-mv-ImageDifference' }, box, note);
}
