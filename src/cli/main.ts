import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { build, loadProject, parseShard, today, type BuildOptions, type BuildReport, type ProgressEvent } from '../pipeline/run.js';
import { recall, reportConsent, ruleText } from '../output/consent-report.js';
import { bundleCampaign, mergeShards } from '../output/bundle.js';
import { startPreview } from '../preview/server.js';
import { initProject, runDoctor } from './doctor.js';
import { loadLocaleTable } from '../i18n/table.js';
import { checkLocales, loadLocaleProject, type Finding } from '../translators/check.js';
import { LABEL_SOURCE } from '../i18n/keys.js';
import { exportXliff, importXliff, type ImportedNamespace } from '../translators/xliff.js';
import { localeStatus } from '../translators/status.js';
import { PSEUDO_LOCALES, pseudoNamespace } from '../i18n/pseudo.js';
import { flatten } from '../i18n/keys.js';
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../util/files.js';
import { parseJsonStrict } from '../util/structured.js';
import { hashTerm } from '../consent/denylist.js';
import { CampaignPressError, ExitCode, ValidationErrors, formatLocation, type Problem } from '../errors.js';
import { VERSION } from '../version.js';

/**
 * The CLI is a thin shell: it maps flags to typed options, calls the same functions that
 * src/index.ts exports, prints, and turns errors into exit codes in one place.
 */

const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  errIsTty: boolean;
}

function printProblem(io: Io, p: Problem, kind: 'error' | 'warning'): void {
  const where = formatLocation(p);
  const tag = kind === 'error' ? pc.red('error') : pc.yellow('warning');
  io.err(`${tag} ${where ? pc.bold(where) + ': ' : ''}${p.message} ${pc.dim(`[${p.code}]`)}\n  ${pc.dim('hint:')} ${p.hint}\n`);
}

