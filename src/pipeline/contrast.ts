/**
 * Brand colours as text: every pair a template draws from the brand (accent on primary, primary
 * on paper, white on primary) is checked against WCAG 2.2 (4.5:1 for body text, 3:1 for large
 * text). A pair below that gets a safe colour instead, a tint or shade of the brand colour moved
 * just far enough, and the build warns `contrast-low`. Pure.
 */

export interface Brand {
  primary: string;
  accent: string;
}

/** The pairs the shipped templates draw; each CSS variable is set to the colour to use. */
export const BRAND_PAIRS = [
  // Kickers, "learn more" and hotline digits on the primary field: large or bold text.
  {
    variable: '--accent-on-primary',
    fg: 'accent',
    bg: 'primary',
    min: 3,
    use: 'accent text on the primary colour (kickers, hotline digits)',
  },
  // Tags, labels and small print in white on the primary field.
  { variable: '--on-primary', fg: '#ffffff', bg: 'primary', min: 4.5, use: 'white text on the primary colour' },
  // Titles, quotes and calls to action in the primary colour on paper (#f6f3ec is the lightest used).
  { variable: '--primary-on-paper', fg: 'primary', bg: '#f6f3ec', min: 4.5, use: 'primary-colour text on paper' },
] as const;

export interface ContrastProblem {
  use: string;
  fg: string;
  bg: string;
  ratio: number;
  min: number;
  fallback: string;
  fallbackRatio: number;
}

export interface BrandColours {
  vars: Record<string, string>;
  problems: ContrastProblem[];
}

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function format(c: Rgb): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

function luminance(c: Rgb): number {
  const ch = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
}

/** WCAG 2.2 contrast ratio of two sRGB colours written #RRGGBB. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(parse(a)), luminance(parse(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Move `fg` toward white or black (whichever side of `bg` it can reach) until it passes. */
function safeColour(fg: string, bg: string, min: number): string {
  const from = parse(fg);
  const towards: Rgb = luminance(parse(bg)) < 0.18 ? [255, 255, 255] : [0, 0, 0];
  for (let t = 0.05; t <= 1.0001; t += 0.05) {
    const c = from.map((v, i) => v + (towards[i]! - v) * t) as Rgb;
    const hex = format(c);
    if (contrastRatio(hex, bg) >= min) return hex;
  }
  return format(towards);
}

export function brandColours(brand: Brand): BrandColours {
  const vars: Record<string, string> = {};
  const problems: ContrastProblem[] = [];
  const resolve = (c: string) => (c === 'primary' ? brand.primary : c === 'accent' ? brand.accent : c).toUpperCase();
  for (const p of BRAND_PAIRS) {
    const fg = resolve(p.fg);
    const bg = resolve(p.bg);
    const ratio = contrastRatio(fg, bg);
    if (ratio >= p.min) {
      vars[p.variable] = fg;
      continue;
    }
    const fallback = safeColour(fg, bg, p.min);
    vars[p.variable] = fallback;
    problems.push({ use: p.use, fg, bg, ratio, min: p.min, fallback, fallbackRatio: contrastRatio(fallback, bg) });
  }
  return { vars, problems };
}

export function describeContrast(p: ContrastProblem): string {
  return `${p.use}: ${p.fg} on ${p.bg} has a contrast of ${p.ratio.toFixed(2)}:1, below ${p.min}:1 (WCAG 2.2); ${p.fallback} (${p.fallbackRatio.toFixed(2)}:1) is used instead`;
}

/**
 * The two tones of a hero image's treatment, darkest and lightest, for text drawn over it in
 * `text`: the brand's primary, moved away from the text colour until even the lightest (or, for
 * dark text, the darkest) tone keeps `min` contrast with it. Every pixel of a duotone lies between
 * the two, so every pixel under the text passes too; the image step measures the result anyway.
 */
export function heroTones(primary: string, text: string, min = 4.5): { dark: string; light: string } {
  const p = parse(primary);
  const textIsLight = luminance(parse(text)) > 0.18;
  const toward: Rgb = textIsLight ? [0, 0, 0] : [255, 255, 255];
  const away: Rgb = textIsLight ? [255, 255, 255] : [0, 0, 0];
  const mix = (a: Rgb, b: Rgb, t: number) => format(a.map((v, i) => v + (b[i]! - v) * t) as Rgb);
  // The tone on the text's side: as close to the text as contrast allows, so the photo keeps detail.
  let near = format(p);
  for (let t = 0; t <= 1.0001; t += 0.02) {
    const c = mix(p, away, t);
    if (contrastRatio(c, text) < min) break;
    near = c;
  }
  if (contrastRatio(near, text) < min) near = safeColour(near, text, min);
  const far = mix(parse(near), toward, 0.7);
  return textIsLight ? { dark: far, light: near } : { dark: near, light: far };
}
