import path from 'node:path';
import Handlebars from 'handlebars';
import QRCode from 'qrcode';
import { z } from 'zod';
import { CampaignPressError, ValidationErrors } from '../errors.js';
import { validate } from '../util/structured.js';
import { formatDate, formatNumber, type LocaleTable } from '../i18n/table.js';
import type { Translator } from '../i18n/translator.js';
import { displayPath, isDirInside, listInside, readTextInside, sha256 } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { escapeHtml, isAllowedUrl } from '../util/html.js';
import { lintBodyHtml, lintCss, lintPage, type LintProblem } from './lint.js';
import { loadIcons } from './icons.js';
import { renderMarkdown } from './markdown.js';

/**
 * Templates: one folder per template under templates/, with template.json (formats, sizes,
 * output type, consent channel), template.hbs (the page body) and style.css. They are linted,
 * then compiled by an isolated Handlebars environment with `strict` and `knownHelpersOnly`.
 */

const output = z.enum(['pdf', 'png', 'jpeg', 'webp']);
const formatSchema = z.strictObject({
  width: z.number().positive(),
  height: z.number().positive(),
  unit: z.enum(['mm', 'px']),
  bleed: z.number().min(0).max(10).default(0),
  output: output.optional(),
  label: z.string().optional(),
  /** Insets from the trim edge (in the format's unit) that hold background only: platform UI draws there. */
  safe_area: z
    .strictObject({ top: z.number().min(0), right: z.number().min(0), bottom: z.number().min(0), left: z.number().min(0) })
    .optional(),
  /**
   * A print format (mm) also gives a PNG of its trim area for sharing, at this resolution
   * (`poster-a4.png` beside `poster-a4.pdf`). It is published online, so the social channel's
   * consent applies to it.
   */
  share_png: z.strictObject({ ppi: z.number().int().min(72).max(300) }).optional(),
});
export const templateSchema = z
  .strictObject({
    description: z.string(),
    channel: z.enum(['print', 'pdf', 'social', 'web']),
    output,
    testimonies: z.enum(['none', 'all', 'each']).default('none'),
    formats: z.record(z.string().regex(/^[a-z0-9-]+$/), formatSchema),
    /** Layouts a campaign may choose per output (outputs[].variant); the first is the default. */
    variants: z
      .array(z.string().regex(/^[a-z0-9-]+$/))
      .min(1)
      .optional(),
  })
  .superRefine((t, ctx) => {
    for (const [name, f] of Object.entries(t.formats)) {
      if (f.share_png && (f.unit !== 'mm' || (f.output ?? t.output) !== 'pdf'))
        ctx.addIssue({
          code: 'custom',
          path: ['formats', name, 'share_png'],
          message: 'share_png is for print formats: a PDF format measured in mm',
        });
    }
  });

export type OutputType = z.infer<typeof output>;
export interface FormatSpec {
  name: string;
  width: number;
  height: number;
  unit: 'mm' | 'px';
  bleed: number;
  output: OutputType;
  safeArea?: { top: number; right: number; bottom: number; left: number };
  /** template.json `share_png`: this print format also gives a PNG of its trim area at this resolution. */
  sharePng?: { ppi: number };
  /** Set on the sharing PNG of a print format: pixels per inch; the bleed is rendered, then cut off. */
  ppi?: number;
}

export interface Template {
  name: string;
  dir: string;
  description: string;
  channel: 'print' | 'pdf' | 'social' | 'web';
  testimonies: 'none' | 'all' | 'each';
  formats: Map<string, FormatSpec>;
  /** Layout names (template.json `variants`), the default first; empty when it has one layout. */
  variants: string[];
  css: string;
  render: HandlebarsTemplateDelegate;
  /** The template source, to point output problems at a source line. */
  src: string;
  /** Inline SVG icons of templates/_shared/icons, for `{{icon "name"}}`. */
  icons: ReadonlyMap<string, string>;
  /** Hash of every file of the template (part of the content key). */
  fingerprint: string;
}

export const HELPERS = ['t', 'md', 'num', 'date', 'qr', 'asset', 'url', 'eq', 'not', 'or', 'icon'] as const;
/**
 * Built-in block helpers templates may use. Every other built-in is off: `log` writes to the
 * console (into --json stdout) and `lookup` reads any property by a computed name.
 */
