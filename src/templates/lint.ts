import * as csstree from 'css-tree';
import { parse, parseFragment } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import { isAllowedUrl } from '../util/html.js';
import { ASSET_ORIGIN } from '../util/origin.js';
import { SVG_SHAPE_ELEMENTS } from '../util/svg.js';

/**
 * Templates are checked as what they produce, not as their source text: a regex over the source
 * is bypassed by `<scr{{!}}ipt>`, by CSS escapes (`u\72l(`, `@\69mport`), by `image-set()` and
 * by a `</style>` inside a style sheet. So the page Handlebars produced is parsed with parse5 (the
 * HTML parser of the spec, as Chromium parses it) and every piece of CSS with css-tree, and only
 * listed elements, attributes, URL schemes and CSS functions pass. URLs go to the asset origin
 * (images, answered from memory) or, for links, to https, tel and mailto.
 */

export interface LintProblem {
  line?: number;
  message: string;
  /** Text to look for in the template source, to point at a line there (output lines differ). */
  needle?: string;
}

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const BODY_ELEMENTS = new Set([
  'main',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'div',
  'span',
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'figure',
  'figcaption',
  'blockquote',
  'q',
  'bdi',
  'bdo',
  'br',
  'hr',
  'wbr',
  'em',
  'strong',
  'b',
  'i',
  'u',
  's',
  'small',
  'sub',
  'sup',
  'mark',
  'abbr',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'a',
  'code',
  'pre',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'img',
  'nav',
  'address',
  'time',
  'cite',
  'dfn',
  'kbd',
  'samp',
  'var',
  'del',
  'ins',
  'data',
  'ruby',
  'rt',
  'rp',
  'colgroup',
  'col',
  // Inline SVG (the QR code, simple shapes). No <use>, <image>, <foreignObject>, animation or <a>.
  ...SVG_SHAPE_ELEMENTS,
  'title',
  'desc',
]);

const GLOBAL_ATTRIBUTES = new Set(['class', 'id', 'lang', 'dir', 'title', 'role', 'hidden', 'translate', 'style']);
const ELEMENT_ATTRIBUTES: Record<string, Set<string>> = {
  img: new Set(['src', 'alt', 'width', 'height', 'decoding', 'loading']),
  a: new Set(['href']),
  ol: new Set(['start', 'reversed']),
  td: new Set(['colspan', 'rowspan']),
  th: new Set(['colspan', 'rowspan', 'scope']),
  bdo: new Set(['dir']),
  time: new Set(['datetime']),
  data: new Set(['value']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
};
const SVG_ATTRIBUTES = new Set([
  'xmlns',
  'viewbox',
  'width',
  'height',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'd',
  'points',
  'fill',
  'fill-rule',
  'clip-rule',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'fill-opacity',
  'stroke-opacity',
  'transform',
  'shape-rendering',
  'preserveaspectratio',
  'focusable',
]);

/** CSS functions a template may use. image-set(), image(), element(), cross-fade(), paint(), attr(), src() and local() are not on it; url() is a Url node, checked apart. */
const CSS_FUNCTIONS = new Set([
  'var',
  'calc',
  'min',
  'max',
  'clamp',
  'rgb',
  'rgba',
  'hsl',
  'hsla',
  'hwb',
  'lab',
  'lch',
  'oklab',
  'oklch',
  'color-mix',
  'linear-gradient',
  'radial-gradient',
  'conic-gradient',
  'repeating-linear-gradient',
  'repeating-radial-gradient',
  'translate',
  'translatex',
  'translatey',
  'rotate',
  'scale',
  'scalex',
  'scaley',
  'skew',
  'skewx',
  'skewy',
  'matrix',
  'blur',
  'brightness',
  'contrast',
  'grayscale',
  'saturate',
  'sepia',
  'invert',
  'hue-rotate',
  'opacity',
  'drop-shadow',
  'minmax',
  'repeat',
  'fit-content',
  'cubic-bezier',
  'steps',
  'counter',
  'counters',
  'color',
  'light-dark',
  'translate3d',
  'translatez',
  'rotatex',
  'rotatey',
  'rotatez',
  'rotate3d',
  'scale3d',
  'scalez',
  'matrix3d',
  'perspective',
  'round',
  'mod',
  'rem',
  'abs',
  'sign',
  'inset',
  'circle',
  'ellipse',
  'polygon',
  // @font-face src descriptors (the url() beside them is checked on its own)
  'format',
  'tech',
]);
/** @page margin boxes (`@top-center { content: … }`) are print layout, like @page itself. */
const PAGE_MARGIN_BOXES = [
  'top-left-corner',
  'top-left',
  'top-center',
  'top-right',
  'top-right-corner',
  'bottom-left-corner',
  'bottom-left',
  'bottom-center',
  'bottom-right',
  'bottom-right-corner',
  'left-top',
  'left-middle',
  'left-bottom',
  'right-top',
  'right-middle',
  'right-bottom',
];
/** @import and @namespace are not here: nothing is loaded by name. @font-face is, its url() to the asset origin only. */
const CSS_AT_RULES = new Set(['media', 'page', 'supports', 'font-face', 'container', 'layer', 'keyframes', ...PAGE_MARGIN_BOXES]);

/** The only place a page may load from; answered from memory by request interception. */
export function isAssetUrl(value: string): boolean {
  return value.startsWith(`${ASSET_ORIGIN}/`);
}

/** CSS identifiers with their escapes decoded (`u\72l` is `url`, `@\69mport` is `@import`), lower case. */
export function cssName(name: string): string {
  return name
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\([^\n])/g, (_, hex: string | undefined, ch: string | undefined) =>
      hex ? String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff) || 0xfffd) : (ch ?? ''),
    )
    .toLowerCase();
}

