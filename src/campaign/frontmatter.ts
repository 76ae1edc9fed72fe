import matter from 'gray-matter';
import { CampaignPressError } from '../errors.js';
import { countEvent } from '../util/profile.js';
import { normalizeNewlines, parseYaml, type ParsedYaml } from '../util/structured.js';

/**
 * Frontmatter is YAML, parsed by the `yaml` package with duplicate keys rejected and aliases
 * refused. gray-matter splits the file, but it evaluates `---js` / `---javascript` blocks with
 * eval by default, so every engine it knows is replaced by one that refuses.
 */

export interface ParsedFrontmatter extends ParsedYaml {
  body: string;
  /** Line number in the file where the body starts. */
  bodyLine: number;
}

function refuse(language: string) {
  return () => {
    throw new FrontmatterLanguageError(language);
  };
}
class FrontmatterLanguageError extends Error {
  constructor(readonly language: string) {
    super(language);
  }
}

const REFUSED_ENGINES = ['js', 'javascript', 'json', 'coffee', 'coffeescript', 'cson', 'toml', 'lua', 'ts', 'typescript'];

export function parseFrontmatter(source: string, file: string): ParsedFrontmatter {
  // Counted per file: a test proves that a no-op rebuild parses nothing and an edit parses one file.
  countEvent('parse: frontmatter');
  countEvent(`parse: ${file}`);
  const text = normalizeNewlines(source);
  if (!/^---[^\S\n]*\S*[^\S\n]*\n/.test(text)) {
    throw new CampaignPressError('frontmatter-missing', 'the file does not start with YAML frontmatter (---)', { file, line: 1 });
  }
  const lang = matter.language(text);
  if (lang.name && lang.name.toLowerCase() !== 'yaml' && lang.name.toLowerCase() !== 'yml') {
    throw new CampaignPressError('frontmatter-language', `frontmatter language "${lang.name}" is refused; only YAML is accepted`, {
      file,
      line: 1,
    });
  }
  const engines: Record<string, (s: string) => object> = {};
  for (const name of REFUSED_ENGINES) engines[name] = refuse(name);
  let parsed: ParsedYaml | undefined;
  engines.yaml = (s: string) => {
    parsed = parseYaml(s, file, 1);
    return {};
  };
  let file_: matter.GrayMatterFile<string>;
  try {
    // A fresh options object per call: gray-matter only caches calls made without options.
    file_ = matter(text, { engines, language: 'yaml', excerpt: false } as never);
  } catch (e) {
    if (e instanceof CampaignPressError) throw e;
    if (e instanceof FrontmatterLanguageError) {
      throw new CampaignPressError('frontmatter-language', `frontmatter language "${e.language}" is refused; only YAML is accepted`, {
        file,
        line: 1,
      });
    }
    throw new CampaignPressError('yaml-syntax', `cannot read the frontmatter: ${(e as Error).message}`, { file, line: 1 });
  }
  if (!parsed) {
    // Empty frontmatter block (--- followed by ---).
    parsed = parseYaml('', file, 2);
  }
  const matterLines = file_.matter.split('\n').length;
  const bodyLine = 1 + matterLines + 1;
  return { ...parsed, body: file_.content, bodyLine };
}
