import type { Command } from '@commander-js/extra-typings';
import { ExitCode } from '../../errors.js';
import type { Ctx } from '../io.js';
import { printJson } from '../report.js';

export function registerRecall(program: Command, ctx: Ctx): void {
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
    .action(async (id, o) => {
      const { recall } = await import('../../output/consent-report.js');
      const searched = ctx.resolve(o.out);
      const { hits, manifests } = await recall(id, searched);
      if (o.json) printJson(ctx, { consent_id: id, searched, manifests, assets: hits });
      else {
        for (const h of hits)
          ctx.out(`${h.file}\t${h.campaign}\t${h.locale}\t${h.template}:${h.format}\t${h.channel}\tsha256:${h.sha256.slice(0, 12)}\n`);
        ctx.err(`${hits.length} asset(s) used ${id} (searched ${manifests} manifest(s) under ${searched})\n`);
      }
      ctx.setExit(ExitCode.ok);
    });
}
