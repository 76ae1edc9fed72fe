import type { FormatSpec } from './engine.js';

/** CSS px per millimetre (CSS fixes 96 px to the inch). */
export const MM_TO_PX = 96 / 25.4;

/** Outer size of the page in CSS px, bleed included. */
export function pagePixels(f: FormatSpec): { width: number; height: number } {
  if (f.unit === 'px') return { width: f.width, height: f.height };
  return { width: Math.round((f.width + 2 * f.bleed) * MM_TO_PX), height: Math.round((f.height + 2 * f.bleed) * MM_TO_PX) };
}
