/**
 * Characters that text written by people (config files, reasons and comments sent to the API)
 * must not contain: control characters, which terminals, logs and pages render unpredictably or
 * not at all (a NUL, an escape sequence), and the bidirectional embedding, override and isolate
 * characters, which make text display differently from what it is ("Trojan Source", CVE-2021-42574:
 * U+202E shows the rest of a reason reversed).
 *
 * Refused: C0 controls U+0000–U+001F (tab, line feed and carriage return only where the caller
 * allows them), DEL U+007F, C1 controls U+0080–U+009F, U+202A–U+202E and U+2066–U+2069. Marks
 * that only set the direction of neutral characters (U+200E, U+200F, U+061C) are allowed: they
 * cannot reorder text and right-to-left languages use them.
 */

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL, bell',
  0x08: 'BS, backspace',
  0x09: 'TAB',
  0x0a: 'LF, line feed',
  0x0b: 'VT, vertical tab',
  0x0c: 'FF, form feed',
  0x0d: 'CR, carriage return',
  0x1b: 'ESC, escape',
  0x7f: 'DEL',
  0x85: 'NEL, next line',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
};

export function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

export function isBidiControl(cp: number): boolean {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/** `U+202E (right-to-left override, a bidirectional control)`, `U+0000 (NUL, a control character)`. */
export function describeCodePoint(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const kind = isBidiControl(cp) ? 'a bidirectional control' : 'a control character';
  const name = NAMES[cp];
  return `${hex} (${name ? `${name}, ` : ''}${kind})`;
}

export interface UnsafeChar {
  codePoint: number;
  /** 0-based UTF-16 index in the text. */
  index: number;
  /** 1-based line (lines end at LF) and column (in characters, a surrogate pair counts one). */
  line: number;
  column: number;
  /** 1-based position in the whole text, in characters. */
  position: number;
}

export interface UnsafeTextOptions {
  /** Allow tab (U+0009). */
  tab?: boolean;
  /** Allow line feeds, and carriage returns directly before a line feed (CRLF files). */
  lineBreaks?: boolean;
}

/** The first `limit` refused characters of `text`, in order. */
export function findUnsafeChars(
  text: string,
  options: UnsafeTextOptions = {},
  limit = Infinity,
): UnsafeChar[] {
  const found: UnsafeChar[] = [];
  let line = 1;
  let column = 0;
  let position = 0;
  for (let i = 0; i < text.length && found.length < limit; i++) {
    const cp = text.codePointAt(i)!;
    column++;
    position++;
    if (cp > 0xffff) {
      i++; // the low half of a surrogate pair: one character, and never a refused one
      continue;
    }
    if (cp === 0x0a && options.lineBreaks) {
      line++;
      column = 0;
      continue;
    }
    if (!isControl(cp) && !isBidiControl(cp)) continue;
    if (cp === 0x09 && options.tab) continue;
    if (cp === 0x0d && options.lineBreaks && text.charCodeAt(i + 1) === 0x0a) continue;
    found.push({ codePoint: cp, index: i, line, column, position });
    if (cp === 0x0a) {
      line++;
      column = 0;
    }
  }
  return found;
}

/**
 * `text` with each refused character written as `<U+XXXX>`: for logs and audit entries of
 * requests that were refused because of them, so the record shows what was sent, harmlessly.
 */
export function visibleText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out +=
      isControl(cp) || isBidiControl(cp)
        ? `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`
        : ch;
  }
  return out;
}
