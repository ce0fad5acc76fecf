const priceFormats = new Map<string, { format: Intl.NumberFormat; scale: number }>();

/** Prices are stored in minor units; the currency's own number of decimals converts them back. */
export function formatPrice(minorUnits: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let entry = priceFormats.get(key);
  if (!entry) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    entry = { format, scale: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    priceFormats.set(key, entry);
  }
  return entry.format.format(minorUnits / entry.scale);
}

/** "4:05" for 245 s; never negative. */
export function formatCountdown(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

const compiled = new Map<string, string[]>();

/**
 * Replaces `{name}` placeholders; unknown names stay visible so a bad override is noticed.
 * Templates are split once and cached: seat labels fill the same template 10,000 times.
 */
export function fill(template: string, values: Record<string, string | number>): string {
  let parts = compiled.get(template);
  if (!parts) {
    // Odd indexes are placeholder names, even ones literal text.
    parts = template.split(/\{(\w+)\}/);
    compiled.set(template, parts);
  }
  let text = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    text += (name in values ? String(values[name]) : `{${name}}`) + parts[i + 1]!;
  }
  return text;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