/** Check a style sheet (or a style attribute's declarations). Lines are 1-based within `css` plus `firstLine - 1`. */
export interface CssOptions {
  kind?: 'stylesheet' | 'declarationList';
  firstLine?: number;
}

export function lintCss(css: string, opts: CssOptions = {}): LintProblem[] {
  const { kind = 'stylesheet', firstLine = 1 } = opts;
  const problems: LintProblem[] = [];
  const lineOf = (offset: number) => css.slice(0, offset).split('\n').length + firstLine - 1;
  // The HTML parser ends a <style> element at `</style`, whatever CSS thinks: no `</` and no comment markers at all.
  for (const m of css.matchAll(/<\/|<!--|-->|<!\[CDATA\[/gi)) {
    problems.push({ line: lineOf(m.index), message: `"${m[0]}" in CSS could end the <style> element and start HTML` });
  }
  let ast: csstree.CssNode;
  try {
    ast = csstree.parse(css, {
      context: kind,
      positions: true,
      parseCustomProperty: true,
      onParseError: (e: { message: string; line?: number }) => {
        problems.push({ line: (e.line ?? 1) + firstLine - 1, message: `CSS that does not parse cleanly is refused: ${e.message}` });
      },
    });
  } catch (e) {
    return [...problems, { line: firstLine, message: `CSS does not parse: ${(e as Error).message}` }];
  }
  csstree.walk(ast, (node) => {
    const line = (node.loc?.start.line ?? 1) + firstLine - 1;
    if (node.type === 'Atrule') {
      const name = cssName(node.name);
      if (!CSS_AT_RULES.has(name)) {
        const why = name === 'import' ? 'fonts and styles are bundled' : 'not on the list of allowed at-rules';
        problems.push({ line, message: `@${name} is not allowed in template CSS (${why})` });
      }
    } else if (node.type === 'Url') {
      if (isAssetUrl(node.value)) return;
      problems.push({
        line,
        message: `url(${node.value}) is not allowed in template CSS; only ${ASSET_ORIGIN}/ (campaign images through the asset helper)`,
      });
    } else if (node.type === 'Function') {
      const name = cssName(node.name);
      if (!CSS_FUNCTIONS.has(name)) problems.push({ line, message: `CSS function ${name}() is not allowed` });
    } else if (node.type === 'Raw' && node.value.trim()) {
      problems.push({ line, message: `CSS the parser could not read is refused: "${node.value.trim().slice(0, 40)}"` });
    } else if (node.type === 'Declaration' && cssName(node.property) === 'behavior') {
      problems.push({ line, message: 'behavior is not allowed in CSS' });
    }
  });
  return problems;
}

function attrProblems(el: Element, inSvg: boolean): LintProblem[] {
  const problems: LintProblem[] = [];
  const line = el.sourceCodeLocation?.startLine;
  for (const a of el.attrs) {
    const name = (a.prefix ? `${a.prefix}:${a.name}` : a.name).toLowerCase();
    const allowed =
      GLOBAL_ATTRIBUTES.has(name) ||
      /^aria-[a-z-]+$/.test(name) ||
      /^data-[a-z0-9-]+$/.test(name) ||
      ELEMENT_ATTRIBUTES[el.tagName]?.has(name) ||
      (inSvg && SVG_ATTRIBUTES.has(name));
    if (!allowed) {
      const why = name.startsWith('on') ? ' (event handlers never run, and are refused)' : '';
      problems.push({ line, message: `attribute ${name} on <${el.tagName}> is not allowed${why}`, needle: a.name });
      continue;
    }
    if (name === 'style')
      for (const p of lintCss(a.value, { kind: 'declarationList' }))
        problems.push({ line, message: `style attribute: ${p.message}`, needle: 'style' });
    if (name === 'src' && !isAssetUrl(a.value))
      problems.push({
        line,
        message: `<${el.tagName} src> may only load campaign images through the asset helper, not "${a.value.slice(0, 60)}"`,
      });
    if (name === 'href' && !isAllowedUrl(a.value) && !/^#[\w-]*$/.test(a.value))
      problems.push({ line, message: `link "${a.value.slice(0, 60)}" is not allowed (https, tel, mailto only)` });
    // SVG presentation attributes (fill, stroke) take url(): only a reference inside the page.
    if (name !== 'style' && /url\s*\(/i.test(a.value) && !/^\s*url\(\s*#[\w-]+\s*\)\s*$/i.test(a.value))
      problems.push({ line, message: `url() in attribute ${name} on <${el.tagName}> is not allowed`, needle: a.name });
    if (name === 'xmlns' && a.value !== 'http://www.w3.org/2000/svg')
      problems.push({ line, message: `xmlns "${a.value}" is not the SVG namespace` });
  }
  return problems;
}

function walk(nodes: Node[], problems: LintProblem[], inSvg = false): void {
  for (const n of nodes) {
    if (!('tagName' in n)) continue;
    const el = n as Element;
    const svg = inSvg || el.tagName === 'svg';
    if (!BODY_ELEMENTS.has(el.tagName)) {
      problems.push({
        line: el.sourceCodeLocation?.startLine,
        message: `<${el.tagName}> is not allowed in a template`,
        needle: `<${el.tagName}`,
      });
      continue;
    }
    problems.push(...attrProblems(el, svg));
    walk(el.childNodes, problems, svg);
  }
}

/** Check the HTML a template produced (the page body). */
export function lintBodyHtml(html: string): LintProblem[] {
  const problems: LintProblem[] = [];
  walk(parseFragment(html, { sourceCodeLocationInfo: true }).childNodes, problems);
  return problems;
}

/** Many pages of a build share one head style sheet (bundled fonts + template CSS): check each text once. */
const pageCssChecked = new Map<string, LintProblem[]>();
function pageCss(text: string): LintProblem[] {
  let problems = pageCssChecked.get(text);
  if (!problems) {
    problems = lintCss(text);
    if (pageCssChecked.size >= 64) pageCssChecked.clear();
    pageCssChecked.set(text, problems);
  }
  return problems;
}

/**
 * Check a whole page as Chromium will parse it: the head holds only the charset, the CSP, the
 * title and style elements (whose CSS is checked); the body only what templates may produce.
 * A `</style>` breakout in a style sheet shows up here as elements that should not exist.
 */
export function lintPage(html: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const doc = parse(html, { sourceCodeLocationInfo: true });
  const htmlEl = doc.childNodes.find((n): n is Element => 'tagName' in n && n.tagName === 'html');
  const [head, body] = ['head', 'body'].map((t) => htmlEl?.childNodes.find((n): n is Element => 'tagName' in n && n.tagName === t));
  for (const n of head?.childNodes ?? []) {
    if (!('tagName' in n)) continue;
    const el = n as Element;
    const line = el.sourceCodeLocation?.startLine;
    const attrs = Object.fromEntries(el.attrs.map((a) => [a.name, a.value]));
    if (el.tagName === 'title' || (el.tagName === 'meta' && Object.keys(attrs).join() === 'charset')) continue;
    if (el.tagName === 'meta' && attrs['http-equiv']?.toLowerCase() === 'content-security-policy' && el.attrs.length === 2) continue;
    if (el.tagName === 'style' && el.attrs.length === 0) {
      const text = el.childNodes.map((c) => ('value' in c ? c.value : '')).join('');
      for (const p of pageCss(text)) problems.push({ ...p, line: (p.line ?? 1) + (line ?? 1) - 1 });
      continue;
    }
    problems.push({ line, message: `<${el.tagName}> is not allowed in the page head` });
  }
  walk(body?.childNodes ?? [], problems);
  return problems;
}