function printFindings(io: Io, findings: Finding[]): void {
  if (!findings.length) {
    io.err(`${pc.green('ok')} no findings\n`);
    return;
  }
  const rows = findings.map((f) => [
    f.severity === 'error' ? pc.red('error') : pc.yellow('warn'),
    f.locale,
    `${f.file}${f.line ? `:${f.line}` : ''}`,
    f.key || '-',
    f.rule,
    f.message,
  ]);
  const widths = [
    5,
    ...[1, 2, 3, 4].map((i) =>
      Math.min(
        48,
        Math.max(...findings.map((f) => [f.locale, `${f.file}${f.line ? `:${f.line}` : ''}`, f.key || '-', f.rule][i - 1]!.length)),
      ),
    ),
  ];
  for (const r of rows) io.out(`${r.map((c, i) => (i < 5 ? c.padEnd(widths[i]! + (i === 0 ? 9 : 0)) : c)).join('  ')}\n`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  io.err(`${errors ? pc.red(`${errors} error(s)`) : pc.green('0 errors')}, ${findings.length - errors} warning(s)\n`);
}

function progressPrinter(io: Io, json: boolean): (e: ProgressEvent) => void {
  return (e) => {
    if (e.type === 'plan') {
      io.err(`${pc.bold('campaign-press')} ${e.planned} assets planned: ${e.toRender} to render, ${e.cached} unchanged\n`);
      return;
    }
    const line = `[${e.done}/${e.total}] ${e.path}${e.cached ? pc.dim(' (unchanged)') : pc.dim(` ${e.ms} ms`)}`;
    if (io.errIsTty && !json) io.err(`\r\x1b[2K${line}${e.done === e.total ? '\n' : ''}`);
    else io.err(`${line}\n`);
  };
}

function printBuildReport(io: Io, r: BuildReport, verb: string): void {
  for (const w of r.warnings) printProblem(io, w, 'warning');
  // Consent refusals are listed once, grouped below; --json has each one.
  for (const e of r.errors.filter((x) => x.code !== 'consent-refused')) printProblem(io, e, 'error');
  if (r.refusals.length) {
    const refusedAssets = new Set(r.refusals.map((f) => f.asset)).size;
    const blocking = r.errors.some((e) => e.code === 'consent-refused');
    io.err(`${blocking ? pc.red('consent refused') : pc.yellow('consent refused (skipped)')} ${refusedAssets} asset(s):\n`);
    const groups = new Map<string, typeof r.refusals>();
    for (const f of r.refusals) {
      const k = `${f.testimony}|${f.consent_id ?? ''}|${f.rule}`;
      groups.set(k, [...(groups.get(k) ?? []), f]);
    }
    for (const fs of groups.values()) {
      const f = fs[0]!;
      const shown = fs
        .slice(0, 3)
        .map((x) => x.asset)
        .join(', ');
      io.err(
        `  ${pc.bold(f.testimony)} (${f.consent_id ?? 'no consent'}) ${pc.bold(f.rule)}: ${f.reason}\n    ${fs.length} asset(s): ${shown}${fs.length > 3 ? `, +${fs.length - 3} more (--json lists all)` : ''}\n`,
      );
    }
    if (blocking) io.err(`  ${pc.dim('hint:')} fix the consent record, or pass --skip-refused to build without the refused testimonies.\n`);
  }
  const s = r.stats;
  const summary = `${verb}: ${s.planned} planned, ${s.rendered} rendered, ${s.cached} unchanged, ${s.refused} refused${s.removed ? `, ${s.removed} stale removed` : ''} in ${s.seconds} s`;
  if (r.exitCode === ExitCode.ok)
    io.err(`${pc.green('done')} ${summary}${r.campaign && verb === 'build' ? ` -> ${path.join(r.out, r.campaign)}` : ''}\n`);
  else io.err(`${pc.red('failed')} ${summary} (exit ${r.exitCode}; nothing was written)\n`);
}

export function createProgram(io: Io, setExit: (c: number) => void): Command {
  const program = new Command('campaign-press')
    .description('Localized, consent-gated campaign posters, leaflets and social cards from Markdown.')
    .version(VERSION)
    .option('--root <dir>', 'project folder holding templates/ and locales/', process.cwd())
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ campaign-press build campaigns/safe-journeys
  $ campaign-press build campaigns/safe-journeys --locale ckb --only poster:a3
  $ campaign-press check campaigns/safe-journeys --json
  $ campaign-press consent hash "Real Name"
  $ campaign-press consent report campaigns/safe-journeys --within 30
  $ campaign-press recall CR-2026-EXAMPLE-0001

Exit codes: 0 ok, 1 internal error, 2 invalid input, 3 consent refused, 4 render failed.`,
  );

  const rootOf = () => path.resolve(program.opts<{ root: string }>().root);

  /** Options shared by build and bundle: one table, so a flag and what it feeds cannot drift apart. */
  const withBuildOptions = (cmd: Command, dirOptional = false) =>
    cmd
      .argument(dirOptional ? '[campaign-dir]' : '<campaign-dir>', 'the campaign folder, e.g. campaigns/safe-journeys')
      .option('-o, --out <dir>', 'output folder', 'out')
      .option('-l, --locale <code>', 'only this locale (repeatable, or comma-separated); en-XA and ar-XB are pseudo-locales', collect)
      .option('--only <template[:format]>', 'only this template or template:format (repeatable)', collect)
      .option('--region <code>', 'build for one distribution region (consent is checked against it)')
      .option('--as-of <YYYY-MM-DD>', 'build date for consent checks (default: today)')
      .option('--skip-refused', 'leave out testimonies the consent gate refuses, report them, exit 0')
      .option('--strict', 'treat warnings (fallback text, stale translations) as errors')
      .option('--no-cache', 'render every asset again, even when unchanged')
      .addOption(
        new Option('--concurrency <n>', 'pages rendering at once (default: half the cores, at most 4)').argParser((v) =>
          Number.parseInt(v, 10),
        ),
      )
      .option('--chromium <path>', 'Chrome or Chromium binary (default: CAMPAIGN_PRESS_CHROMIUM, puppeteer cache, system)')
      .option('--shard <K/N>', 'build only the K-th of N disjoint slices of the assets (for a CI matrix)')
      .option('--json', 'print one JSON report on stdout; progress goes to stderr');
  /** Parsed flags -> build options (build, bundle and preview share them). */
  const toBuildOptions = (dir: string, o: Record<string, unknown>): BuildOptions => ({
    root: rootOf(),
    campaignDir: dir,
    out: o.out as string,
    locales: o.locale as string[] | undefined,
    only: o.only as string[] | undefined,
    region: o.region as string | undefined,
    asOf: o.asOf as string | undefined,
    skipRefused: !!o.skipRefused,
    strict: !!o.strict,
    cache: o.cache !== false,
    concurrency: o.concurrency as number | undefined,
    chromium: o.chromium as string | undefined,
    shard: o.shard ? parseShard(o.shard as string) : undefined,
  });
  const runBuild = (dir: string, o: Record<string, unknown>) =>
    build({ ...toBuildOptions(dir, o), onProgress: progressPrinter(io, !!o.json) });
  /** The locale table and the campaigns, for the translator commands. */
  const openLocales = () => {
    const root = rootOf();
    const table = loadLocaleTable(path.join(root, 'locales'));
    return { root, table, ...loadLocaleProject(root, table) };
  };

  withBuildOptions(program.command('build').description('render every planned asset of a campaign into the output folder'))
    .addHelpText(
      'after',
      `
Examples:
  $ campaign-press build campaigns/safe-journeys                 # every format, every locale -> out/
  $ campaign-press build campaigns/safe-journeys -l ckb -l ar    # Sorani and Arabic only
  $ campaign-press build campaigns/safe-journeys --only social-card:story --json > report.json
  $ campaign-press build campaigns/safe-journeys --as-of 2026-03-01 --skip-refused
  $ campaign-press build campaigns/safe-journeys -l en-XA -l ar-XB   # layout test with pseudo-locales`,
    )
    .action(async (dir: string, o: Record<string, unknown>) => {
      const report = await runBuild(dir, o);
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      printBuildReport(io, report, 'build');
      setExit(report.exitCode);
    });

  withBuildOptions(
    program.command('bundle').description('build, then pack the assets, manifest and SHA256SUMS into a deterministic zip'),
    true,
  )
    .option('--merge <dirs...>', 'instead of building: join the --out folders of shard builds, then bundle')
    .addHelpText(
      'after',
      `
Examples:
  $ campaign-press bundle campaigns/safe-journeys            # -> out/safe-journeys.zip (+ .sha256)
  $ SOURCE_DATE_EPOCH=1767225600 campaign-press bundle campaigns/safe-journeys --json
  # A CI matrix: each machine builds a shard, one job merges them.
  $ campaign-press build campaigns/safe-journeys --shard 1/2 --out shard-1
  $ campaign-press build campaigns/safe-journeys --shard 2/2 --out shard-2
  $ campaign-press bundle --merge shard-1 shard-2 --out release`,
    )
    .action(async (dir: string | undefined, o: Record<string, unknown>) => {
      let campaignId: string;
      let report: BuildReport | undefined;
      if (o.merge) {
        if (dir) throw new CampaignPressError('usage', 'give either a campaign folder or --merge, not both', { field: '--merge' });
        const merged = await mergeShards(o.merge as string[], o.out as string);
        campaignId = merged.campaign;
        io.err(
          `merged ${merged.assets} assets of ${(o.merge as string[]).length} shard folder(s) into ${path.resolve(o.out as string, campaignId)}\n`,
        );
      } else {
        if (!dir)
          throw new CampaignPressError('usage', 'bundle needs a campaign folder (or --merge with shard folders)', {
            field: 'campaign-dir',
          });
        if (o.shard)
          throw new CampaignPressError('usage', 'bundle a whole build: build the shards, then `bundle --merge` them', { field: '--shard' });
        report = await runBuild(dir, o);
        printBuildReport(io, report, 'build');
        if (report.exitCode !== ExitCode.ok || !report.campaign) {
          if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
          setExit(report.exitCode);
          return;
        }
        campaignId = report.campaign;
      }
      const b = await bundleCampaign(path.resolve(o.out as string), campaignId);
      if (o.json) io.out(`${JSON.stringify({ ...(report ?? {}), bundle: b }, null, 2)}\n`);
      if (b.leftOut.length)
        io.err(`${pc.yellow('left out')} ${b.leftOut.length} pseudo-locale asset(s) (layout tests are never released)\n`);
      io.err(
        `${pc.green('bundled')} ${b.entries} files, ${(b.bytes / 1048576).toFixed(1)} MB -> ${b.zip} (sha256 ${b.sha256.slice(0, 16)}...)\n`,
      );
      setExit(ExitCode.ok);
    });

  program
    .command('check')
    .description('validate content, consent and translations without rendering')
    .argument('<campaign-dir>', 'the campaign folder')
    .option('-l, --locale <code>', 'only this locale (repeatable)', collect)
    .option('--region <code>', 'check for one distribution region')
    .option('--as-of <YYYY-MM-DD>', 'date for consent checks (default: today)')
    .option('--strict', 'treat warnings as errors')
    .option('--json', 'print one JSON report on stdout')
    .addHelpText('after', '\nExample:\n  $ campaign-press check campaigns/safe-journeys --as-of 2026-06-01')
    .action(async (dir: string, o: Record<string, unknown>) => {
      const report = await build({ ...toBuildOptions(dir, { out: 'out', ...o }), dryRun: true });
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      printBuildReport(io, report, 'check');
      setExit(report.exitCode);
    });

  const consent = program.command('consent').description('consent tools');
  consent
    .command('hash')
    .description('print the deny-list hash of a term (normalized as FORMAT.md 4.2 says)')
    .argument('<term>', 'a real name or place, to put in consent.identity.denylist_sha256')
    .addHelpText(
      'after',
      '\nExample:\n  $ campaign-press consent hash "Real Name"\n\nOnly the 64-hex digest is printed; the term is never stored or shown.',
    )
    .action((term: string) => {
      if (!term.trim())
        throw new CampaignPressError('usage', 'the term is empty', { field: 'term' }, 'Give the name or place to hash, in quotes.');
      io.out(`${hashTerm(term)}\n`);
    });

  consent
    .command('report')
    .description("each testimony's consent: what expires or needs review soon, and where it is refused")
    .argument('<campaign-dir>', 'the campaign folder')
    .option('--within <days>', 'flag what expires or needs review within this many days', '30')
    .option('--as-of <YYYY-MM-DD>', 'the date to report for (default: today)')
    .option('--region <code>', 'check scope for one distribution region')
    .option('--json', 'print JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press consent report campaigns/safe-journeys\n  $ campaign-press consent report campaigns/safe-journeys --within 60 --json',
    )
    .action((dir: string, o: Record<string, unknown>) => {
      const within = Number(o.within);
      if (!Number.isInteger(within) || within < 0)
        throw new CampaignPressError(
          'usage',
          `--within ${String(o.within)} is not a number of days`,
          { field: '--within' },
          'Give a whole number of days, such as 30.',
        );
      const asOf = (o.asOf as string | undefined) ?? today();
      const { campaign, templates } = loadProject(rootOf(), dir);
      const regions = o.region ? [o.region as string] : campaign.data.distribution.regions;
      const rows = reportConsent(campaign, templates, asOf, within, regions);
      if (o.json) {
        io.out(`${JSON.stringify({ campaign: campaign.id, as_of: asOf, within_days: within, regions, testimonies: rows }, null, 2)}\n`);
      } else {
        io.out(`${pc.bold(`Consent for ${campaign.id}`)} as of ${asOf} (flags within ${within} days; regions ${regions.join(', ')})\n\n`);
        const head = ['testimony', 'consent', 'status', 'review by', 'expires on', 'action'];
        const lines = rows.map((r) => [
          r.testimony,
          r.consent_id ?? '-',
          r.status,
          r.review_by ? `${r.review_by} (${r.days_to_review}d)` : '-',
          r.expires_on ? `${r.expires_on} (${r.days_to_expiry}d)` : '-',
          r.action.length ? r.action.join('; ') : 'none',
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
        const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
        io.out(`${pc.dim(fmt(head))}\n`);
        for (const [i, l] of lines.entries()) io.out(`${rows[i]!.action.length ? pc.yellow(fmt(l)) : fmt(l)}\n`);
        for (const r of rows) {
          if (!r.refused.length) continue;
          io.out(`\n${pc.bold(r.testimony)} is refused for:\n`);
          const byRules = new Map<string, string[]>();
          for (const f of r.refused) {
            const k = f.rules.join(',');
            byRules.set(k, [...(byRules.get(k) ?? []), `${f.locale}/${f.channel}`]);
          }
          for (const [k, where] of byRules)
            io.out(
              `  ${where.join(' ')}: ${k
                .split(',')
                .map((x) => `${x} (${ruleText(x as never)})`)
                .join('; ')}\n`,
            );
        }
        const needs = rows.filter((r) => r.action.length).length;
        io.out(
          `\n${needs ? pc.yellow(`${needs} of ${rows.length} testimonies need action.`) : pc.green(`Nothing needs action within ${within} days.`)}\n`,
        );
      }
      setExit(ExitCode.ok);
    });

  program
    .command('recall')
    .description('list every built asset that used a consent record (for take-downs when consent is withdrawn)')
    .argument('<consent-id>', 'the consent id, e.g. CR-2025-ERB-0042')
    .option('-o, --out <dir>', 'folder to search: every manifest.json below it, across campaigns and builds', 'out')
    .option('--json', 'print JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press recall CR-2026-EXAMPLE-0001\n  $ campaign-press recall CR-2026-EXAMPLE-0001 --out releases --json',
    )
    .action(async (id: string, o: Record<string, unknown>) => {
      const { hits, manifests } = await recall(id, o.out as string);
      if (o.json)
        io.out(`${JSON.stringify({ consent_id: id, searched: path.resolve(o.out as string), manifests, assets: hits }, null, 2)}\n`);
      else {
        for (const h of hits)
          io.out(`${h.file}\t${h.campaign}\t${h.locale}\t${h.template}:${h.format}\t${h.channel}\tsha256:${h.sha256.slice(0, 12)}\n`);
        io.err(`${hits.length} asset(s) used ${id} (searched ${manifests} manifest(s) under ${path.resolve(o.out as string)})\n`);
      }
      setExit(ExitCode.ok);
    });

  const locales = program.command('locales').description('translator tools: checks, coverage, XLIFF exchange, pseudo-locales');
  locales
    .command('check')
    .description('check every locale against the source: keys, plurals, placeholders, bidi, fonts, letters')
    .option('-l, --locale <code>', 'only this locale (repeatable)', collect)
    .option('--json', 'print the findings as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales check\n  $ campaign-press locales check -l ckb -l ar --json\n\nExit 2 when any finding is an error; warnings alone exit 0.',
    )
    .action((o: Record<string, unknown>) => {
      const { table, project, findings: loadFindings } = openLocales();
      for (const l of (o.locale as string[] | undefined) ?? []) {
        if (!table.has(l)) throw new CampaignPressError('locale-unknown', `--locale ${l}: unknown locale`, { field: '--locale' });
      }
      const findings = [...loadFindings, ...checkLocales(project, { locales: o.locale as string[] | undefined })];
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (o.json) io.out(`${JSON.stringify({ findings, errors, warnings: findings.length - errors }, null, 2)}\n`);
      else printFindings(io, findings);
      setExit(errors ? ExitCode.invalidInput : ExitCode.ok);
    });

  locales
    .command('export')
    .description('export a locale to XLIFF for CAT tools: every namespace, source text, notes, plural forms')
    .requiredOption('-l, --locale <code>', 'the target language')
    .addOption(new Option('--format <format>', 'XLIFF version').choices(['xliff12', 'xliff2']).default('xliff12'))
    .option('-o, --out <file>', 'write here instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press locales export -l ckb --format xliff2 -o ckb.xlf\n  $ campaign-press locales export -l ar > ar.xlf',
    )
    .action(async (o: Record<string, unknown>) => {
      const { root, table, project } = openLocales();
      const r = await exportXliff(root, table, project.campaigns, o.locale as string, o.format as 'xliff12' | 'xliff2');
      if (o.out) await writeFileAtomic(path.resolve(o.out as string), r.xml);
      else io.out(r.xml);
      io.err(
        `exported ${r.units} units for ${o.locale as string} (${r.untranslated} untranslated)${o.out ? ` to ${o.out as string}` : ''}\n`,
      );
      setExit(ExitCode.ok);
    });

  locales
    .command('import')
    .description('import XLIFF files back into locales/<lng>/*.json; refused if the result breaks a check')
    .argument('<file...>', 'XLIFF 1.2 or 2.0 files')
    .option('--force', 'keep the imported files even when the check finds errors')
    .option('--json', 'print the findings as JSON on stdout')
    .addHelpText('after', '\nExample:\n  $ campaign-press locales import ckb.xlf')
    .action(async (files: string[], o: Record<string, unknown>) => {
      const root = rootOf();
      const table = loadLocaleTable(path.join(root, 'locales'));
      const imported: ImportedNamespace[] = [];
      for (const f of files) {
        let xml: string;
        try {
          xml = await fsp.readFile(f, 'utf8');
        } catch {
          throw new CampaignPressError('path-not-found', `cannot read ${f}`, { file: f });
        }
        imported.push(...(await importXliff(root, table, xml, f)));
      }
      // Write, check, and put the old files back if the import broke a rule.
      const previous = new Map<string, string | undefined>();
      for (const i of imported) {
        previous.set(i.file, await fsp.readFile(i.file, 'utf8').catch(() => undefined));
        await writeFileAtomic(i.file, i.json);
      }
      const lngs = [...new Set(imported.map((i) => i.locale))];
      const { project } = loadLocaleProject(root, table);
      const findings = checkLocales(project, { locales: lngs }).filter((f) => imported.some((i) => path.resolve(root, f.file) === i.file));
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (errors && !o.force) {
        for (const [file, old] of previous) {
          if (old === undefined) await fsp.rm(file, { force: true });
          else await writeFileAtomic(file, old);
        }
      }
      if (o.json)
        io.out(
          `${JSON.stringify({ imported: imported.map(({ json: _j, ...rest }) => rest), findings, kept: !errors || !!o.force }, null, 2)}\n`,
        );
      else {
        printFindings(io, findings);
        for (const i of imported)
          io.err(
            `${errors && !o.force ? 'not written' : 'wrote'} ${path.relative(root, i.file)}: ${i.translated} of ${i.units} units translated\n`,
          );
      }
      setExit(errors && !o.force ? ExitCode.invalidInput : ExitCode.ok);
    });

  locales
    .command('status')
    .description('coverage per locale and campaign: translated, missing, stale and draft')
    .option('--json', 'print JSON on stdout (for CI)')
    .addHelpText(
      'after',
      "\nExamples:\n  $ campaign-press locales status\n  $ campaign-press locales status --json | jq '.rows[] | select(.missing > 0)'",
    )
    .action((o: Record<string, unknown>) => {
      const rows = localeStatus(openLocales().project);
      if (o.json) io.out(`${JSON.stringify({ rows }, null, 2)}\n`);
      else {
        const head = ['locale', 'language', 'status', 'namespace', 'translated', 'missing', 'stale', 'draft', 'coverage'];
        const cells = rows.map((r) => [
          r.locale,
          r.language,
          r.locale_status,
          r.namespace,
          `${r.translated}/${r.total}`,
          String(r.missing),
          String(r.stale),
          String(r.draft),
          `${Math.floor(r.coverage * 100)}%`,
        ]);
        const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
        const fmt = (c: string[]) =>
          c
            .map((x, i) => x.padEnd(widths[i]!))
            .join('  ')
            .trimEnd();
        io.out(`${pc.dim(fmt(head))}\n`);
        for (const [i, c] of cells.entries()) io.out(`${rows[i]!.missing ? pc.yellow(fmt(c)) : fmt(c)}\n`);
      }
      setExit(ExitCode.ok);
    });

  locales
    .command('pseudo')
    .description('write the pseudo-locales en-XA (expanded) and ar-XB (right-to-left) to locales/ for inspection')
    .addHelpText(
      'after',
      '\nThe build computes them itself, so this is only needed to read or export them:\n  $ campaign-press locales pseudo\n  $ campaign-press build campaigns/safe-journeys --locale en-XA --locale ar-XB',
    )
    .action(async () => {
      const { root, table, project } = openLocales();
      const sourceFile = `locales/${LABEL_SOURCE}/common.json`;
      const common = flatten(parseJsonStrict(await fsp.readFile(path.join(root, sourceFile), 'utf8'), sourceFile).data);
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
        io.err(`wrote locales/${code}/ (${files.map(([n]) => n).join(', ')})\n`);
      }
      setExit(ExitCode.ok);
    });

  program
    .command('preview')
    .description('a local gallery of the campaign that rebuilds and reloads when you save a file')
    .argument('<campaign-dir>', 'the campaign folder')
    .option('-p, --port <n>', 'port on 127.0.0.1 (0 picks a free one)', '4173')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('-l, --locale <code>', 'only this locale (repeatable); en-XA and ar-XB preview text expansion', collect)
    .option('--only <template[:format]>', 'only this template or template:format (repeatable)', collect)
    .option('--as-of <YYYY-MM-DD>', 'build date for consent checks (default: today)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ campaign-press preview campaigns/safe-journeys -l ckb        # then open http://127.0.0.1:4173/\n  $ campaign-press preview campaigns/safe-journeys -l en-XA --only poster',
    )
    .action(async (dir: string, o: Record<string, unknown>) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CampaignPressError('usage', `--port ${String(o.port)} is not a port number`, { field: '--port' });
      const { skipRefused: _s, ...buildOptions } = toBuildOptions(dir, o);
      const p = await startPreview({
        ...buildOptions,
        port,
        onEvent: (e) => io.err(`${pc.dim(new Date().toISOString().slice(11, 19))} ${e}\n`),
      });
      io.err(`${pc.green('preview')} ${p.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await p.close();
      setExit(ExitCode.ok);
    });

  program
    .command('doctor')
    .description('check the set-up: Node, Chromium (launched for real), fonts, locales, templates')
    .action(async () => {
      const checks = await runDoctor(rootOf());
      for (const c of checks)
        io.out(
          `${c.ok ? pc.green('ok  ') : c.exit ? pc.red('FAIL') : pc.yellow('warn')} ${c.name.padEnd(28)} ${c.detail}${!c.ok && c.hint ? `\n     ${pc.dim('hint:')} ${c.hint}` : ''}\n`,
        );
      const failed = checks.filter((c) => !c.ok && c.exit);
      setExit(failed.length ? Math.max(...failed.map((c) => c.exit!)) : ExitCode.ok);
    });

  program
    .command('init')
    .description('create a new project folder: templates, locales and a campaign to fill in')
    .argument('<dir>', 'a new or empty folder')
    .option('--campaign <id>', 'the first campaign id', 'my-campaign')
    .addHelpText(
      'after',
      '\nExample:\n  $ campaign-press init kri-2027 --campaign safe-routes\n  $ cd kri-2027 && campaign-press build campaigns/safe-routes',
    )
    .action((dir: string, o: Record<string, unknown>) => {
      const made = initProject(dir, o.campaign as string);
      for (const m of made) io.err(`created ${path.join(dir, m)}\n`);
      io.err(`next: cd ${dir} && campaign-press build campaigns/${o.campaign as string}\n`);
      setExit(ExitCode.ok);
    });

  return program;
}

/** Run the CLI; returns the exit code (only the bin shim exits). */
export async function main(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), errIsTty: !!process.stderr.isTTY },
): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return ExitCode.invalidInput;
    }
    const errors = e instanceof ValidationErrors ? e.errors : e instanceof CampaignPressError ? [e] : undefined;
    const json = argv.includes('--json');
    if (errors) {
      if (json)
        io.out(
          `${JSON.stringify({ errors: errors.map((x) => x.toJSON()), warnings: [], exitCode: Math.max(...errors.map((x) => x.exitCode)) }, null, 2)}\n`,
        );
      for (const x of errors) printProblem(io, x.toJSON(), 'error');
      return Math.max(...errors.map((x) => x.exitCode));
    }
    io.err(`${pc.red('internal error')} (this is a bug in campaign-press; please report it):\n${(e as Error).stack ?? String(e)}\n`);
    if (json) io.out(`${JSON.stringify({ errors: [{ code: 'internal', message: String((e as Error).message) }], exitCode: 1 })}\n`);
    return ExitCode.internal;
  }
}
