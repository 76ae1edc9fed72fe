import { CampaignPressError } from '../errors.js';

/**
 * Well-formedness of an XLIFF file before anything of it is used. The XLIFF reader is lenient:
 * a file cut off in the middle (a failed upload, a full disk, a mail size limit) reads as the
 * units before the cut, and would import as if the rest had been left untranslated. So every
 * element must close, in order, inside one root, with nothing after it; no DOCTYPE (entities
 * are how XXE and billion-laughs files work) and no stray `<` or `&` in text.
 */

const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRS = `(?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*\\s*`;
const TOKEN = new RegExp(
  [
    '<!--[\\s\\S]*?-->',
    '<!\\[CDATA\\[[\\s\\S]*?\\]\\]>',
    '<\\?[\\s\\S]*?\\?>',
    '<!DOCTYPE',
    `<(${NAME})(${ATTRS})(/?)>`,
    `</(${NAME})\\s*>`,
    '<',
  ].join('|'),
  'g',
);
const ENTITY = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

export function assertWellFormedXml(xml: string, file: string): void {
  const lineAt = (i: number) => xml.slice(0, i).split('\n').length;
  const fail = (i: number, message: string) => {
    throw new CampaignPressError(
      'schema-invalid',
      `not a complete XLIFF file: ${message}`,
      { file, line: lineAt(i) },
      'The file is cut off or damaged: export or save it again from the CAT tool, and check that the whole file arrived.',
    );
  };
  const stack: { name: string; at: number }[] = [];
  let roots = 0;
  let last = 0;
  const text = (from: number, to: number) => {
    const t = xml.slice(from, to);
    if (!stack.length && t.trim()) fail(from, `text outside the root element`);
    const amp = t.replace(ENTITY, '').indexOf('&');
    if (amp >= 0) fail(from + amp, 'a "&" that is not an entity (write &amp;)');
  };
  for (const m of xml.matchAll(TOKEN)) {
    text(last, m.index);
    last = m.index + m[0].length;
    const [tok, open, , selfClose, close] = m;
    if (tok === '<!DOCTYPE') fail(m.index, 'a DOCTYPE is not accepted');
    if (tok === '<') fail(m.index, 'a "<" that starts no tag (a tag cut off, or text that should be &lt;)');
    if (open) {
      if (!stack.length && ++roots > 1) fail(m.index, `a second root element <${open}>`);
      if (!selfClose) stack.push({ name: open, at: m.index });
    } else if (close) {
      const top = stack.pop();
      if (!top) fail(m.index, `</${close}> closes nothing`);
      else if (top.name !== close) fail(m.index, `</${close}> closes <${top.name}> (line ${lineAt(top.at)})`);
    }
  }
  text(last, xml.length);
  const open = stack.at(-1);
  if (open) fail(xml.length, `<${open.name}> (line ${lineAt(open.at)}) is never closed: the file ends too early`);
  if (!roots) fail(0, 'no root element');
}
