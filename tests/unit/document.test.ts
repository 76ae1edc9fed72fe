import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/pipeline/run.js';
import { renderDocument } from '../../src/pipeline/document.js';
import { planRenders } from '../../src/pipeline/plan.js';
import { Diagnostics } from '../../src/errors.js';
import { Translator } from '../../src/i18n/translator.js';
import { REPO } from '../helpers.js';

/** The page documents of the sample campaign (pure: no browser). */
const project = loadProject(REPO, path.join(REPO, 'campaigns', 'safe-journeys'));
const diag = new Diagnostics();
const resources: Record<string, Record<string, unknown>> = {};
for (const l of ['en', 'ckb', 'ar', 'kmr']) {
  resources[l] = {
    common: JSON.parse(readFileSync(path.join(REPO, 'locales', l, 'common.json'), 'utf8')),
    campaign: project.campaign.messages.get(l) ?? {},
  };
}
const translator = new Translator(project.table, resources as never, diag);

function page(locale: string, template: string, format: string) {
  const plan = planRenders(
    project.campaign,
    project.templates,
    {
      asOf: '2026-11-28',
      locales: [locale],
      only: [{ template, format }],
      regions: project.campaign.data.distribution.regions,
      skipRefused: true,
    },
    diag,
  );
  return renderDocument(plan.jobs[0]!, {
    campaign: project.campaign,
    table: project.table,
    translator,
    assets: new Map(),
    photos: new Map(),
  }).html;
}

describe('page documents', () => {
  it('set lang and dir from locales.json', () => {
    expect(page('ckb', 'poster', 'a3')).toContain('<html lang="ckb" dir="rtl">');
    expect(page('ar', 'social-card', 'story')).toContain('<html lang="ar" dir="rtl">');
    expect(page('kmr', 'poster', 'a4')).toContain('<html lang="kmr" dir="ltr">');
    expect(page('en', 'leaflet', 'a5')).toContain('<html lang="en" dir="ltr">');
  });

  it('carry a CSP that allows only the in-memory origin, and no script', () => {
    const html = page('ckb', 'poster', 'a3');
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; font-src https:\/\/assets\.campaign-press\.invalid; img-src https:\/\/assets\.campaign-press\.invalid data:; style-src 'unsafe-inline'">/,
    );
    expect(html).not.toMatch(/<script/i);
    // Everything the page would load points at the in-memory origin.
    const loads = [...html.matchAll(/\b(?:src|href)="([^"]*)"|url\(([^)]*)\)/g)].map((m) => m[1] ?? m[2]!);
    expect(loads.length).toBeGreaterThan(10);
    for (const u of loads) expect(u).toMatch(/^(https:\/\/assets\.campaign-press\.invalid\/|#|data:)/);
  });

  it('isolate the hotline as a left-to-right run in right-to-left pages', () => {
    const html = page('ar', 'poster', 'a3');
    // The box is left to right by its CSS; the number inside it is also in the override every phone
    // number in right-to-left text gets (templates/bidi.ts).
    expect(html).toMatch(
      /<span class="hotline" data-fit="hotline"[^>]*><bdo dir="ltr" style="unicode-bidi: isolate-override; white-space: nowrap">\+964 750 000 0000<\/bdo><\/span>/,
    );
    expect(readFileSync(path.join(REPO, 'templates', '_shared', 'base.css'), 'utf8')).toMatch(
      /\.hotline \{\s*direction: ltr;\s*unicode-bidi: isolate;/,
    );
  });

  it('mark a description that falls back to the source language', () => {
    const saved = project.campaign.bodies.get('kmr');
    project.campaign.bodies.delete('kmr');
    try {
      expect(page('kmr', 'leaflet', 'a5')).toMatch(/<div class="md body"[^>]*lang="en" dir="ltr">/);
    } finally {
      if (saved) project.campaign.bodies.set('kmr', saved);
    }
    expect(page('ckb', 'leaflet', 'a5')).toMatch(/<div class="md body"[^>]*lang="ckb" dir="rtl">/);
  });

  it('print the display name and the name-changed note, never more', () => {
    const html = page('en', 'testimony-card', 'square');
    expect(html).toMatch(/<bdi>Hawre\*<\/bdi>|<bdi>Aram\*<\/bdi>/);
    expect(html).toContain('Name changed to protect identity');
  });
});

describe('raw template syntax never reaches a page', () => {
  it('refuses a testimony whose text holds a placeholder in Persian letters, naming its file (control: the text as shipped)', () => {
    expect(() => page('en', 'leaflet', 'a5')).not.toThrow();
    const t = project.campaign.testimonies[0]!;
    const before = t.body;
    t.body = `${before}\n\nWe waited {{تعداد}} days.`;
    try {
      expect(() => page('en', 'leaflet', 'a5')).toThrow(/template syntax/);
      try {
        page('en', 'leaflet', 'a5');
      } catch (e) {
        expect((e as { code: string }).code).toBe('render-raw-syntax');
        expect((e as { location: { file: string } }).location.file).toBe(t.file);
      }
    } finally {
      t.body = before;
    }
  });
});