const BUILT_INS = ['if', 'unless', 'each', 'with'] as const;
const KNOWN_HELPERS = {
  ...Object.fromEntries([...HELPERS, ...BUILT_INS].map((h) => [h, true])),
  log: false,
  lookup: false,
};

/**
 * What a helper needs to know about the render in progress. It is held here for the duration
 * of one (synchronous) render, never put in the data, so a template cannot reach it through @root.
 */
export interface HelperContext {
  lng: string;
  table: LocaleTable;
  translator: Translator;
  assets: ReadonlyMap<string, string>;
}

let current: HelperContext | undefined;

function helperCtx(_options: Handlebars.HelperOptions): HelperContext {
  if (!current) throw new Error('helper called outside a campaign-press render');
  return current;
}

/** QR code as inline SVG (one path), drawn in currentColor. Deterministic. */
export function qrSvg(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const q = 2; // quiet zone in modules; the template adds more padding
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (qr.modules.get(y, x)) d += `M${x + q} ${y + q}h1v1h-1z`;
    }
  }
  const s = n + 2 * q;
  return `<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${s} ${s}" shape-rendering="crispEdges" role="img" aria-label="${escapeHtml(text)}"><rect width="${s}" height="${s}" fill="#fff"/><path fill="currentColor" d="${d}"/></svg>`;
}

