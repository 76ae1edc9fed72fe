import type { Page } from 'puppeteer-core';

/**
 * Layout checks that run in the page after fonts are ready: whether any word is hidden.
 * A word is hidden when another element is painted over its line box, when an ancestor with
 * `overflow` other than visible clips it, or when its colour does not show on what lies under
 * it. The page's JavaScript stays off: these run through page.evaluate, which needs none.
 */

export interface HiddenText {
  /** The text (first words) that does not show, and the element holding it. */
  text: string;
  element: string;
  /** covered: painted over by `other`; clipped: cut by the ancestor `other`; invisible: drawn in a colour that does not show. */
  kind: 'covered' | 'clipped' | 'invisible';
  other: string;
  detail?: string;
}

/** Contrast ratio below which text is taken as not showing at all (white on near-white). */
export const INVISIBLE_BELOW = 1.5;

export function describeHidden(h: HiddenText): string {
  const what = `"${h.text}" (${h.element})`;
  if (h.kind === 'covered') return `${what} is covered by ${h.other}`;
  if (h.kind === 'clipped') return `${what} is cut off by ${h.other}, which clips its overflow`;
  return `${what} does not show on ${h.other}${h.detail ? ` (${h.detail})` : ''}`;
}

/**
 * Find every hidden run of text. Hit testing (elementsFromPoint) gives the paint order at a point,
 * so sampling the middle band of each line box shows what lies over it and under it. The viewport
 * is grown to the whole document first, since hit testing sees only what is inside it (a PDF's
 * later pages lie below the first screen).
 */
export async function findHiddenText(page: Page): Promise<HiddenText[]> {
  const viewport = page.viewport();
  const full = await page.evaluate(() => ({
    w: document.documentElement.scrollWidth,
    h: document.documentElement.scrollHeight,
  }));
  const grow = viewport && (full.h > viewport.height || full.w > viewport.width);
  if (grow) await page.setViewport({ ...viewport, width: Math.max(viewport.width, full.w), height: Math.max(viewport.height, full.h) });
  try {
    return await page.evaluate(inPageFindHidden, INVISIBLE_BELOW);
  } finally {
    if (grow && viewport) await page.setViewport(viewport);
  }
}

