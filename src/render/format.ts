// Small pure formatters shared by the text, tree and table renderers.
import type { DevNode, IommuGroup, Probe, ProbeError, Quirk } from '../model/types.js'
import type { Style } from './style.js'

/** Lowercase hex with 0x: 0x0, 0xfebf0000. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`
}

/** Zero-padded lowercase hex without 0x, as lspci prints IDs: 8086, 0200. */
export function hexPad(n: number, width: number): string {
  return n.toString(16).padStart(width, '0')
}

const SUFFIX = ['', 'K', 'M', 'G', 'T', 'P', 'E'] as const

/** lspci's show_size(): divide by 1024 while it divides evenly: 32, 16K, 256M, 1G, 6K. */
export function formatSize(size: bigint | number): string {
  let x = BigInt(size)
  let i = 0
  while (x !== 0n && x % 1024n === 0n && i < SUFFIX.length - 1) {
    x /= 1024n
    i++
  }
  return `${x}${SUFFIX[i] ?? ''}`
}

/** Supported page sizes from a bitmap: 0x40201000 → ["4K", "2M", "1G"]. */
export function pageSizes(bitmap: bigint): string[] {
  const out: string[] = []
  for (let bit = 0n; bit < 64n; bit++) {
    if ((bitmap >> bit) & 1n) out.push(formatSize(1n << bit))
  }
  return out
}

/** ls -l style mode: 0o20600 → "crw-------". */
export function modeString(mode: number): string {
  const type = mode & 0o170000
  const t = type === 0o020000 ? 'c' : type === 0o060000 ? 'b' : type === 0o040000 ? 'd' : type === 0o120000 ? 'l' : '-'
  const rwx = 'rwxrwxrwx'
  let perms = ''
  for (let i = 0; i < 9; i++) perms += mode & (1 << (8 - i)) ? rwx[i] : '-'
  return t + perms
}

/** Renderers cannot look up user names (no I/O): uid 0 is shown as root, others as numbers. */
export function ownerString(node: DevNode): string {
  const name = (id: number): string => (id === 0 ? 'root' : String(id))
  return `${name(node.uid)}:${name(node.gid)}`
}

/** "/dev/vfio/12 crw------- root:root" */
export function devNodeString(node: DevNode): string {
  return `${node.path} ${modeString(node.mode)} ${ownerString(node)}`
}

/** "12" or "noiommu-3": the name the kernel gives the group node. */
export function groupName(g: IommuGroup): string {
  return g.noiommu ? `noiommu-${g.id}` : String(g.id)
}

/** The full form every ProbeError takes: "op: CODE (path)". */
export function formatError(e: ProbeError): string {
  return `${e.op}: ${e.code}${e.path !== undefined ? ` (${e.path})` : ''}`
}

/** Error line(s) in the bad style, the hint (what to do next) on its own line. */
export function errorLines(e: ProbeError, style: Style, indent: string, prefix = ''): string[] {
  const lines = [indent + style.bad(`${prefix}${formatError(e)}`)]
  if (e.hint !== undefined) lines.push(`${indent}  ${style.bad(`hint: ${e.hint}`)}`)
  return lines
}

/**
 * A member's copy of its group's failure, without the hint: the group line already printed it, and a
 * five-device group should not repeat the same advice five times.
 */
export function dropGroupHint(e: ProbeError, g: IommuGroup | null): ProbeError {
  const s = g?.status
  if (e.hint === undefined || s === undefined || s === null || s.ok || s.error.hint !== e.hint) return e
  const { hint: _hint, ...rest } = e
  return rest
}

// Short phrases for the one-line markers of verbose 0; the full error is shown from -v on.
const PHRASE: Readonly<Record<string, string>> = {
  EBUSY: 'held by another process',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENODEV: 'no such device',
  ENOENT: 'not found',
  EINVAL: 'invalid argument',
  ENOTTY: 'not supported',
  ENOMEM: 'out of memory',
  EAGAIN: 'try again',
  EIO: 'I/O error',
  EPROTO: 'malformed reply',
  NOT_VIABLE: 'group not viable',
}

/** "<EBUSY: held by another process>" */
export function errorMarker(e: ProbeError): string {
  const phrase = PHRASE[e.code]
  return `<${e.code}${phrase !== undefined ? `: ${phrase}` : ''}>`
}

/** A documented kernel state, not a failure: "no VGA region: not a VGA device (EINVAL)". */
export function quirkText(q: Quirk): string {
  return `${q.reason} (${q.error.code})`
}

export function isQuirk<T>(x: Probe<T> | Quirk): x is Quirk {
  return 'state' in x
}

function norm(name: string): string {
  return name.toLowerCase().replace(/_/g, '-')
}

/** Case- and separator-insensitive membership, so "RESET", "reset" and "Reset" all match. */
export function hasFlag(names: readonly string[], name: string): boolean {
  const want = norm(name)
  return names.some((n) => norm(n) === want)
}

/** Region flags for a summary: read+write → "rw", then the rest: "rw mmap caps". */
export function compactRegionFlags(names: readonly string[]): string {
  const r = hasFlag(names, 'read')
  const w = hasFlag(names, 'write')
  const rest = names.filter((n) => !['read', 'write'].includes(norm(n))).map(norm)
  const access = `${r ? 'r' : ''}${w ? 'w' : ''}`
  return [access, ...rest].filter((s) => s !== '').join(' ')
}

/** "[a b c]", or "[]" when empty. */
export function bracket(names: readonly string[]): string {
  return `[${names.join(' ')}]`
}

/** "1 probe" / "2 probes" */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

/** Printed width of a string that may carry ANSI colour codes. */
export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length
}

/**
 * Joins items after a first-line prefix, wrapping to `width` columns; continuation lines start with
 * `indent`. Keeps long lists (extensions, IOVA ranges) readable on an 80-column terminal.
 */
export function wrapItems(prefix: string, items: readonly string[], indent: string, width = 80, sep = ' '): string[] {
  const lines: string[] = []
  let line = prefix
  let fresh = true
  for (const item of items) {
    const candidate = fresh ? line + item : line + sep + item
    if (!fresh && visibleLength(candidate) > width) {
      lines.push(line + sep.trimEnd())
      line = indent + item
    } else {
      line = candidate
    }
    fresh = false
  }
  lines.push(line)
  return lines
}
