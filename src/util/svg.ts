import * as csstree from 'css-tree';
import { type DefaultTreeAdapterMap, parseFragment } from 'parse5';

/**
 * SVG from outside the project (a partner's logo, exported by Illustrator or Inkscape) is parsed
 * with parse5, the HTML parser Chromium follows, and rebuilt from an allow-list: only listed SVG
 * elements and attributes survive, and the output is written anew as XML, never passed through.
 * What could run, load or link (script, foreignObject, image, a, animation, event handlers, any
 * URL but a #fragment, CSS at-rules) is refused with its line, so a partner learns why. Text is
 * refused too: an SVG shown as an image cannot use the page's fonts, so letters would come out in
 * whatever font the machine has (print shops ask for outlines for the same reason).
 * Editor metadata (sodipodi:, inkscape:, data-*, <metadata>, comments) is dropped silently.
 */

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The SVG shapes both an inline template SVG (templates/lint.ts) and a brand logo may use. */
export const SVG_SHAPE_ELEMENTS = ['svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon'] as const;

const ELEMENTS = new Set<string>([
  ...SVG_SHAPE_ELEMENTS,
  'defs',
  'linearGradient',
  'radialGradient',
  'stop',
  'clipPath',
  'mask',
  'symbol',
  'use',
  'title',
  'desc',
  'style',
]);
/** Dropped with their content, silently: editor data, never drawn. */
const DROPPED = new Set(['metadata', 'sodipodi:namedview']);
/** Refused: each could run code, load something, link away, or draw text in an unknown font. */
const REFUSED: Record<string, string> = {
  script: 'a script',
  foreignObject: 'foreignObject (HTML inside SVG)',
  image: 'an embedded or linked image (a logo must be vector only)',
  feImage: 'an image filter',
  a: 'a link',
  iframe: 'an iframe',
  animate: 'animation',
  set: 'animation',
  animateMotion: 'animation',
  animateTransform: 'animation',
  text: 'text (convert the letters to outlines)',
  textPath: 'text (convert the letters to outlines)',
  tspan: 'text (convert the letters to outlines)',
  font: 'an embedded font',
  'font-face': 'an embedded font',
};

const ATTRIBUTES = new Set([
  'id',
  'class',
  'style',
  'd',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'fx',
  'fy',
  'fr',
  'width',
  'height',
  'viewBox',
  'preserveAspectRatio',
  'points',
  'fill',
  'fill-rule',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-opacity',
  'opacity',
  'transform',
  'gradientUnits',
  'gradientTransform',
  'spreadMethod',
  'offset',
  'stop-color',
  'stop-opacity',
  'clip-path',
  'clip-rule',
  'clipPathUnits',
  'mask',
  'maskUnits',
  'maskContentUnits',
  'display',
  'visibility',
  'color',
  'isolation',
  'mix-blend-mode',
  'shape-rendering',
  'vector-effect',
  'href',
]);
/** CSS functions a logo's style may use. url() is allowed only as url(#fragment). */
const CSS_FUNCTIONS = new Set(['rgb', 'rgba', 'hsl', 'hsla', 'calc', 'var', 'matrix', 'translate', 'scale', 'rotate']);

export interface SanitizedSvg {
  /** The rebuilt SVG, as standalone XML. */
  svg: string;
  /** viewBox (or 0 0 width height): its aspect ratio sizes the logo. */
  viewBox: [number, number, number, number];
}

export interface SvgProblem {
  line?: number;
  message: string;
}

export class SvgRefused extends Error {
  constructor(readonly problems: SvgProblem[]) {
    super(problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('; '));
  }
}

