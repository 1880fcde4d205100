// Hex dumps. hexdump() is exactly lspci's -x layout (lspci.c show_hex_dump: "%02x:" at each 16-byte
// boundary, then " %02x" per byte), so `lspci -F` can read our dumps and theirs can become fixtures.
import type { Style } from './style.js'

const h2 = (b: number): string => b.toString(16).padStart(2, '0')

/**
 * Rows of 16 bytes; `start` is the offset of bytes[0]. Rows break on absolute 16-byte boundaries as in
 * lspci, so an unaligned start gives a short first row labelled with its own offset.
 */
export function hexdump(bytes: Uint8Array, start = 0): string[] {
  const lines: string[] = []
  let line = ''
  bytes.forEach((b, i) => {
    const at = start + i
    if (i === 0 || (at & 15) === 0) line = `${h2(at)}:`
    line += ` ${h2(b)}`
    if ((at & 15) === 15) {
      lines.push(line)
      line = ''
    }
  })
  if (line !== '') lines.push(line)
  return lines
}

export interface DumpField {
  offset: number
  size: number
  label: string
}

/**
 * A debugging view, not a fixture format: one row per field ("04: 03 01  command"), wrapped at 16
 * bytes, with unlabelled gaps dimmed and bytes beyond the buffer shown as "??".
 */
export function annotatedDump(bytes: Uint8Array, fields: readonly DumpField[], style: Style, start = 0): string[] {
  const end = start + bytes.length
  const sorted = [...fields].sort((a, b) => a.offset - b.offset || b.size - a.size)
  const lastOffset = Math.max(end, ...sorted.map((f) => f.offset + f.size))
  const width = Math.max(2, (Math.max(0, lastOffset - 1)).toString(16).length)
  const byteAt = (at: number): string => {
    const b = at >= start && at < end ? bytes[at - start] : undefined
    return b === undefined ? '??' : h2(b)
  }
  const rows = (from: number, size: number, label: string | null): string[] => {
    const out: string[] = []
    for (let row = from; row < from + size; row += 16) {
      const n = Math.min(16, from + size - row)
      const hex: string[] = []
      for (let i = 0; i < n; i++) hex.push(byteAt(row + i))
      const body = `${row.toString(16).padStart(width, '0')}: ${hex.join(' ').padEnd(47)}`
      if (label === null) out.push(style.dim(body.trimEnd()))
      else out.push(`${body}  ${row === from ? style.label(label) : style.dim(`(${label} cont.)`)}`)
    }
    return out
  }
  const lines: string[] = []
  let covered = start
  for (const f of sorted) {
    if (f.offset > covered) lines.push(...rows(covered, Math.min(f.offset, end) - covered, null))
    lines.push(...rows(f.offset, f.size, f.label))
    covered = Math.max(covered, f.offset + f.size)
  }
  if (covered < end) lines.push(...rows(covered, end - covered, null))
  return lines
}