// Runs inside the page: it must not refer to anything outside its own body.
export function inPageFindHidden(invisibleBelow: number): HiddenText[] {
  // Nothing changes while the scan runs, so each element's computed values are read once
  // (measured: a 1080x1080 card samples about 400 points; re-reading styles at each took 2/3 of the time).
  const memo = <T>(f: (e: Element) => T) => {
    const m = new Map<Element, T>();
    return (e: Element): T => {
      if (!m.has(e)) m.set(e, f(e));
      return m.get(e) as T;
    };
  };
  const styleOf = memo((e) => getComputedStyle(e));
  const layerOf = memo((e) => layerOfElement(e));
  const textColourOf = memo((e) => parseColour(styleOf(e).getPropertyValue('-webkit-text-fill-color') || styleOf(e).color));
  const opacityMemo = memo((e) => {
    let o = 1;
    for (let p: Element | null = e; p; p = p.parentElement) o *= Number(styleOf(p).opacity);
    return o;
  });

  // Hit testing skips elements that opt out of pointer events; for this check, everything counts.
  const style = document.createElement('style');
  style.textContent = '* { pointer-events: auto !important; }';
  document.head.appendChild(style);
  try {
    return scan();
  } finally {
    style.remove();
  }

  function scan(): HiddenText[] {
    const found = new Map<string, HiddenText>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const owner = n.parentElement;
      if (!owner || !n.textContent?.trim() || ['STYLE', 'SCRIPT', 'TITLE'].includes(owner.tagName)) continue;
      if (owner.closest('svg')) continue;
      const cs = styleOf(owner);
      if (cs.visibility !== 'visible') continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const rect of Array.from(range.getClientRects())) {
        if (rect.width < 0.5 || rect.height < 0.5) continue;
        const hit = checkLine(owner, cs, rect, n.textContent);
        if (hit) {
          const key = `${hit.kind}|${hit.element}|${hit.other}`;
          if (!found.has(key)) found.set(key, hit);
        }
      }
    }
    return [...found.values()];
  }

  /** Sample the middle band of one line box; report the first problem found on it. */
  function checkLine(owner: Element, cs: CSSStyleDeclaration, rect: DOMRect, text: string): HiddenText | undefined {
    const box = lineBox(rect, cs);
    const fontSize = parseFloat(cs.fontSize) || 16;
    const stepX = Math.max(fontSize * 0.4, box.width / 24, 2);
    const words = text.trim().replace(/\s+/g, ' ').slice(0, 60);
    for (const fy of [0.35, 0.5, 0.65]) {
      const y = box.top + box.height * fy;
      for (let x = box.left + Math.min(1, box.width / 2); x <= box.right - 0.5; x += stepX) {
        const problem = checkPoint(owner, x, y, words);
        if (problem) return problem;
      }
    }
    return undefined;
  }

  /** The line box of a text fragment: its content area shrunk to the line height (tall scripts overhang). */
  function lineBox(rect: DOMRect, cs: CSSStyleDeclaration): DOMRect {
    const lh = parseFloat(cs.lineHeight);
    const pad = Number.isFinite(lh) ? Math.max(0, (rect.height - lh) / 2) : 0;
    return new DOMRect(rect.x, rect.y + pad, rect.width, rect.height - 2 * pad);
  }

  function checkPoint(owner: Element, x: number, y: number, words: string): HiddenText | undefined {
    const stack = document.elementsFromPoint(x, y);
    const at = stack.indexOf(owner);
    if (at === -1) {
      // Hit testing honours clipping: text that is not hit where it is laid out is cut off.
      const clipper = clippingAncestor(owner, x, y);
      return { text: words, element: describe(owner), kind: 'clipped', other: clipper ? describe(clipper) : 'the page edge' };
    }
    for (const e of stack.slice(0, at)) {
      if (owner.contains(e) || e.contains(owner)) continue;
      if (paintsAt(e, x, y)) return { text: words, element: describe(owner), kind: 'covered', other: describe(e) };
    }
    const under = backgroundUnder(stack.slice(at));
    if (!under) return undefined;
    const fg = textColourOf(owner);
    const alpha = fg.a * opacityOf(owner);
    const shown = blend({ ...fg, a: alpha }, under.colour);
    const ratio = contrast(shown, under.colour);
    if (ratio < invisibleBelow) {
      return {
        text: words,
        element: describe(owner),
        kind: 'invisible',
        other: describe(under.element),
        detail: `text ${hex(shown)} on ${hex(under.colour)}, contrast ${ratio.toFixed(2)}:1`,
      };
    }
    return undefined;
  }

  /** Does element `e` put paint at (x, y)? A transparent box over text hides nothing. */
  function paintsAt(e: Element, x: number, y: number): boolean {
    if (e instanceof SVGElement && e.tagName.toLowerCase() !== 'svg') return true;
    if (['IMG', 'CANVAS', 'VIDEO', 'IFRAME', 'OBJECT', 'EMBED'].includes(e.tagName)) return true;
    const cs = styleOf(e);
    if (cs.visibility !== 'visible' || opacityOf(e) < 0.02) return false;
    if (parseColour(cs.backgroundColor).a > 0.02 || cs.backgroundImage !== 'none') return true;
    const r = e.getBoundingClientRect();
    const side = (w: string, s: string, c: string) => (s !== 'none' && s !== 'hidden' && parseColour(c).a > 0.02 ? parseFloat(w) || 0 : 0);
    const bt = side(cs.borderTopWidth, cs.borderTopStyle, cs.borderTopColor);
    const br = side(cs.borderRightWidth, cs.borderRightStyle, cs.borderRightColor);
    const bb = side(cs.borderBottomWidth, cs.borderBottomStyle, cs.borderBottomColor);
    const bl = side(cs.borderLeftWidth, cs.borderLeftStyle, cs.borderLeftColor);
    if (y < r.top + bt || y > r.bottom - bb || x < r.left + bl || x > r.right - br) return true;
    // Its own text: text over text is as unreadable as a box over text.
    for (const c of Array.from(e.childNodes)) {
      if (c.nodeType !== Node.TEXT_NODE || !c.textContent?.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(c);
      for (const rect of Array.from(range.getClientRects())) {
        const b = lineBox(rect, cs);
        if (x >= b.left && x <= b.right && y >= b.top && y <= b.bottom) return true;
      }
    }
    return false;
  }

  /** An element's own background and opacity; undefined for a picture, whose colour is not known here (the print check sees it). */
  function layerOfElement(e: Element): { c: Rgba; a: number } | undefined {
    if (['IMG', 'CANVAS', 'VIDEO'].includes(e.tagName) || (e instanceof SVGElement && e.tagName.toLowerCase() !== 'svg')) return undefined;
    const cs = styleOf(e);
    if (cs.backgroundImage !== 'none') return undefined;
    const c = parseColour(cs.backgroundColor);
    return { c, a: c.a * opacityOf(e) };
  }

  /** The colour under the text: the element backgrounds below it, composited over white paper. */
  function backgroundUnder(stack: Element[]): { colour: Rgba; element: Element } | undefined {
    const layers: { colour: Rgba; element: Element }[] = [];
    for (const e of stack) {
      const layer = layerOf(e);
      if (!layer) return undefined;
      const { c, a } = layer;
      if (a > 0.02) layers.push({ colour: { ...c, a }, element: e });
      if (a >= 0.999) break;
    }
    let colour: Rgba = { r: 255, g: 255, b: 255, a: 1 };
    for (const l of layers.reverse()) colour = blend(l.colour, colour);
    return { colour, element: layers[layers.length - 1]?.element ?? document.body };
  }

  function clippingAncestor(owner: Element, x: number, y: number): Element | undefined {
    for (let e = owner.parentElement; e; e = e.parentElement) {
      const cs = styleOf(e);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible' && cs.clipPath === 'none') continue;
      const r = e.getBoundingClientRect();
      const left = r.left + e.clientLeft;
      const top = r.top + e.clientTop;
      if (x < left || x > left + e.clientWidth || y < top || y > top + e.clientHeight || cs.clipPath !== 'none') return e;
    }
    return undefined;
  }

  function opacityOf(e: Element): number {
    return opacityMemo(e);
  }

  interface Rgba {
    r: number;
    g: number;
    b: number;
    a: number;
  }

  function parseColour(s: string): Rgba {
    const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)/.exec(s);
    if (!m) return { r: 0, g: 0, b: 0, a: s === 'transparent' ? 0 : 1 };
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : Number(m[4]);
    return { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]), a };
  }

  function blend(top: Rgba, under: Rgba): Rgba {
    const mix = (t: number, u: number) => t * top.a + u * (1 - top.a);
    return { r: mix(top.r, under.r), g: mix(top.g, under.g), b: mix(top.b, under.b), a: 1 };
  }

  function luminance(c: Rgba): number {
    const ch = (v: number) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  }

  function contrast(a: Rgba, b: Rgba): number {
    const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }

  function hex(c: Rgba): string {
    return `#${[c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  }

  function describe(e: Element): string {
    const cls = typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
    const own = (e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${e.tagName.toLowerCase()}${cls}${own ? ` "${own}"` : ''}`;
  }
}

