const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => ESC[c] ?? c);
}

/** Only https:, tel: and mailto: URLs may reach a page. */
export function isAllowedUrl(url: string): boolean {
  const u = url.trim();
  if (/^tel:\+?[0-9 ()-]+$/i.test(u)) return true;
  if (/^mailto:[^\s<>"]+@[^\s<>"]+$/i.test(u)) return true;
  try {
    const parsed = new URL(u);
    return parsed.protocol === 'https:' && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}