/** Parse, check and rebuild an SVG document; throws SvgRefused listing every problem. */
export function sanitizeSvg(text: string): SanitizedSvg {
  const problems: SvgProblem[] = [];
  // An internal DTD subset declares entities (external files, entity bombs). An HTML parser never
  // expands them, but what is left of them would end up as text: refuse the file instead.
  const dtd = /<!DOCTYPE[^>[]*\[/i.exec(text);
  if (dtd) {
    const line = text.slice(0, dtd.index).split('\n').length;
    throw new SvgRefused([{ line, message: 'a DOCTYPE with entity declarations is not allowed in a logo (export it as plain SVG)' }]);
  }
  const fragment = parseFragment(text, { sourceCodeLocationInfo: true });
  const top = fragment.childNodes.filter((n) => !isComment(n) && !(isText(n) && !n.value.trim()));
  const root = top[0];
  if (top.length !== 1 || !root || !isElement(root) || root.tagName !== 'svg' || root.namespaceURI !== SVG_NS) {
    // Also what HTML inside an SVG looks like after parsing: it breaks out next to the <svg>.
    const stray = top.find((n) => n !== root || !isElement(n) || n.tagName !== 'svg');
    const line = stray && isElement(stray) ? lineOf(stray) : stray?.sourceCodeLocation?.startLine;
    throw new SvgRefused([{ line, message: 'the file is not one <svg> element (HTML or other content around it or breaking out of it)' }]);
  }
  const out = element(root, problems);
  const viewBox = readViewBox(root);
  if (!viewBox) problems.push({ line: lineOf(root), message: 'the <svg> has no viewBox (nor width and height): its size is unknown' });
  if (problems.length || !viewBox) throw new SvgRefused(problems);
  return { svg: out, viewBox };
}

function element(el: Element, problems: SvgProblem[]): string {
  const name = el.tagName;
  const where = lineOf(el);
  if (el.namespaceURI !== SVG_NS) {
    problems.push({ line: where, message: `<${name}> is not an SVG element` });
    return '';
  }
  const refused = REFUSED[name];
  if (refused) {
    problems.push({ line: where, message: `<${name}>: ${refused} is not allowed in a logo` });
    return '';
  }
  if (DROPPED.has(name) || !ELEMENTS.has(name)) return '';
  const attrs: string[] = name === 'svg' ? [`xmlns="${SVG_NS}"`] : [];
  for (const a of el.attrs) {
    const attr = attribute(el, a, problems);
    if (attr) attrs.push(attr);
  }
  const children =
    name === 'style'
      ? escapeText(styleSheet(el, problems))
      : el.childNodes
          .map((c) => {
            if (isElement(c)) return element(c, problems);
            if (isText(c) && (name === 'title' || name === 'desc')) return escapeText(c.value);
            return '';
          })
          .join('');
  return `<${name}${attrs.length ? ` ${attrs.join(' ')}` : ''}>${children}</${name}>`;
}

function attribute(el: Element, a: { name: string; value: string; prefix?: string }, problems: SvgProblem[]): string | undefined {
  const name = a.prefix ? `${a.prefix}:${a.name}` : a.name;
  const line = el.sourceCodeLocation?.attrs?.[name]?.startLine ?? lineOf(el);
  if (/^on/i.test(a.name)) {
    problems.push({ line, message: `event handler ${name} on <${el.tagName}> is not allowed` });
    return undefined;
  }
  const isHref = a.name === 'href' && (!a.prefix || a.prefix === 'xlink');
  if (isHref) {
    if (!/^#[A-Za-z_][\w.-]*$/.test(a.value.trim())) {
      problems.push({ line, message: `${name}="${a.value.slice(0, 60)}" on <${el.tagName}> points outside the file; only #id is allowed` });
      return undefined;
    }
    return `href="${escapeAttr(a.value.trim())}"`;
  }
  if (a.prefix || !ATTRIBUTES.has(a.name)) return undefined;
  if (a.name === 'style') {
    const css = checkCss(a.value, 'declarationList', line, problems);
    return css === undefined ? undefined : `style="${escapeAttr(css)}"`;
  }
  if (/url\s*\(/i.test(a.value) && !/^\s*url\(\s*["']?#[\w.-]+["']?\s*\)\s*$/i.test(a.value)) {
    problems.push({ line, message: `${name}="${a.value.slice(0, 60)}" on <${el.tagName}> loads something; only url(#id) is allowed` });
    return undefined;
  }
  return `${name}="${escapeAttr(a.value)}"`;
}

function styleSheet(el: Element, problems: SvgProblem[]): string {
  const text = el.childNodes
    .filter(isText)
    .map((t) => t.value)
    .join('');
  return checkCss(text, 'stylesheet', lineOf(el), problems) ?? '';
}

/** Parse CSS with css-tree and keep it only if it has no at-rule, no url() but #fragment, and only listed functions. */
function checkCss(
  text: string,
  context: 'stylesheet' | 'declarationList',
  line: number | undefined,
  problems: SvgProblem[],
): string | undefined {
  let bad: string | undefined;
  let ast: csstree.CssNode;
  try {
    ast = csstree.parse(text, {
      context,
      onParseError: (e) => {
        bad ??= `CSS that does not parse (${e.message})`;
      },
    });
  } catch (e) {
    problems.push({ line, message: `CSS that does not parse (${(e as Error).message})` });
    return undefined;
  }
  csstree.walk(ast, (node) => {
    if (bad) return;
    if (node.type === 'Atrule') bad = `@${node.name} in a style`;
    else if (node.type === 'Url' && !node.value.startsWith('#')) bad = `url(${node.value.slice(0, 60)}) in a style`;
    else if (node.type === 'Function' && !CSS_FUNCTIONS.has(node.name.toLowerCase())) bad = `${node.name}() in a style`;
    else if (node.type === 'Raw') bad = 'CSS that does not parse';
  });
  if (bad) {
    problems.push({ line, message: `${bad} is not allowed in a logo` });
    return undefined;
  }
  return csstree.generate(ast);
}

function readViewBox(root: Element): [number, number, number, number] | undefined {
  const get = (n: string) => root.attrs.find((a) => a.name === n && !a.prefix)?.value;
  const vb = get('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if (vb && vb.length === 4 && vb.every(Number.isFinite) && vb[2]! > 0 && vb[3]! > 0) return vb as [number, number, number, number];
  const w = Number.parseFloat(get('width') ?? '');
  const h = Number.parseFloat(get('height') ?? '');
  return w > 0 && h > 0 ? [0, 0, w, h] : undefined;
}

function lineOf(el: Element): number | undefined {
  return el.sourceCodeLocation?.startLine;
}

function isElement(n: Node): n is Element {
  return 'tagName' in n;
}
function isText(n: Node): n is DefaultTreeAdapterMap['textNode'] {
  return n.nodeName === '#text';
}
function isComment(n: Node): boolean {
  return n.nodeName === '#comment';
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}
