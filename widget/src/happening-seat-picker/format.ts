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

/** A template split once (and cached): odd indexes are placeholder names, even ones literal text. */
function partsOf(template: string): string[] {
  let parts = compiled.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    compiled.set(template, parts);
  }
  return parts;
}

/** Replaces `{name}` placeholders; unknown names stay visible so a bad override is noticed. */
export function fill(template: string, values: Record<string, string | number>): string {
  return filler(template, {})(values);
}

/**
 * Fills the placeholders known now (`fixed`) once and returns a function for the rest: seat labels
 * share their category, price and status across a section, and only row and seat differ among
 * 10,000 of them. The result is the same as `fill(template, { ...fixed, ...values })`.
 */
export function filler(
  template: string,
  fixed: Record<string, string | number>,
): (values: Record<string, string | number>) => string {
  const parts = partsOf(template);
  // Literal text at even indexes, the names still to fill at odd ones.
  const rest = [parts[0]!];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    if (name in fixed) rest[rest.length - 1] += String(fixed[name]) + parts[i + 1]!;
    else rest.push(name, parts[i + 1]!);
  }
  return (values) => {
    let text = rest[0]!;
    for (let i = 1; i < rest.length; i += 2) {
      const name = rest[i]!;
      text += (name in values ? String(values[name]) : `{${name}}`) + rest[i + 1]!;
    }
    return text;
  };
}