function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  hb.unregisterHelper('lookup');
  hb.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => {
    if (typeof key !== 'string') throw new Error('t needs a key: {{t "helpline"}}');
    const ctx = helperCtx(options);
    const hash = { ...(options.hash as Record<string, unknown>) };
    const count = hash.count;
    delete hash.count;
    const values: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(hash)) {
      if (typeof v === 'string' || typeof v === 'number') values[k] = v;
      else if (v instanceof hb.SafeString) values[k] = v.toString();
    }
    return new hb.SafeString(ctx.translator.html(ctx.lng, key, { count: typeof count === 'number' ? count : undefined, values }));
  });
  hb.registerHelper('md', (src: unknown) => {
    if (src === null || src === undefined) return '';
    if (typeof src !== 'string') throw new Error('md needs Markdown text');
    return new hb.SafeString(renderMarkdown(src).html);
  });
  hb.registerHelper('num', (n: unknown, options: Handlebars.HelperOptions) => {
    if (typeof n !== 'number') throw new Error('num needs a number');
    const ctx = helperCtx(options);
    return formatNumber(ctx.table.get(ctx.lng), n);
  });
  hb.registerHelper('date', (d: unknown, options: Handlebars.HelperOptions) => {
    if (typeof d !== 'string') throw new Error('date needs a YYYY-MM-DD string');
    const ctx = helperCtx(options);
    return formatDate(ctx.table.get(ctx.lng), d);
  });
  hb.registerHelper('qr', (text: unknown) => {
    if (typeof text !== 'string' || !isAllowedUrl(text)) throw new Error('qr needs an https URL');
    return new hb.SafeString(qrSvg(text));
  });
  hb.registerHelper('asset', (p: unknown, options: Handlebars.HelperOptions) => {
    if (typeof p !== 'string') throw new Error('asset needs a campaign asset path');
    const url = helperCtx(options).assets.get(p);
    if (!url) throw new Error(`asset "${p}" is not a processed campaign image`);
    return url;
  });
  hb.registerHelper('url', (u: unknown) => {
    if (typeof u !== 'string' || !isAllowedUrl(u)) throw new Error(`url "${String(u)}" is not allowed (https, tel, mailto only)`);
    return u;
  });
  hb.registerHelper('icon', (name: unknown) => {
    const svg = typeof name === 'string' ? renderingIcons.get(name) : undefined;
    if (!svg) throw new Error(`icon "${String(name)}" is not in templates/_shared/icons (icons.json)`);
    return new hb.SafeString(svg);
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('or', (a: unknown, b: unknown) => a || b);
  return hb;
}

/** The icons of the template being run (runTemplate sets them; a render is synchronous). */
let renderingIcons: ReadonlyMap<string, string> = new Map();

const env = createEnvironment();

/** Static checks of a template's source before it is compiled. */
export function lintTemplate(src: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const lineAt = (i: number) => src.slice(0, i).split('\n').length;
  const rules: [RegExp, string][] = [
    [/\{\{\{/g, 'triple-stash {{{ }}} outputs raw HTML'],
    [/\{\{~?\s*&/g, '{{& }} outputs raw HTML'],
    [/<\s*(script|iframe|object|embed|link|meta|base|form|frame|frameset|portal)\b/gi, 'element not allowed in templates'],
    [/\son[a-z]+\s*=/gi, 'event handler attributes are not allowed'],
    [/http-equiv/gi, 'http-equiv is not allowed'],
    [
      /\b(?:href|src|srcset|xlink:href|action|formaction|poster|background|ping)\s*=\s*(?!["']?(?:\{\{\s*(?:url|asset)\b|#))/gi,
      'URLs must go through the url or asset helper',
    ],
    [/url\(\s*["']?(?!#|\{\{\s*asset\b)/gi, 'CSS url() in templates must go through the asset helper'],
    [/javascript:/gi, 'javascript: URLs are not allowed'],
    [/\{\{\s*[#^]?\s*>/g, 'partials are not allowed'],
  ];
  for (const [re, message] of rules) {
    for (let m = re.exec(src); m; m = re.exec(src)) problems.push({ line: lineAt(m.index), message });
  }
  return problems;
}

/** Walk the Handlebars AST: no partials, no decorators, no unescaped output. */
function astProblems(ast: hbs.AST.Program): LintProblem[] {
  const problems: LintProblem[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; loc?: { start: { line: number } }; escaped?: boolean };
    const line = n.loc?.start.line ?? 1;
    if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') problems.push({ line, message: 'partials are not allowed' });
    if (n.type === 'Decorator' || n.type === 'DecoratorBlock') problems.push({ line, message: 'decorators are not allowed' });
    if (n.type === 'MustacheStatement' && n.escaped === false) problems.push({ line, message: 'unescaped output is not allowed' });
    for (const v of Object.values(node)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object' && 'type' in v) visit(v);
    }
  };
  visit(ast);
  return problems;
}

const IN_TEMPLATES = { rootName: 'the templates folder' };

export function listTemplates(templatesDir: string): string[] {
  return listInside(templatesDir, '.', IN_TEMPLATES)
    .map((e) => e.name)
    .filter((n) => !n.startsWith('.') && !n.startsWith('_') && isDirInside(templatesDir, n, IN_TEMPLATES));
}

export function loadTemplate(templatesDir: string, name: string, where: { file?: string; line?: number; field?: string } = {}): Template {
  const dir = path.join(templatesDir, name);
  if (!/^[a-z0-9-]+$/.test(name) || !isDirInside(templatesDir, name, IN_TEMPLATES)) {
    const known = listTemplates(templatesDir);
    throw new CampaignPressError(
      'template-unknown',
      `unknown template "${name}"`,
      where,
      `Use one of: ${known.join(', ') || '(none found in templates/)'}.`,
    );
  }
  const specFile = path.join(dir, 'template.json');
  const hbsFile = path.join(dir, 'template.hbs');
  const cssFile = path.join(dir, 'style.css');
  const read = (f: string, optional = false) => {
    try {
      return readTextInside(templatesDir, f, IN_TEMPLATES).text;
    } catch (e) {
      if (!(e instanceof CampaignPressError && e.code === 'path-not-found')) throw e;
      if (optional) return '';
      throw new CampaignPressError('template-invalid', `template "${name}" has no ${path.basename(f)}`, { file: displayPath(f) });
    }
  };
  const specText = read(specFile);
  const parsed = parseJsonStrict(specText, displayPath(specFile));
  const { value: spec, errors } = validate(templateSchema, parsed);
  if (!spec) throw new ValidationErrors(errors);
  const src = read(hbsFile);
  const css = read(cssFile, true);
  const sharedFile = path.join(templatesDir, '_shared', 'base.css');
  const shared = read(sharedFile, true);
  const icons = loadIcons(templatesDir);
  const problems: CampaignPressError[] = [];
  for (const p of lintTemplate(src))
    problems.push(new CampaignPressError('template-unsafe', p.message, { file: displayPath(hbsFile), line: p.line }));
  for (const [file, text] of [
    [cssFile, css],
    [sharedFile, shared],
  ] as const) {
    for (const p of lintCss(text))
      problems.push(new CampaignPressError('template-unsafe', p.message, { file: displayPath(file), line: p.line }));
  }
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(src);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /line (\d+)/.exec(msg);
    throw new CampaignPressError('template-invalid', `Handlebars syntax: ${msg.split('\n')[0]}`, {
      file: displayPath(hbsFile),
      line: m ? Number(m[1]) : undefined,
    });
  }
  for (const p of astProblems(ast))
    problems.push(new CampaignPressError('template-unsafe', p.message, { file: displayPath(hbsFile), line: p.line }));
  if (problems.length) throw new ValidationErrors(problems);
  const render = env.compile(ast, {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: KNOWN_HELPERS,
    noEscape: false,
    preventIndent: true,
  });
  const formats = new Map<string, FormatSpec>();
  for (const [fname, f] of Object.entries(spec.formats)) {
    formats.set(fname, {
      name: fname,
      width: f.width,
      height: f.height,
      unit: f.unit,
      bleed: f.bleed,
      output: f.output ?? spec.output,
      ...(f.safe_area ? { safeArea: f.safe_area } : {}),
      ...(f.share_png ? { sharePng: f.share_png } : {}),
    });
  }
  return {
    name,
    dir,
    description: spec.description,
    channel: spec.channel,
    testimonies: spec.testimonies,
    formats,
    variants: spec.variants ?? [],
    css: `${shared}\n${css}`,
    render,
    src,
    icons: icons.icons,
    fingerprint: sha256([specText, src, shared, css, icons.fingerprint].join('\u0000')),
  };
}

/** Run a compiled template; runtime errors (strict mode lookups, helper errors) name the template. */
export function runTemplate(t: Template, context: object): string {
  // Helpers get their context out of band; the template sees only the data (no @root._ctx).
  const { _ctx, ...data } = context as { _ctx?: HelperContext };
  let html: string;
  current = _ctx;
  renderingIcons = t.icons;
  try {
    html = t.render(data, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (e) {
    if (e instanceof CampaignPressError) throw e;
    const msg = (e as Error).message.split('\n')[0] ?? '';
    const m = /line (\d+)|:(\d+):/.exec((e as Error).message);
    throw new CampaignPressError('template-invalid', `template "${t.name}": ${msg}`, {
      file: displayPath(path.join(t.dir, 'template.hbs')),
      line: m ? Number(m[1] ?? m[2]) : undefined,
    });
  } finally {
    current = undefined;
  }
  const problems = lintBodyHtml(html);
  if (problems.length) throw outputErrors(t, problems);
  return html;
}

/**
 * The line of the template source that wrote `needle`. Mustaches are taken out first, so a tag
 * split with `{{!}}` or a helper (`<scr{{!}}ipt>`) is found where its pieces are. Without a match
 * (a tag name built from data), the line of the output, which the source lines up with until a
 * helper writes several lines.
 */
export function sourceLine(src: string, needle: string | undefined, outputLine: number | undefined): number {
  const lines = src.split('\n').length;
  if (needle) {
    const kept: number[] = [];
    let text = '';
    for (let i = 0; i < src.length; ) {
      if (src.startsWith('{{', i)) {
        const end = src.startsWith('{{!--', i) ? src.indexOf('--}}', i) + 4 : src.indexOf('}}', i) + 2;
        if (end > i + 1) {
          i = end;
          continue;
        }
      }
      kept.push(i);
      text += src[i++];
    }
    const at = text.toLowerCase().indexOf(needle.toLowerCase());
    if (at >= 0) return src.slice(0, kept[at]).split('\n').length;
  }
  return Math.min(Math.max(outputLine ?? 1, 1), lines);
}

/** Problems found in what a template produced, pointed at the template source line that wrote them. */
function outputErrors(t: Template, problems: LintProblem[], bodyLines = true): ValidationErrors {
  const file = displayPath(path.join(t.dir, 'template.hbs'));
  return new ValidationErrors(
    problems.map((p) => {
      const line = sourceLine(t.src, p.needle, bodyLines ? p.line : undefined);
      return new CampaignPressError('template-unsafe', `${p.message} (in the page the template produced)`, { file, line });
    }),
  );
}

/** Check the whole page as Chromium will parse it (head, style elements, body). */
export function assertPageSafe(t: Template, html: string): void {
  const problems = lintPage(html);
  // Page lines are not template lines: only the needle can place them.
  if (problems.length) throw outputErrors(t, problems, false);
}
