import { describe, expect, it } from 'vitest';
import { brandColours, contrastRatio, describeContrast } from '../../src/pipeline/contrast.js';

describe('brand colour contrast (WCAG 2.2)', () => {
  it('computes the WCAG ratio (black on white is 21:1, a colour on itself 1:1)', () => {
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21, 5);
    expect(contrastRatio('#0B3D5C', '#0B3D5C')).toBeCloseTo(1, 5);
    // The case: a brand orange on its navy, just under the 3:1 for large text.
    expect(contrastRatio('#B5722F', '#0B3D5C')).toBeCloseTo(2.95, 2);
  });

  it('keeps brand colours that pass, as they are (control: the sample campaign brand)', () => {
    const { vars, problems } = brandColours({ primary: '#0B3D5C', accent: '#F2B705' });
    expect(problems).toEqual([]);
    expect(vars).toEqual({ '--accent-on-primary': '#F2B705', '--on-primary': '#FFFFFF', '--primary-on-paper': '#0B3D5C' });
  });

  it('replaces an accent at 2.95:1 on its navy with a tint that reaches 3:1, and says so', () => {
    const { vars, problems } = brandColours({ primary: '#0B3D5C', accent: '#B5722F' });
    expect(problems).toHaveLength(1);
    const p = problems[0]!;
    expect(p).toMatchObject({ fg: '#B5722F', bg: '#0B3D5C', min: 3 });
    expect(p.ratio).toBeLessThan(3);
    expect(vars['--accent-on-primary']).toBe(p.fallback);
    expect(contrastRatio(p.fallback, '#0B3D5C')).toBeGreaterThanOrEqual(3);
    // Lighter than the accent (a tint), not another hue.
    expect(p.fallback).not.toBe('#B5722F');
    expect(describeContrast(p)).toMatch(
      /#B5722F on #0B3D5C has a contrast of 2\.95:1, below 3:1 \(WCAG 2\.2\); #[0-9A-F]{6} \(3\.\d\d:1\) is used instead/,
    );
  });

  it('gives a light primary dark text instead of white, and a darker shade for text on paper', () => {
    const { vars, problems } = brandColours({ primary: '#F2B705', accent: '#0B3D5C' });
    const uses = problems.map((p) => p.use);
    expect(uses).toContain('white text on the primary colour');
    expect(uses).toContain('primary-colour text on paper');
    expect(contrastRatio(vars['--on-primary']!, '#F2B705')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(vars['--primary-on-paper']!, '#F6F3EC')).toBeGreaterThanOrEqual(4.5);
  });
});