/** A text block that does not fit even at its floor, with what a writer needs to cut it. */
export interface Misfit {
  /** The block's name (data-fit) and the string that fills it (data-source, e.g. campaign:headline). */
  block: string;
  source?: string;
  testimony?: string;
  /** Lines the text needs at its smallest size, and lines the box holds (or a maximum). */
  needLines: number;
  roomLines: number;
  /** How much too long, in percent of what fits. */
  percent: number;
  chars: number;
  /** Roughly how many characters fit in this box in this language. */
  budget: number;
}

export function describeMisfit(m: Misfit): string {
  const from = m.source ? ` (${m.source}${m.testimony ? ` of testimony ${m.testimony}` : ''})` : '';
  const lines = m.needLines > m.roomLines ? `${m.needLines} lines where ${m.roomLines} fit, ` : '';
  return `${m.block}${from}: too long by about ${m.percent}% (${lines}${m.chars} characters); about ${m.budget} characters fit in this box in this language`;
}

export interface FitResult {
  /** Boxes whose content sticks out (page-level), described for the report. */
  overflow: string[];
  misfits: Misfit[];
}

/**
 * Whole-page fit. Every [data-fit] block may shrink from its design size down to its floor
 * (data-fit-min, a fraction) and may hold at most data-max-lines lines. Each block is first
 * fitted to its own box; then, while the page does not fit (a [data-no-overflow] box has content
 * sticking out), blocks give way in order of priority: data-priority 3 (supporting text) first,
 * then 2, and the headline (1) last, 5% at a time, and the flex layout reflows around them.
 * Priority 0 (a phone number) never gives way to others.
 */
