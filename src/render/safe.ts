// Host strings (process and VM names, user names, driver names, overrides, device-tree strings,
// pci.ids names, paths, error text) are hostile input. Every process sets its own comm, every VM owner its
// -name. Before a string reaches a terminal, every character that could move the cursor, start an
// escape sequence, break a line or reorder text is written out visibly instead. JSON does not use
// this: JSON.stringify has its own escaping and keeps the value exact.

/** C0 and DEL, C1, and the Unicode format characters that reorder or hide text (bidi embeddings,
 * overrides and isolates, zero-width characters, line and paragraph separators, BOM). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g

const show = (c: string): string => {
  const n = c.charCodeAt(0)
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`
}

/** A host-derived string as it may be shown on a terminal: unsafe characters as \xHH or \uHHHH. Every
 * renderer that prints a string it did not write itself passes it through here. */
export function safe(s: string): string {
  return ANY_UNSAFE.test(s) ? s.replace(UNSAFE, show) : s
}

/** Whether `s` would be shown unchanged. */
export const isSafe = (s: string): boolean => !ANY_UNSAFE.test(s)

/**
 * The model with every string made safe, for the text renderers: one pass at the entry, so every field
 * (and any field added later) is covered. Copy on write: objects with nothing to escape are returned
 * as they are, so a clean inventory costs one walk and no copies. Byte arrays and bigints pass through.
 */
export function safeModel<T>(x: T): T {
  return walk(x) as T
}

// Hot on big hosts (8,192 functions: about two million objects and strings): Object.keys and indexed
// loops, a non-global test before any replace, and byte arrays skipped unseen.
const ANY_UNSAFE = new RegExp(UNSAFE.source)

function walk(x: unknown): unknown {
  if (typeof x === 'string') return ANY_UNSAFE.test(x) ? x.replace(UNSAFE, show) : x
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return x
  if (Array.isArray(x)) {
    let out: unknown[] | null = null
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i]
      if (typeof v !== 'object' && typeof v !== 'string') continue
      const w = walk(v)
      if (w !== v) (out ??= x.slice())[i] = w
    }
    return out ?? x
  }
  const o = x as Record<string, unknown>
  const keys = Object.keys(o)
  let out: Record<string, unknown> | null = null
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string
    const v = o[k]
    if (typeof v !== 'object' && typeof v !== 'string') continue
    const w = walk(v)
    if (w !== v) (out ??= { ...o })[k] = w
  }
  return out ?? x
}
