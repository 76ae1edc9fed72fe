import path from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { CampaignPressError, ExitCode } from '../../errors.js';
import type { Finding } from '../../translators/check.js';
import type { ImportedNamespace } from '../../translators/xliff.js';
import { type Ctx, printTable } from '../io.js';
import { asOfOption, localeOption } from '../options.js';
import { printFindings, printJson } from '../report.js';

/** The locale table and the campaigns, for the translator commands. */
async function openLocales(ctx: Ctx) {
  const { loadLocaleTable } = await import('../../i18n/table.js');
  const { loadLocaleProject } = await import('../../translators/check.js');
  const root = ctx.root();
  const table = loadLocaleTable(path.join(root, 'locales'));
  return { root, table, ...loadLocaleProject(root, table) };
}

/** A file's text, or undefined when it does not exist yet. */
function readOrUndefined(read: typeof import('../../util/files.js').readTextInside, root: string, file: string): string | undefined {
  try {
    return read(root, file).text;
  } catch (e) {
    if (e instanceof CampaignPressError && e.code === 'path-not-found') return undefined;
    throw e;
  }
}

function asOfDate(given: string | undefined, today: () => string): string {
  if (given === undefined) return today();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(given) || Number.isNaN(Date.parse(given)))
    throw new CampaignPressError('schema-invalid', `--as-of ${given}: not a date`, { field: '--as-of' }, 'Write it as YYYY-MM-DD.');
  return given;
}