export async function fitPage(page: Page): Promise<FitResult> {
  return page.evaluate(inPageFit);
}

// Runs inside the page: it must not refer to anything outside its own body.
export function inPageFit(): FitResult {
  type Fragment = { rect: DOMRect; pad: number; owner: Element };
  // Each line fragment of text under `el`, with how far its glyph content area reaches past its
  // line box on each side: a line-height tighter than the font's ascent+descent makes the content
  // area hang out, which Chromium counts as scrollable overflow although no glyph is cut.
  const fragments = (el: Element): Fragment[] => {
    const out: Fragment[] = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent?.trim()) continue;
      const owner = n.parentElement ?? el;
      const lh = parseFloat(getComputedStyle(owner).lineHeight);
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const rect of Array.from(range.getClientRects()))
        out.push({ rect, pad: Number.isFinite(lh) ? Math.max(0, (rect.height - lh) / 2) : 0, owner });
    }
    return out;
  };
  const overhang = (lines: Fragment[]) => lines.reduce((most, l) => Math.max(most, l.pad), 0);
  // A non-replaced inline box that paints nothing of its own: only its text shows. (A picture or
  // an inline-block inside it is a descendant of its own and is still judged by its box.)
  const REPLACED = ['IMG', 'CANVAS', 'VIDEO', 'IFRAME', 'OBJECT', 'EMBED', 'INPUT', 'svg'];
  const plainInline = (d: Element): boolean => {
    const cs = getComputedStyle(d);
    if (cs.display !== 'inline' || REPLACED.includes(d.tagName)) return false;
    const border = (side: 'Top' | 'Right' | 'Bottom' | 'Left') =>
      !['none', 'hidden'].includes(cs.getPropertyValue(`border-${side.toLowerCase()}-style`)) &&
      parseFloat(cs.getPropertyValue(`border-${side.toLowerCase()}-width`)) > 0;
    const clear = /^rgba\(.*,\s*0\)$|^transparent$/.test(cs.backgroundColor);
    return clear && cs.backgroundImage === 'none' && !(['Top', 'Right', 'Bottom', 'Left'] as const).some(border);
  };
  // Geometric check: scrollHeight cannot see content pushed out above or before its box (centred
  // or end-aligned flex content), so compare every descendant's box with the container's.
  const escapee = (el: HTMLElement, lines = fragments(el), tolerance = 1): Element | undefined => {
    const box = el.getBoundingClientRect();
    const outside = (b: DOMRect) =>
      (b.width > 0 || b.height > 0) &&
      (b.top < box.top - tolerance || b.bottom > box.bottom + tolerance || b.left < box.left - 1 || b.right > box.right + 1);
    for (const d of Array.from(el.querySelectorAll('*'))) {
      // An inline box of text (an English fallback in a Sorani headline, a <bdi> name) reports
      // its glyph content area, which hangs past the line box when line-height is below the
      // font's ascent+descent (Vazirmatn: 1.56 em); its lines are judged below, on their line
      // boxes. One that paints (background, border) is judged by what it paints.
      if (plainInline(d)) continue;
      if (outside(d.getBoundingClientRect())) return d;
    }
    // Text itself, line by line (text overflowing upward has no element box of its own), judged
    // on the line box, not the taller glyph content area.
    for (const { rect, pad, owner } of lines) {
      if (outside(new DOMRect(rect.x, rect.y + pad, rect.width, rect.height - 2 * pad))) return owner;
    }
    return undefined;
  };
  const fits = (el: HTMLElement) => {
    const lines = fragments(el);
    return el.scrollHeight <= el.clientHeight + 1 + overhang(lines) && el.scrollWidth <= el.clientWidth + 1 && !escapee(el, lines);
  };
  /** Lines of text in a block: distinct line boxes, told apart by their vertical centres. */
  const lineCount = (el: HTMLElement) => {
    const centres: number[] = [];
    for (const { rect } of fragments(el)) {
      const c = rect.top + rect.height / 2;
      if (!centres.some((k) => Math.abs(k - c) < rect.height / 3)) centres.push(c);
    }
    return centres.length;
  };
  interface Block {
    el: HTMLElement;
    start: number;
    floor: number;
    /** The size it gives way to before any block goes below its preferred size (data-fit-prefer). */
    prefer: number;
    size: number;
    priority: number;
    maxLines: number;
  }
  const blocks: Block[] = Array.from(document.querySelectorAll<HTMLElement>('[data-fit]')).map((el) => {
    const start = parseFloat(getComputedStyle(el).fontSize);
    return {
      el,
      start,
      size: start,
      floor: start * Number(el.dataset.fitMin ?? '0.6'),
      prefer: start * Number(el.dataset.fitPrefer ?? el.dataset.fitMin ?? '0.6'),
      priority: Number(el.dataset.priority ?? '3'),
      maxLines: Number(el.dataset.maxLines ?? 'Infinity'),
    };
  });
  const blockOk = (b: Block) => fits(b.el) && lineCount(b.el) <= b.maxLines;
  const setSize = (b: Block, size: number) => {
    b.size = size;
    b.el.style.fontSize = `${b.size.toFixed(2)}px`;
  };
  const shrink = (b: Block) => setSize(b, Math.max(b.floor, b.size * 0.95));
  const containers = Array.from(document.querySelectorAll<HTMLElement>('[data-no-overflow]'));
  const pageOk = () => blocks.every(blockOk) && containers.every(fits);
  // How full the page is: the px by which each box's content sticks out of it, summed.
  const excess = () => {
    let px = 0;
    for (const el of [...containers, ...blocks.map((b) => b.el)]) {
      const box = el.getBoundingClientRect();
      px += Math.max(0, el.scrollHeight - el.clientHeight - overhang(fragments(el))) + Math.max(0, el.scrollWidth - el.clientWidth);
      for (const d of Array.from(el.querySelectorAll('*'))) {
        if (plainInline(d)) continue;
        const r = d.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        px += Math.max(0, box.top - r.top, r.bottom - box.bottom) + Math.max(0, box.left - r.left, r.right - box.right);
      }
    }
    return px;
  };
  // 1. Each block in its own box. A block that cannot keep to its lines even at its floor may
  // take more (data-max-lines-fallback) at its design size: a long campaign title wraps to a
  // second line instead of failing the build.
  for (const b of blocks) {
    while (!blockOk(b) && b.size > b.floor + 0.01) shrink(b);
    const more = Number(b.el.dataset.maxLinesFallback ?? 'NaN');
    if (!blockOk(b) && more > b.maxLines) {
      b.maxLines = more;
      setSize(b, b.start);
      while (!blockOk(b) && b.size > b.floor + 0.01) shrink(b);
    }
  }
  // 2. The page as a whole: supporting text gives way before the message, the headline last.
  // Priority 0 (the hotline) only ever shrinks to fit its own box. Blocks first give way down to
  // their preferred floor (data-fit-prefer), so a subline is not set at 60% while the headline
  // keeps its full size; only a page that does not fit so goes down to the hard floors.
  // A step that does not make the page any less full is taken back, and that level waits until
  // another level's step helped: a subline in a hero held at its minimum height gains the page
  // nothing by shrinking, and was shrunk to its floor while the contact block below overflowed.
  const order = blocks.filter((b) => b.priority > 0).sort((a, b) => b.priority - a.priority);
  const giveWay = (floorOf: (b: Block) => number, onlyIfItHelps: boolean) => {
    const waiting = new Set<number>();
    const above = (b: Block) => b.size > floorOf(b) + 0.01;
    const step = (b: Block) => setSize(b, Math.max(floorOf(b), b.size * 0.95));
    for (let guard = 0; guard < 400 && !pageOk(); guard++) {
      const next = order.find((b) => above(b) && !waiting.has(b.priority));
      if (!next) return;
      const before = onlyIfItHelps ? excess() : 0;
      const saved = blocks.map((b) => b.size);
      // Every block of the lowest priority still above its floor shrinks together, so no one of
      // them is made tiny while its peers stay large.
      for (const b of order) if (b.priority === next.priority && above(b)) step(b);
      for (const b of blocks) while (!blockOk(b) && b.size > b.floor + 0.01) shrink(b);
      if (!onlyIfItHelps || excess() < before - 0.5) waiting.clear();
      else {
        blocks.forEach((b, i) => {
          setSize(b, saved[i]!);
        });
        waiting.add(next.priority);
      }
    }
  };
  giveWay((b) => Math.max(b.floor, b.prefer), true);
  giveWay((b) => b.floor, true);
  // A page that still does not fit is judged, as before, with every level at its floor.
  giveWay((b) => b.floor, false);
  // 3. Grow back: blocks shrunk while the page was fuller than it ends (a line that then wrapped
  // shorter, a level whose step was taken back) take back what the page now has room for: all
  // together first, so the sizes keep their proportions, then one by one, the headline first.
  const grow = (group: Block[]) => {
    while (group.some((b) => b.size < b.start - 0.01)) {
      const was = group.map((b) => b.size);
      for (const b of group) setSize(b, Math.min(b.start, b.size * 1.02));
      if (!pageOk()) {
        group.forEach((b, i) => {
          setSize(b, was[i]!);
        });
        return;
      }
    }
  };
  if (pageOk()) {
    const shrunk = order.filter((b) => b.size < b.start - 0.01);
    grow(shrunk);
    for (const b of [...shrunk].sort((x, y) => x.priority - y.priority)) grow([b]);
  }
  return report();

  function report(): FitResult {
    const describe = (e: Element) => {
      const cls = typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
      return `${e.tagName.toLowerCase()}${cls} "${(e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
    };
    const overflow: string[] = [];
    const misfits: Misfit[] = [];
    for (const b of blocks) {
      if (blockOk(b)) continue;
      misfits.push(measureMisfit(b));
    }
    for (const el of containers) {
      if (fits(el)) continue;
      const name = el.dataset.noOverflow || el.className;
      const out = escapee(el);
      overflow.push(out ? `${name}: ${describe(out)} sticks out of ${describe(el)}` : `${name}: ${describe(el)} is too long`);
    }
    return { overflow, misfits };
  }

  /** How much too long a block is at its floor: its natural height against the room it has. */
  function measureMisfit(b: Block): Misfit {
    const el = b.el;
    const lh = parseFloat(getComputedStyle(el).lineHeight) || b.size * 1.4;
    const room = el.clientHeight;
    const lines = lineCount(el);
    const saved = el.getAttribute('style') ?? '';
    // Let the block take the height its text needs, to measure it.
    el.style.maxHeight = 'none';
    el.style.height = 'auto';
    el.style.flex = 'none';
    el.style.overflow = 'visible';
    const need = Math.max(el.scrollHeight, lineCount(el) * lh);
    const needLines = Math.max(lines, lineCount(el));
    el.setAttribute('style', saved);
    const roomLines = Math.max(1, Math.min(Math.floor((room + 1) / lh), b.maxLines));
    const byLines = needLines / roomLines;
    const byHeight = room > 0 ? need / room : Number.POSITIVE_INFINITY;
    const factor = Math.max(byLines, Math.min(byHeight, byLines > 1 ? byLines : byHeight), 1.01);
    const chars = (el.textContent ?? '').trim().length;
    return {
      block: el.dataset.fit ?? el.className,
      source: el.dataset.source,
      testimony: el.dataset.testimony,
      needLines,
      roomLines,
      percent: Math.round((factor - 1) * 100),
      chars,
      budget: Math.max(1, Math.floor(chars / factor)),
    };
  }
}

export interface SafeAreaIntrusion {
  element: string;
  edge: 'top' | 'right' | 'bottom' | 'left';
  /** How far into the zone it reaches, and the zone's depth, in CSS px. */
  depth: number;
  zone: number;
}

export function describeIntrusion(s: SafeAreaIntrusion): string {
  return `${s.element} enters the ${s.edge} safe zone (${Math.round(s.zone)} px kept for the platform's own UI) by ${Math.ceil(s.depth)} px`;
}

/**
 * Platform safe zones: the insets of a format (in CSS px from each page's trim edge) hold
 * background only. Every line of text, every picture (logo, photo, QR code) and the hotline is
 * checked; decoration marked aria-hidden is background.
 */
export async function findSafeAreaIntrusions(
  page: Page,
  insets: { top: number; right: number; bottom: number; left: number },
  bleedPx: number,
): Promise<SafeAreaIntrusion[]> {
  return page.evaluate(inPageSafeArea, insets, bleedPx);
}

// Runs inside the page: it must not refer to anything outside its own body.
export function inPageSafeArea(zone: { top: number; right: number; bottom: number; left: number }, bleed: number): SafeAreaIntrusion[] {
  const found = new Map<string, SafeAreaIntrusion>();
  const describe = (e: Element) => {
    const cls = typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
    const own = (e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${e.tagName.toLowerCase()}${cls}${own ? ` "${own}"` : ''}`;
  };
  const pages = Array.from(document.querySelectorAll('.page'));
  const pageOf = (r: DOMRect) =>
    pages.map((p) => p.getBoundingClientRect()).find((p) => r.top + r.height / 2 >= p.top && r.top + r.height / 2 <= p.bottom);
  const check = (el: Element, r: DOMRect) => {
    if (r.width < 0.5 || r.height < 0.5) return;
    const p = pageOf(r);
    if (!p) return;
    const depths: [SafeAreaIntrusion['edge'], number][] = [
      ['top', p.top + bleed + zone.top - r.top],
      ['bottom', r.bottom - (p.bottom - bleed - zone.bottom)],
      ['left', p.left + bleed + zone.left - r.left],
      ['right', r.right - (p.right - bleed - zone.right)],
    ];
    for (const [edge, depth] of depths) {
      if (depth <= 0.5 || zone[edge] <= 0) continue;
      const key = `${describe(el)}|${edge}`;
      const prev = found.get(key);
      if (!prev || prev.depth < depth) found.set(key, { element: describe(el), edge, depth, zone: zone[edge] });
    }
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const owner = n.parentElement;
    if (!owner || !n.textContent?.trim() || owner.closest('[aria-hidden="true"], style, title')) continue;
    const cs = getComputedStyle(owner);
    if (cs.visibility !== 'visible') continue;
    const lh = parseFloat(cs.lineHeight);
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const rect of Array.from(range.getClientRects())) {
      // The line box, not the taller glyph content area of a tall script.
      const pad = Number.isFinite(lh) ? Math.max(0, (rect.height - lh) / 2) : 0;
      check(owner, new DOMRect(rect.x, rect.y + pad, rect.width, rect.height - 2 * pad));
    }
  }
  for (const el of Array.from(document.querySelectorAll('img, svg, .hotline'))) {
    if (el.closest('[aria-hidden="true"]')) continue;
    check(el, el.getBoundingClientRect());
  }
  return [...found.values()];
}

/** A photo cropped hard by its slot: the share of its width and height that shows. */
export interface PhotoCrop {
  testimony?: string;
  keptWidth: number;
  keptHeight: number;
}

/** A crop that removes more than half of a photo's width or height cuts away what it shows. */
export const CROP_KEEPS_AT_LEAST = 0.5;

export function describeCrop(c: PhotoCrop): string {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  return `the photo${c.testimony ? ` of testimony ${c.testimony}` : ''} is cropped to ${pct(c.keptWidth)} of its width and ${pct(c.keptHeight)} of its height`;
}

/**
 * Photos that `object-fit: cover` crops to less than half their width or height in the slot the
 * template gives them (the slot's shape against the photo's), with the testimony they belong to.
 */
export async function findHeavyCrops(page: Page): Promise<PhotoCrop[]> {
  return page.evaluate((least) => {
    const out: PhotoCrop[] = [];
    for (const img of Array.from(document.images)) {
      if (getComputedStyle(img).objectFit !== 'cover' || !img.naturalWidth || !img.naturalHeight) continue;
      const w = img.clientWidth;
      const h = img.clientHeight;
      if (w < 1 || h < 1) continue;
      const scale = Math.max(w / img.naturalWidth, h / img.naturalHeight);
      const keptWidth = Math.min(1, w / (img.naturalWidth * scale));
      const keptHeight = Math.min(1, h / (img.naturalHeight * scale));
      if (keptWidth >= least && keptHeight >= least) continue;
      const testimony = img.closest<HTMLElement>('[data-testimony]')?.dataset.testimony;
      if (!out.some((c) => c.testimony === testimony)) out.push({ testimony, keptWidth, keptHeight });
    }
    return out;
  }, CROP_KEEPS_AT_LEAST);
}
