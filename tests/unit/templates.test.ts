import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationErrors, CampaignPressError } from '../../src/errors.js';
import { lintTemplate, listTemplates, loadTemplate, qrSvg, runTemplate } from '../../src/templates/engine.js';
import { markdownText, renderMarkdown } from '../../src/templates/markdown.js';
import { REPO } from '../helpers.js';

function tmpTemplate(hbs: string, css = '') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cp-tpl-'));
  mkdirSync(path.join(dir, 'bad'));
  writeFileSync(
    path.join(dir, 'bad', 'template.json'),
    JSON.stringify({ description: 'x', channel: 'social', output: 'png', formats: { square: { width: 100, height: 100, unit: 'px' } } }),
  );
  writeFileSync(path.join(dir, 'bad', 'template.hbs'), hbs);
  writeFileSync(path.join(dir, 'bad', 'style.css'), css);
  return dir;
}

function loadErrors(hbs: string, css = ''): CampaignPressError[] {
  try {
    loadTemplate(tmpTemplate(hbs, css), 'bad');
  } catch (e) {
    if (e instanceof ValidationErrors) return e.errors;
    if (e instanceof CampaignPressError) return [e];
    throw e;
  }
  return [];
}

describe('shipped templates', () => {
  it('ship poster, leaflet, social-card and testimony-card with their formats', () => {
    const dir = path.join(REPO, 'templates');
    expect(listTemplates(dir)).toEqual(['leaflet', 'poster', 'social-card', 'testimony-card']);
    expect([...loadTemplate(dir, 'poster').formats.keys()]).toEqual(['a3', 'a4']);
    expect(loadTemplate(dir, 'poster').formats.get('a3')).toMatchObject({ width: 297, height: 420, unit: 'mm', bleed: 3, output: 'pdf' });
    expect([...loadTemplate(dir, 'social-card').formats.keys()]).toEqual(['square', 'portrait', 'story', 'link']);
    expect(loadTemplate(dir, 'social-card').formats.get('link')).toMatchObject({ width: 1200, height: 630 });
    expect(loadTemplate(dir, 'testimony-card').testimonies).toBe('each');
    expect(loadTemplate(dir, 'leaflet').testimonies).toBe('all');
  });
});

describe('template lint and sandbox', () => {
  it.each([
    ['{{{raw}}}', /raw HTML/],
    ['{{& raw}}', /raw HTML/],
    ['<script>alert(1)</script>', /not allowed/],
    ['<img src="x" onerror="alert(1)">', /event handler/],
    ['<a href="https://evil.example">x</a>', /url or asset helper/],
    ['<meta http-equiv="refresh" content="0">', /not allowed/],
    ['{{> partial}}', /partials/],
    ['<div style="background:url(https://x)"></div>', /url\(\)/],
  ])('refuses %s', (src, msg) => {
    const errs = loadErrors(src);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.map((e) => e.message).join('\n')).toMatch(msg);
    expect(errs[0]!.location.line).toBe(1);
  });

  it('refuses @import and url() in template CSS', () => {
    expect(loadErrors('<p></p>', '@import "x.css";').length).toBe(1);
    expect(loadErrors('<p></p>', 'p { background: url(https://x/y.png) }').length).toBe(1);
  });

  it('allows URLs through the url and asset helpers', () => {
    expect(lintTemplate('<a href="{{url campaign.url}}">x</a><img src="{{asset logo}}">')).toEqual([]);
  });

  it('fails on an unknown helper at compile time (knownHelpersOnly)', () => {
    const dir = tmpTemplate('{{lookupEvil "x"}}');
    const t = loadTemplate(dir, 'bad');
    expect(() => runTemplate(t, {})).toThrow(CampaignPressError);
  });

  it('fails on a missing field (strict) instead of printing nothing', () => {
    const t = loadTemplate(tmpTemplate('<p>{{campaign.titel}}</p>'), 'bad');
    expect(() => runTemplate(t, { campaign: { title: 'x' } })).toThrow(/titel/);
  });

  it('does not reach prototype properties', () => {
    const t = loadTemplate(tmpTemplate('<p>{{constructor.name}}</p>'), 'bad');
    expect(() => runTemplate(t, {})).toThrow();
  });

  it('draws a deterministic QR code as inline SVG', () => {
    const a = qrSvg('https://example.org/safe');
    expect(a).toBe(qrSvg('https://example.org/safe'));
    expect(a).toMatch(/^<svg class="qr"/);
    expect(a).not.toMatch(/<script|href=/);
  });
});

describe('Markdown', () => {
  it('escapes raw HTML', () => {
    const r = renderMarkdown('Hi <script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(r.html).not.toMatch(/<script|<img/);
    expect(r.problems).toEqual([]);
  });
  it('refuses images and non-https links', () => {
    expect(renderMarkdown('![face](photo.jpg)').problems[0]).toMatch(/image/);
    expect(renderMarkdown('[x](javascript:alert(1))').problems.length).toBe(1);
    expect(renderMarkdown('[x](http://example.org)').problems.length).toBe(1);
    expect(renderMarkdown('[x](https://example.org) [t](tel:+9647500000000) [m](mailto:a@example.org)').problems).toEqual([]);
  });
  it('gives plain text for scanning', () => {
    expect(markdownText('**Bold** and [link](https://x.org)')).toBe('Bold and link');
  });
});
