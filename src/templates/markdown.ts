import MarkdownIt from 'markdown-it';
import { isAllowedUrl } from '../util/html.js';

/**
 * Campaign Markdown: no raw HTML, no images (photos only come through consent-gated
 * frontmatter), links only to https:, tel: and mailto:. Problems are returned, not thrown,
 * so that the caller can name the file.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
md.validateLink = () => true; // checked below, so that a bad link is reported instead of dropped
md.renderer.rules.image = () => '';

export interface MarkdownResult {
  html: string;
  problems: string[];
  /** For each problem, its line in `src` (0-based), so the error names the link's own line. */
  lines: number[];
}

export function renderMarkdown(src: string): MarkdownResult {
  const env = {};
  const tokens = md.parse(src, env);
  const problems: string[] = [];
  const lines: number[] = [];
  // Inline children carry no line map: their line is the block's first line plus the breaks before them.
  const walk = (list: ReturnType<typeof md.parse>, blockLine: number) => {
    let line = blockLine;
    for (const t of list) {
      if (t.type === 'softbreak' || t.type === 'hardbreak') line++;
      if (t.type === 'image') {
        problems.push(
          `an image in Markdown ("${t.content || t.attrGet('src')}") is not allowed; photos come from the testimony frontmatter`,
        );
        lines.push(line);
      }
      if (t.type === 'link_open') {
        const href = t.attrGet('href') ?? '';
        if (!isAllowedUrl(href)) {
          problems.push(`link "${href}" is not allowed; use https:, tel: or mailto:`);
          lines.push(line);
          t.attrSet('href', '#');
        }
      }
      if (t.children) walk(t.children, t.map?.[0] ?? line);
    }
  };
  walk(tokens, 0);
  return { html: md.renderer.render(tokens, md.options, env), problems, lines };
}

/** Plain text of Markdown (for alt text, metadata and the deny-list scan). */
export function markdownText(src: string): string {
  const tokens = md.parse(src, {});
  const out: string[] = [];
  for (const t of tokens) {
    if (t.type === 'inline')
      out.push(
        (t.children ?? [])
          .filter((c) => c.type === 'text' || c.type === 'code_inline')
          .map((c) => c.content)
          .join(''),
      );
  }
  return out.join('\n');
}
