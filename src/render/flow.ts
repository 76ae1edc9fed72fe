/**
 * Text that flows across pages or panels, for folded print (templates/README.md, "Flow").
 *
 * A template marks one page as the shell of the inside pages (`data-flow-page`) and a frame in
 * it (`data-flow-frame`) that holds the flowing items (`data-flow-item`). The items are laid into
 * frames one after the other: an item that does not fit is split between its children, and a
 * paragraph between its lines (two lines at least on each side), so text runs on to the next
 * page, and short items share one. `data-flow-break="before"` opens a new frame (a testimony with
 * a content warning opens its page with the warning); `data-keep-with-next` keeps a heading with
 * what follows it; `data-keep-with-previous` takes the last lines before it along (a name under
 * its story). Printed paper folds in fours: when the shell says `data-flow-multiple="4"`, the
 * padding panels (`data-pad`, in the template's order) fill the page count up to a multiple of 4,
 * and when there are too few, testimonies are first given a page each. A template with a fixed
 * number of frames (`data-flow-fixed`, the panels of a trifold) cannot grow: it reduces its type
 * (`data-flow-fit-min` of the design size at least) until the text fits in its frames.
 *
 * Runs in the page through page.evaluate (the page's own JavaScript stays off) and only moves
 * DOM nodes, so the same input gives the same pages.
 */

export interface FlowResult {
  /** Pages after the flow, padding included (0 when the template has no flow). */
  pages: number;
  /** Padding panels used, by name. */
  pads: string[];
  /** What could not be laid out: told to the writer as overflow. */
  problems: string[];
}

