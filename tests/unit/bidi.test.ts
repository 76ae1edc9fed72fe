import { describe, expect, it } from 'vitest';
import { isolateLtrRuns } from '../../src/templates/bidi.js';

/**
 * Phone numbers and addresses that partners type into right-to-left text are isolated left to
 * right (the browser test in latin-runs.test.ts reads their order back from the PDF). Here: what
 * is wrapped and what is left alone, in the text partners and translators actually write.
 */
const PHONE = (s: string) => `<bdo dir="ltr" style="unicode-bidi: isolate-override; white-space: nowrap">${s}</bdo>`;
const ADDRESS = (s: string) => `<bdi dir="ltr" style="unicode-bidi: isolate; white-space: nowrap">${s}</bdi>`;

describe('isolateLtrRuns', () => {
  it('wraps phone numbers in Latin, Arabic-Indic and Persian digits, with or without "+"', () => {
    expect(isolateLtrRuns('<p>لە WhatsApp: 0750 123 4567</p>', 'rtl')).toBe(`<p>لە WhatsApp: ${PHONE('0750 123 4567')}</p>`);
    expect(isolateLtrRuns('<p>اتصل على ٠٧٥٠ ١٢٣ ٤٥٦٧ مجاناً</p>', 'rtl')).toBe(`<p>اتصل على ${PHONE('٠٧٥٠ ١٢٣ ٤٥٦٧')} مجاناً</p>`);
    expect(isolateLtrRuns('<p>شماره: ۰۹۱۲-۳۴۵-۶۷۸۹.</p>', 'rtl')).toBe(`<p>شماره: ${PHONE('۰۹۱۲-۳۴۵-۶۷۸۹')}.</p>`);
    expect(isolateLtrRuns('<p>+964 750 123 4567</p>', 'rtl')).toBe(`<p>${PHONE('+964 750 123 4567')}</p>`);
    // A short hotline with a plus is a number too; no-break spaces from Word count as spaces.
    expect(isolateLtrRuns('<p>هێڵ: +44 116\u00a0123</p>', 'rtl')).toBe(`<p>هێڵ: ${PHONE('+44 116\u00a0123')}</p>`);
  });

  it('wraps web and e-mail addresses, leaving the sentence’s full stop outside', () => {
    expect(isolateLtrRuns('<p>سەردانی www.safe-routes.org بکە.</p>', 'rtl')).toBe(`<p>سەردانی ${ADDRESS('www.safe-routes.org')} بکە.</p>`);
    expect(isolateLtrRuns('<p>زوروا https://safe-routes.org/ar/help-now.</p>', 'rtl')).toBe(
      `<p>زوروا ${ADDRESS('https://safe-routes.org/ar/help-now')}.</p>`,
    );
    expect(isolateLtrRuns('<li>info@safe-routes.org</li>', 'rtl')).toBe(`<li>${ADDRESS('info@safe-routes.org')}</li>`);
  });

  it('leaves years, short numbers, lists of two numbers and plain words alone', () => {
    for (const text of ['لە ساڵی 2026', 'تەمەنی 22 ساڵ', '20 30', 'نۆ ڕۆژ', 'IOM', 'e.g. this', 'سالی ۱۴۰۵'])
      expect(isolateLtrRuns(`<p>${text}</p>`, 'rtl')).toBe(`<p>${text}</p>`);
  });

  it('never touches tags, attributes, style, SVG, or text already left to right', () => {
    const html = [
      '<a href="tel:+9647501234567" title="0750 123 4567">',
      '<style>.x{content:"0750 123 4567"}</style>',
      '<svg aria-label="www.safe-routes.org"><text>0750 123 4567</text></svg>',
      '<span dir="ltr">0750 123 4567 www.safe-routes.org</span>',
      '<img alt="0750 123 4567">',
      '</a>',
    ].join('');
    expect(isolateLtrRuns(html, 'rtl')).toBe(html);
  });

  it('on a left-to-right page only the right-to-left parts change; after a closed rtl element, text is ltr again', () => {
    const html = '<p>Call 0750 123 4567</p><blockquote dir="rtl">پەیوەندی: 0750 123 4567</blockquote><p>or 0750 123 4567</p>';
    expect(isolateLtrRuns(html, 'ltr')).toBe(
      `<p>Call 0750 123 4567</p><blockquote dir="rtl">پەیوەندی: ${PHONE('0750 123 4567')}</blockquote><p>or 0750 123 4567</p>`,
    );
    expect(isolateLtrRuns('<p>Call 0750 123 4567</p>', 'ltr')).toBe('<p>Call 0750 123 4567</p>');
  });
});
