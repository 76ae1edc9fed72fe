import { describe, expect, it } from 'vitest';
import { CodeWriter, decodeTarget, encodeLabel, labelCodes, labelTargetProblem } from '../../src/translators/segments.js';

/** Inline codes for label strings: nesting and unescaped placeholders, both XLIFF versions. */
describe('label inline codes', () => {
  const source = 'Call {{- name}} now: $t(common:helpline)';

  it('encodes placeholders and nesting as codes in 1.2 and 2.0', () => {
    const codes = labelCodes(source);
    expect([...codes.values()]).toEqual([
      { kind: 'ph', text: '{{- name}}' },
      { kind: 'ph', text: '$t(common:helpline)' },
    ]);
    const w12 = new CodeWriter('xliff12');
    expect(w12.splice(encodeLabel(source, codes, w12))).toBe(
      'Call <x id="ph1" equiv-text="{{- name}}"/> now: <x id="ph2" equiv-text="$t(common:helpline)"/>',
    );
    const w2 = new CodeWriter('xliff2');
    expect(w2.splice(encodeLabel(source, codes, w2))).toBe(
      'Call <ph id="ph1" disp="{{- name}}"/> now: <ph id="ph2" disp="$t(common:helpline)"/>',
    );
  });

  it('maps a reordered Pashto target back from the source by id', () => {
    const codes = labelCodes(source);
    const target = [{ Standalone: { id: 'ph2', disp: 'x' } }, ' ته اوس زنګ ووهئ ', { Standalone: { id: 'ph1' } }];
    const d = decodeTarget(target, codes);
    expect(d.text).toBe('$t(common:helpline) ته اوس زنګ ووهئ {{- name}}');
    expect(labelTargetProblem(source, codes, d.text, d.used, false)).toBeUndefined();
  });

  it('refuses a nesting typed as text with another key, and a dropped nesting', () => {
    const codes = labelCodes(source);
    const typed = decodeTarget(['اوس ', { Standalone: { id: 'ph1' } }, ' $t(common:learn_more)'], codes);
    expect(labelTargetProblem(source, codes, typed.text, typed.used, false)).toMatch(
      /\$t\(common:learn_more\), which is not a placeholder of the source/,
    );
    const dropped = decodeTarget(['اوس ', { Standalone: { id: 'ph1' } }], codes);
    expect(labelTargetProblem(source, codes, dropped.text, dropped.used, false)).toBe('drops the inline code ph2 ($t(common:helpline))');
  });

  it('a plural form other than other may leave out {{count}}, never rename it', () => {
    const codes = labelCodes('{{count}} stories');
    expect(labelTargetProblem('{{count}} stories', codes, 'یوه کیسه', new Set(), true)).toBeUndefined();
    expect(labelTargetProblem('{{count}} stories', codes, 'یوه کیسه', new Set(), false)).toBe('drops the inline code ph1 ({{count}})');
    expect(labelTargetProblem('{{count}} stories', codes, '{{شمېر}} کیسې', new Set(), true)).toMatch(
      /\{\{شمېر\}\}, which is not a placeholder/,
    );
  });
});
