import http from 'node:http';
import path from 'node:path';
import chokidar from 'chokidar';
import { build, type BuildOptions, type BuildReport } from '../pipeline/run.js';
import { CampaignPressError, ValidationErrors, type Problem } from '../errors.js';
import { isInside, readBytesInside } from '../util/files.js';
import { escapeHtml } from '../util/html.js';
import { thumbnailsIn } from '../output/contact-sheet.js';

/**
 * `campaign-press preview`: a gallery of a campaign's assets on 127.0.0.1 that rebuilds when a
 * campaign, locale or template file changes and reloads the page. Consent refusals are shown,
 * not fatal (the build runs with --skip-refused): the gallery shows what may be published.
 */

export interface PreviewOptions extends Omit<BuildOptions, 'onProgress' | 'skipRefused'> {
  port: number;
  onEvent?: (s: string) => void;
}

interface State {
  generation: number;
  building: boolean;
  report?: BuildReport;
  problems: Problem[];
  campaign?: string;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
};

export async function startPreview(opts: PreviewOptions): Promise<{ url: string; close: () => Promise<void>; state: State }> {
  const state: State = { generation: 0, building: false, problems: [] };
  const clients = new Set<http.ServerResponse>();
  let queued = false;
  const allowedHosts = new Set<string>();

  const rebuild = async () => {
    if (state.building) {
      queued = true;
      return;
    }
    state.building = true;
    try {
      const report = await build({ ...opts, skipRefused: true });
      // A failed build writes nothing: keep showing the last good assets under the problems.
      state.report = report.exitCode === 0 || !state.report ? report : { ...report, assets: state.report.assets };
      state.campaign = report.campaign ?? undefined;
      state.problems = [...report.errors, ...report.warnings];
      opts.onEvent?.(`rebuilt: ${report.stats.rendered} rendered, ${report.stats.cached} unchanged, ${report.errors.length} error(s)`);
    } catch (e) {
      const errs = e instanceof ValidationErrors ? e.errors : e instanceof CampaignPressError ? [e] : undefined;
      if (!errs) throw e;
      state.report = undefined;
      state.problems = errs.map((x) => x.toJSON());
      opts.onEvent?.(`build failed: ${errs.length} error(s)`);
    } finally {
      state.building = false;
      state.generation++;
      for (const c of clients) c.write(`data: ${state.generation}\n\n`);
    }
    if (queued) {
      queued = false;
      await rebuild();
    }
  };

  // The sheet's thumbnails, read once per build (a gallery asks for one per PDF).
  let thumbs: { generation: number; campaign: string; map: Map<string, Buffer> } | undefined;
  const sheetThumbs = (campaign: string): Map<string, Buffer> => {
    if (thumbs?.generation !== state.generation || thumbs.campaign !== campaign) {
      const root = path.resolve(opts.out, campaign);
      const sheet = readOutput(root, path.join(root, 'index.html'));
      thumbs = { generation: state.generation, campaign, map: sheet ? thumbnailsIn(sheet) : new Map() };
    }
    return thumbs.map;
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      res.writeHead(500).end('internal error');
    });
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends its own
    // Host header. Only our own names are answered, so it cannot read consent ids or refusals.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('misdirected request: open the preview at its 127.0.0.1 address');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`data: ${state.generation}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/api/status') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(
        JSON.stringify({
          generation: state.generation,
          building: state.building,
          problems: state.problems,
          assets: state.report?.assets ?? [],
          refusals: state.report?.refusals ?? [],
        }),
      );
      return;
    }
    // A PDF's page thumbnail, taken from the contact sheet the build embedded it in.
    const thumb = /^\/thumbs\/([0-9a-f]{64})\.png$/.exec(url.pathname);
    if (thumb && state.campaign) {
      const png = sheetThumbs(state.campaign).get(thumb[1]!);
      if (!png) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' });
      res.end(png);
      return;
    }
    if (url.pathname.startsWith('/files/') && state.campaign) {
      const root = path.resolve(opts.out, state.campaign);
      const file = path.resolve(root, decodeURIComponent(url.pathname.slice('/files/'.length)));
      const type = TYPES[path.extname(file)];
      if (!isInside(root, file) || !type) {
        res.writeHead(404).end('not found');
        return;
      }
      const bytes = readOutput(root, file);
      if (!bytes) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(bytes);
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-src 'none'",
      });
      res.end(renderGallery(state, opts.locales));
      return;
    }
    res.writeHead(404).end('not found');
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new CampaignPressError(
              'usage',
              `port ${opts.port} is in use`,
              { field: '--port' },
              'Pick another port with --port, or 0 for any free one.',
            )
          : e,
      ),
    );
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://127.0.0.1:${port}/`;
  allowedHosts.add(`127.0.0.1:${port}`).add(`localhost:${port}`);

  await rebuild();
  const watcher = chokidar.watch([path.resolve(opts.campaignDir), path.join(opts.root, 'locales'), path.join(opts.root, 'templates')], {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 },
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (_event, file) => {
    opts.onEvent?.(`changed: ${path.relative(opts.root, file)}`);
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), 200);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    url,
    state,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An output file, never through a symbolic link (out/ may hold links a hostile shard left). */