/** Runs inside the page (page.ts pastes its source into one evaluate): it must not refer to anything outside its own body. */
export function inPageFlow(): FlowResult {
  const shell = document.querySelector<HTMLElement>('[data-flow-page]');
  const firstFrame = shell?.querySelector<HTMLElement>('[data-flow-frame]');
  if (!shell || !firstFrame) return { pages: document.querySelectorAll('.page').length, pads: [], problems: [] };
  const problems: string[] = [];
  const fixed = shell.hasAttribute('data-flow-fixed');
  const frames0 = Array.from(shell.querySelectorAll<HTMLElement>('[data-flow-frame]'));
  const originals = Array.from(firstFrame.children).map((c) => c.cloneNode(true) as HTMLElement);
  // Nothing to flow (no description, no testimony): no inside page at all, rather than a blank one.
  if (originals.length === 0 && !shell.hasAttribute('data-flow-fixed')) shell.remove();
  for (const f of frames0) f.replaceChildren();
  const blank = shell.cloneNode(true) as HTMLElement;
  const multiple = Number(shell.dataset.flowMultiple ?? '1');
  // Padding panels wait outside the document until they are needed; a marker keeps their place.
  const pads = Array.from(document.querySelectorAll<HTMLElement>('[data-pad]'));
  const padAnchor = document.createComment('pads');
  if (pads[0]) pads[0].before(padAnchor);
  for (const p of pads) p.remove();

  let madePages: HTMLElement[] = [shell];
  const describe = (e: Element) => {
    const cls = typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
    return `${e.tagName.toLowerCase()}${cls} "${(e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
  };

  if (fixed) {
    flowFixed();
  } else {
    const fold = (): number => (multiple - (document.querySelectorAll('.page').length % multiple)) % multiple;
    if (originals.length) {
      layout(false);
      // Too few padding panels for the pages the text needs: give each testimony a page of its
      // own (a page more of reading room is better than a page of nothing), then pad.
      if (fold() > pads.length) layout(true);
    }
    const need = fold();
    const used = pads.slice(0, need);
    for (const p of used) padAnchor.before(p);
    if (fold() !== 0)
      problems.push(
        `the leaflet has ${document.querySelectorAll('.page').length} pages: folded paper needs a multiple of ${multiple}, and the template has ${pads.length} padding panels for ${need} missing pages`,
      );
    padAnchor.remove();
    return { pages: document.querySelectorAll('.page').length, pads: used.map((p) => p.dataset.pad ?? ''), problems };
  }
  padAnchor.remove();
  return { pages: document.querySelectorAll('.page').length, pads: [], problems };

  /** Pages that grow with the text: a new copy of the shell for every page the text needs. */
  function layout(spread: boolean): void {
    for (const p of madePages.slice(1)) p.remove();
    madePages = [shell!];
    for (const f of frames0) f.replaceChildren();
    let frames = frames0.slice();
    let at = 0;
    const nextFrame = (): HTMLElement => {
      at++;
      if (at >= frames.length) {
        const p = blank.cloneNode(true) as HTMLElement;
        p.removeAttribute('data-flow-page');
        p.dataset.flowContinued = '';
        madePages[madePages.length - 1]!.after(p);
        madePages.push(p);
        frames = [...frames, ...Array.from(p.querySelectorAll<HTMLElement>('[data-flow-frame]'))];
      }
      return frames[at]!;
    };
    let frame = frames[0]!;
    for (const original of originals) {
      const item = original.cloneNode(true) as HTMLElement;
      const own = item.dataset.flowBreak === 'before' || (spread && item.dataset.flowItem === 'testimony');
      if (own && frame.children.length) frame = nextFrame();
      frame = place(item, frame, nextFrame);
    }
  }

  /**
   * A fixed set of frames (the panels of a trifold): the type of every frame is reduced 4% at a
   * time, down to the floor, until everything fits; what still does not fit is reported.
   */
  function flowFixed(): void {
    const floor = Number(shell!.dataset.flowFitMin ?? '0.75');
    const base = parseFloat(getComputedStyle(firstFrame!).fontSize);
    for (let scale = 1; ; scale = Math.max(floor, scale * 0.96)) {
      for (const f of frames0) f.style.fontSize = `${(base * scale).toFixed(2)}px`;
      for (const f of frames0) f.replaceChildren();
      let at = 0;
      let overflowed = false;
      const nextFrame = (): HTMLElement => {
        if (at + 1 >= frames0.length) {
          overflowed = true;
          return frames0[at]!;
        }
        return frames0[++at]!;
      };
      let frame = frames0[0]!;
      for (const original of originals) {
        const item = original.cloneNode(true) as HTMLElement;
        if (item.dataset.flowBreak === 'before' && frame.children.length) frame = nextFrame();
        frame = place(item, frame, nextFrame);
      }
      overflowed ||= !fits(frame);
      if (!overflowed) return;
      if (scale <= floor + 1e-6) {
        const last = frame.lastElementChild;
        problems.push(
          `the text needs more than the ${frames0.length} panels of this format, even at ${Math.round(floor * 100)}% of its type size${last ? `; ${describe(last)} is left over` : ''}${
            originals.some((o) => o.dataset.flowItem === 'testimony')
              ? '; name the testimonies this output has room for in campaign.md (outputs[].testimonies)'
              : ''
          }`,
        );
        return;
      }
    }
  }

  /** Put an item into frames from `frame` on; returns the frame the next item goes into. */
  function place(item: HTMLElement, start: HTMLElement, nextFrame: () => HTMLElement): HTMLElement {
    let frame = start;
    let piece: HTMLElement | null = item;
    for (let guard = 0; piece && guard < 200; guard++) {
      frame.append(piece);
      if (fits(frame) || squeeze(piece, frame)) return frame;
      const rest = split(piece, bottomOf(frame));
      if (rest === piece) {
        // Nothing of it fits here: it starts the next frame, unless this frame is empty already
        // (then it is too big for any frame, and the page check reports it).
        if (frame.children.length === 1) return frame;
        piece.remove();
      }
      const next = nextFrame();
      if (next === frame) {
        // No frame left (a fixed set): keep the rest here, where the fit check sees it.
        if (rest !== piece) frame.append(rest);
        return frame;
      }
      frame = next;
      piece = rest;
    }
    return frame;
  }

  /**
   * Copyfitting: a story that misses its page by a few lines is set up to 8% smaller rather than
   * leave those lines alone on a page of their own (a widowed page). Only its running text
   * changes size (headings are sized apart), and only when the miss is small.
   */
  function squeeze(piece: HTMLElement, frame: HTMLElement): boolean {
    if (fixed || piece.dataset.flowItem !== 'testimony') return false;
    const limit = bottomOf(frame);
    const miss = lowestIn(piece) - limit;
    if (miss > frame.getBoundingClientRect().height * 0.12) return false;
    const base = parseFloat(getComputedStyle(piece).fontSize);
    for (const scale of [0.98, 0.96, 0.94, 0.92]) {
      piece.style.fontSize = `${(base * scale).toFixed(2)}px`;
      if (fits(frame)) return true;
    }
    piece.style.removeProperty('font-size');
    return false;
  }

  function lowestIn(el: Element): number {
    let lowest = el.getBoundingClientRect().bottom;
    for (const e of Array.from(el.querySelectorAll('*'))) {
      const r = e.getBoundingClientRect();
      if (r.height > 0) lowest = Math.max(lowest, r.bottom);
    }
    return lowest;
  }

  function bottomOf(frame: HTMLElement): number {
    const r = frame.getBoundingClientRect();
    const cs = getComputedStyle(frame);
    return r.bottom - parseFloat(cs.paddingBottom) - parseFloat(cs.borderBottomWidth);
  }

  function fits(frame: HTMLElement): boolean {
    const limit = bottomOf(frame) + 0.5;
    const last = frame.lastElementChild;
    if (!last) return true;
    // The lowest box of anything in the frame.
    return lowestIn(last) <= limit && frame.scrollHeight <= frame.clientHeight + 1;
  }

  /**
   * Split `el` (overflowing `limit`) in two: what fits stays, the rest is returned as a copy of
   * `el` holding the remainder. Returns `el` itself when nothing of it can stay.
   */
  function split(el: HTMLElement, limit: number): HTMLElement {
    if (el.hasAttribute('data-flow-keep')) return el;
    const kids = Array.from(el.children) as HTMLElement[];
    const blockKids = kids.filter((k) => getComputedStyle(k).display !== 'inline');
    if (blockKids.length === 0 || kids.length !== blockKids.length) return isText(el) ? splitLines(el, limit) : el;
    let i = kids.findIndex((k) => k.getBoundingClientRect().bottom > limit + 0.5);
    if (i === -1) return el;
    // A name under its story takes the story's last lines along.
    let tail = false;
    if (kids[i]!.hasAttribute('data-keep-with-previous') && i > 0) {
      i--;
      tail = true;
    }
    const child = kids[i]!;
    let moved: HTMLElement = child;
    if (!child.hasAttribute('data-keep-with-next')) {
      const childLimit = tail ? Math.min(limit, child.getBoundingClientRect().bottom - 1) : limit;
      moved = split(child, childLimit);
    }
    if (moved === child) {
      // Nothing of it stays: the headings that lead into it go with it.
      while (i > 0 && kids[i - 1]!.hasAttribute('data-keep-with-next')) i--;
      moved = kids[i]!;
    }
    if (i === 0 && moved === kids[0]) return el;
    const rest = el.cloneNode(false) as HTMLElement;
    rest.removeAttribute('id');
    rest.dataset.flowContinued = '';
    rest.append(moved, ...kids.slice(i + 1));
    return rest;
  }

  function isText(el: HTMLElement): boolean {
    return ['P', 'LI', 'BLOCKQUOTE', 'DD', 'DT'].includes(el.tagName) && !el.hasAttribute('data-keep-with-next');
  }

  /** Split a paragraph between lines: two lines at least stay, two at least go. */
  function splitLines(p: HTMLElement, limit: number): HTMLElement {
    const words: { node: Text; start: number; top: number; bottom: number }[] = [];
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
      const re = /\S+/g;
      for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const rects = Array.from(r.getClientRects()).filter((x) => x.width > 0);
        const first = rects[0];
        if (!first) continue;
        words.push({ node: n, start: m.index, top: first.top, bottom: Math.max(...rects.map((x) => x.bottom)) });
      }
    }
    // Lines, in order: a word whose top is below the previous line's middle starts a new one.
    const lines: { first: number; bottom: number }[] = [];
    words.forEach((w, i) => {
      const line = lines[lines.length - 1];
      const prev = words[i - 1];
      if (!line || !prev || w.top > prev.top + (prev.bottom - prev.top) / 2) lines.push({ first: i, bottom: w.bottom });
      else line.bottom = Math.max(line.bottom, w.bottom);
    });
    let keep = lines.filter((l) => l.bottom <= limit + 0.5).length;
    if (lines.length - keep < 2) keep = lines.length - 2;
    if (keep < 2) return p;
    const at = words[lines[keep]!.first]!;
    const range = document.createRange();
    range.setStart(at.node, at.start);
    range.setEnd(p, p.childNodes.length);
    const rest = p.cloneNode(false) as HTMLElement;
    rest.removeAttribute('id');
    rest.dataset.flowContinued = '';
    rest.append(range.extractContents());
    // Re-wrapped without its tail (text-wrap: pretty evens out the last lines), the part that
    // stays must still end above the limit; if not, put the tail back and keep a line fewer.
    if (p.getBoundingClientRect().bottom <= limit + 0.5) return rest;
    p.append(...Array.from(rest.childNodes));
    p.normalize();
    return splitLines(p, lines[keep - 1]!.bottom - 1);
  }
}