export function registerLocales(program: Command, ctx: Ctx): void {
  const locales = program.command('locales').description('translator tools: checks, coverage, XLIFF exchange, pseudo-locales');
  locales
    .command('check')
    .description('check every locale against the source: keys, plurals, placeholders, bidi, fonts, letters')
    .addOption(localeOption('only this locale (repeatable)'))
    .option('--json', 'print the findings as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales check\n  $ campaign-press locales check -l ckb -l ar --json\n\nExit 2 when any finding is an error; warnings alone exit 0.',
    )
    .action(async (o) => {
      const { checkLocales } = await import('../../translators/check.js');
      const { table, project, findings: loadFindings } = await openLocales(ctx);
      for (const l of o.locale ?? []) {
        if (!table.has(l)) {
          const e = table.unknownLocale(l, { field: '--locale' });
          throw new CampaignPressError('locale-unknown', `--locale ${l}: ${e.message}`, e.location, e.hint);
        }
      }
      const findings = [...loadFindings, ...checkLocales(project, { locales: o.locale })];
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (o.json) printJson(ctx, { findings, errors, warnings: findings.length - errors });
      else printFindings(ctx, findings);
      ctx.setExit(errors ? ExitCode.invalidInput : ExitCode.ok);
    });

  locales
    .command('export')
    .description('export a locale to XLIFF for CAT tools: every namespace, source text, notes, plural forms')
    .requiredOption('-l, --locale <code>', 'the target language')
    .addOption(new Option('--format <format>', 'XLIFF version').choices(['xliff12', 'xliff2'] as const).default('xliff12' as const))
    .option('-o, --out <file>', 'write here instead of stdout')
    .addOption(asOfOption("date the testimonies' consent must hold on (default: today)"))
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales export -l ckb --format xliff2 -o ckb.xlf\n  $ campaign-press locales export -l ar > ar.xlf',
    )
    .action(async (o) => {
      const { exportXliff } = await import('../../translators/xliff.js');
      const { writeFileAtomic } = await import('../../util/files.js');
      const { root, table, project } = await openLocales(ctx);
      const { today } = await import('../../pipeline/steps/load.js');
      const r = await exportXliff(root, table, project.campaigns, o.locale, o.format, asOfDate(o.asOf, today));
      if (o.out) await writeFileAtomic(ctx.resolve(o.out), r.xml);
      else ctx.out(r.xml);
      ctx.err(
        `exported ${r.units} units for ${o.locale} (${r.untranslated} untranslated; ${r.documents} documents)${o.out ? ` to ${o.out}` : ''}\n`,
      );
      // Ids only, never text: the operator learns what was held back and why.
      for (const h of r.withheld) ctx.err(`withheld testimony ${h.testimony}: ${h.rules.join(', ')}\n`);
      ctx.setExit(ExitCode.ok);
    });

  locales
    .command('import')
    .description('import XLIFF files back into locales/<lng>/*.json, unit by unit; refused units are listed and the rest written')
    .argument('<file...>', 'XLIFF 1.2 or 2.0 files')
    .option('--as <locale>', 'the locale the file is for, when its target language says otherwise (a Dari file tagged fa)')
    .addOption(asOfOption("date the testimonies' consent must hold on (default: today)"))
    .option('--force', 'keep the imported files even when the check finds errors')
    .option('--json', 'print the findings as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales import ckb.xlf\n  $ campaign-press locales import dari.xlf --as prs\n\nThe target language may be a tag a CAT tool writes (fa-AF imports as prs, ps-AF as ps).\nUnits in state needs-translation or new are skipped; final, signed-off and approved="yes" count as reviewed,\nand a draft never replaces a reviewed string. A unit that drops, repeats or invents an inline code is\nrefused with its id; the others are written. Exit 2 if any unit was refused or the check finds errors.',
    )
    .action(async (files, o) => {
      const { importXliff } = await import('../../translators/xliff.js');
      const { checkLocales } = await import('../../translators/check.js');
      const { today } = await import('../../pipeline/steps/load.js');
      const { readTextInside, withStagedFiles, writeFileAtomic } = await import('../../util/files.js');
      const { root, table, project } = await openLocales(ctx);
      const imported: ImportedNamespace[] = [];
      const refused: Finding[] = [];
      // Read every file before writing any, so a file-level error leaves the project untouched.
      for (const f of files) {
        // The XLIFF comes from a translator's tool: valid UTF-8, no NUL, bounded size.
        const abs = ctx.resolve(f);
        const xml = readTextInside(path.dirname(abs), abs, { maxBytes: 32 * 1024 * 1024, where: { file: f } }).text;
        const r = await importXliff(root, table, project.campaigns, xml, f, { as: o.as, asOf: asOfDate(o.asOf, today) });
        imported.push(...r.namespaces);
        for (const u of r.refused)
          refused.push({
            locale: r.locale,
            file: f,
            key: `${u.namespace}:${u.unit}`,
            rule: u.rule,
            severity: 'error',
            message: `unit ${u.unit} ${u.reason}`,
          });
      }
      // Check the project as it would be after the import, then write only if that passes:
      // a refused import leaves every file as it was.
      const staged = new Map<string, string>();
      for (const i of imported)
        if (readOrUndefined(readTextInside, root, i.file) !== i.content) staged.set(path.resolve(i.file), i.content);
      const lngs = [...new Set(imported.map((i) => i.locale))];
      const { loadLocaleProject } = await import('../../translators/check.js');
      // Findings name files as displayPath does (relative to the working folder, or absolute), not relative to --root.
      const importedFiles = new Set(imported.map((i) => path.resolve(i.file)));
      const checked = withStagedFiles(staged, () => checkLocales(loadLocaleProject(root, table).project, { locales: lngs })).filter((f) =>
        importedFiles.has(path.resolve(f.file)),
      );
      const findings = [...refused, ...checked];
      const errors = checked.filter((f) => f.severity === 'error').length;
      const kept = !errors || !!o.force;
      if (kept) for (const [file, content] of staged) await writeFileAtomic(file, content);
      if (o.json) printJson(ctx, { imported: imported.map(({ content: _c, ...rest }) => rest), findings, refused: refused.length, kept });
      else {
        printFindings(ctx, findings);
        for (const u of refused) ctx.err(`not written: ${u.key} (${u.rule})\n`);
        for (const i of imported) {
          const skip = i.skipped ? `, ${i.skipped} skipped (no target, or needs-translation/new)` : '';
          ctx.err(
            `${kept ? 'wrote' : 'not written'} ${path.relative(root, i.file)}: ${i.translated} of ${i.units} units imported${skip}\n`,
          );
        }
      }
      ctx.setExit(kept && !refused.length ? ExitCode.ok : ExitCode.invalidInput);
    });

  locales
    .command('stamp')
    .description('after a review, record the current source text in each translation (source_sha256)')
    .addOption(localeOption('only this locale (repeatable)'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales stamp -l ckb\n  $ campaign-press locales stamp\n\nOnly the source_sha256 line of campaign.<lng>.md and testimonies/<id>.<lng>.md changes. The hash covers\nthe translatable text (title, quote, paraphrase, body; the description), so stamp after checking the\ntranslation against the source, not instead of it.',
    )
    .action(async (o) => {
      const { stampTranslations } = await import('../../translators/stamp.js');
      const { root, table, project } = await openLocales(ctx);
      for (const l of o.locale ?? []) if (!table.has(l)) throw table.unknownLocale(l, { field: '--locale' });
      const stamped = await stampTranslations(project.campaigns, o.locale);
      for (const s of stamped.filter((x) => x.changed)) {
        ctx.err(`stamped ${path.relative(root, s.file)}${s.wasStale ? ' (was stale)' : ''}\n`);
      }
      ctx.err(`${stamped.filter((x) => x.changed).length} of ${stamped.length} translation files stamped\n`);
    });

  locales
    .command('status')
    .description('coverage per locale and campaign: translated, reviewed, missing, stale and draft')
    .option('--json', 'print JSON on stdout (for CI)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ campaign-press locales status\n  $ campaign-press locales status --json | jq '.rows[] | select(.missing > 0)'",
    )
    .action(async (o) => {
      const { localeStatus } = await import('../../translators/status.js');
      const rows = localeStatus((await openLocales(ctx)).project);
      if (o.json) printJson(ctx, { rows });
      else
        printTable(
          ctx,
          rows.map((r) => [
            r.locale,
            r.language,
            r.locale_status,
            r.namespace,
            `${r.translated}/${r.total}`,
            String(r.reviewed),
            String(r.missing),
            String(r.stale),
            String(r.draft),
            `${Math.floor(r.coverage * 100)}%`,
          ]),
          {
            head: ['locale', 'language', 'status', 'namespace', 'translated', 'reviewed', 'missing', 'stale', 'draft', 'coverage'],
            padLast: true,
            paint: (i, line) => (rows[i]!.missing ? ctx.c.yellow(line) : line),
          },
        );
      ctx.setExit(ExitCode.ok);
    });

  locales
    .command('pseudo')
    .description('write the pseudo-locales en-XA (expanded) and ar-XB (right-to-left) to locales/ for inspection')
    .addHelpText(
      'after',
      '\nThe build computes them itself, so this is only needed to read or export them:\n  $ campaign-press locales pseudo\n  $ campaign-press build campaigns/safe-journeys --locale en-XA --locale ar-XB',
    )
    .action(async () => {
      const { LABEL_SOURCE, flatten } = await import('../../i18n/keys.js');
      const { PSEUDO_LOCALES, pseudoNamespace } = await import('../../i18n/pseudo.js');
      const { parseJsonStrict } = await import('../../util/structured.js');
      const { readTextInside, writeFileAtomic } = await import('../../util/files.js');
      const { root, table, project } = await openLocales(ctx);
      const sourceFile = `locales/${LABEL_SOURCE}/common.json`;
      const common = flatten(parseJsonStrict(readTextInside(root, sourceFile).text, sourceFile).data);
      for (const code of PSEUDO_LOCALES) {
        if (!table.has(code))
          throw new CampaignPressError(
            'locale-unknown',
            `${code} is not in locales/locales.json`,
            { file: 'locales/locales.json' },
            'Add the en-XA and ar-XB entries (status "pseudo") to locales.json.',
          );
        const files: [string, unknown][] = [['common', pseudoNamespace(table, code, common)]];
        for (const c of project.campaigns)
          files.push([c.id, pseudoNamespace(table, code, flatten(c.messages.get(c.data.source_locale) ?? {}))]);
        for (const [ns, data] of files)
          await writeFileAtomic(path.join(root, 'locales', code, `${ns}.json`), `${JSON.stringify(data, null, 2)}\n`);
        ctx.err(`wrote locales/${code}/ (${files.map(([n]) => n).join(', ')})\n`);
      }
      ctx.setExit(ExitCode.ok);
    });
}