function readOutput(root: string, file: string): Buffer | undefined {
  try {
    return readBytesInside(root, file, { noLinks: true, maxBytes: 512 * 1024 * 1024 }).bytes;
  } catch {
    return undefined;
  }
}

function renderGallery(state: State, locales?: string[]): string {
  const assets = (state.report?.assets ?? []).filter((a) => !locales?.length || locales.includes(a.locale));
  const byLocale = new Map<string, typeof assets>();
  for (const a of assets) byLocale.set(a.locale, [...(byLocale.get(a.locale) ?? []), a]);
  const problems = state.problems
    .map(
      (p) =>
        `<li class="${p.code.startsWith('render') || p.code === 'internal' ? 'err' : ''}"><b>${escapeHtml(p.file ?? '')}${p.line ? `:${p.line}` : ''}</b> ${escapeHtml(p.message)} <i>${escapeHtml(p.hint)}</i></li>`,
    )
    .join('');
  const refusals = (state.report?.refusals ?? [])
    .map(
      (r) =>
        `<li><b>${escapeHtml(r.asset)}</b>: ${escapeHtml(r.testimony)} (${escapeHtml(r.consent_id ?? 'no consent')}) ${escapeHtml(r.rule)}</li>`,
    )
    .join('');
  const sections = [...byLocale.entries()]
    .map(([locale, list]) => {
      const cards = list
        .map((a) => {
          const file = (rel: string) => `/files/${rel.split('/').map(encodeURIComponent).join('/')}?g=${state.generation}`;
          const src = file(a.path);
          // A PDF shows its page thumbnails (taken from the same render): an embedded PDF is a black box in headless and many mobile browsers.
          const pages = a.thumbnails ?? [];
          const media =
            a.output !== 'pdf'
              ? `<img src="${src}" alt="${escapeHtml(a.path)}" loading="lazy">`
              : pages.length
                ? `<img src="/thumbs/${pages[0]!.sha256}.png?g=${state.generation}" alt="${escapeHtml(`${a.path}, page 1 of ${pages.length}`)}" loading="lazy">${pages.length > 1 ? `<span class="pages">${pages.length} pages</span>` : ''}`
                : `<span class="nothumb">PDF</span>`;
          return `<figure><a href="${src}" target="_blank" rel="noopener">${media}</a><figcaption>${escapeHtml(a.template)} · ${escapeHtml(a.format)}${a.testimonies.length ? ` · ${escapeHtml(a.testimonies.join(', '))}` : ''}</figcaption></figure>`;
        })
        .join('');
      return `<section><h2>${escapeHtml(locale)}</h2><div class="grid">${cards}</div></section>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>campaign-press preview${state.campaign ? ` · ${escapeHtml(state.campaign)}` : ''}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111}
header{background:#0b3d5c;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:baseline}
header small{opacity:.8}
main{padding:16px 20px}
.problems li{margin:4px 0}.problems li.err b{color:#b00020}.problems i{color:#555}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px}
figure{margin:0;background:#fff;border-radius:8px;padding:8px;box-shadow:0 1px 3px #0002}
figure img,.nothumb{width:100%;height:300px;object-fit:contain;border:0;background:#ddd;display:block}
.nothumb{line-height:300px;text-align:center;color:#555}
.pages{font-size:12px;color:#555}
figcaption{font-size:13px;margin-top:6px;color:#333}
</style></head><body>
<header><b>campaign-press preview</b><span>${escapeHtml(state.campaign ?? '')}</span><small>build ${state.generation}${state.building ? ' · building…' : ''} · ${assets.length} assets · reloads on save</small></header>
<main>
${problems ? `<h2>Problems</h2><ul class="problems">${problems}</ul>` : ''}
${refusals ? `<h2>Left out by the consent gate</h2><ul class="problems">${refusals}</ul>` : ''}
${sections || '<p>No assets yet.</p>'}
</main>
<script>
let seen = ${state.generation};
new EventSource('/events').onmessage = (e) => { if (Number(e.data) > seen) location.reload(); };
</script>
</body></html>`;
}
