/** Numbers and text as the overlay shows them: dollars as `codex fleet status` prints them, short token counts. */
import { escapeLine } from '../terminal/escape.js';

/** `$0.12`, or six decimals below a cent so a small spend is never shown as `$0.00`. */
export function usd(n: number): string {
  return `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 6 : 2)}`;
}

/** `950`, `12.3k`, `4.1M`. */
export function tokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** A bar of `width` cells, `fraction` of them full (clamped to 0..1). */
export function bar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** Worker-controlled text on one line: control characters shown escaped, never obeyed. */
export function safe(text: string): string {
  return escapeLine(text);
}
