// lspci -k's "Kernel modules:": which modules could drive a device, found as modprobe finds them: the
// device's modalias matched (fnmatch globs) against the alias patterns depmod wrote for the running
// kernel. As libkmod's lookup does, the built-in aliases are asked only when no loadable module matches.
import { FsError, type FsReader } from './fs.js'

export const modulesDir = (release: string): string => `/lib/modules/${release}`

/** depmod and libkmod compare aliases with '-' as '_' (outside bracket expressions). */
export function normalizeAlias(s: string): string {
  if (!s.includes('-')) return s
  let out = ''
  let inBracket = false
  for (const c of s) {
    if (c === '[') inBracket = true
    else if (c === ']') inBracket = false
    out += c === '-' && !inBracket ? '_' : c
  }
  return out
}

/** An fnmatch(3) pattern (flags 0: '*' and '?' also match '/') as a regular expression. */
export function globRegExp(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '*') re += '[\\s\\S]*'
    else if (c === '?') re += '[\\s\\S]'
    else if (c === '\\' && i + 1 < pattern.length) re += esc(pattern[++i] as string)
    else if (c === '[') {
      const end = bracketEnd(pattern, i)
      if (end < 0) re += '\\['
      else {
        let body = pattern.slice(i + 1, end)
        const negate = body.startsWith('!') || body.startsWith('^')
        if (negate) body = body.slice(1)
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`
        i = end
      }
    } else re += esc(c)
  }
  return new RegExp(re + '$')
}

const esc = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** Index of the ']' closing the bracket expression at `start`, or -1 ('[' is then literal). */
function bracketEnd(p: string, start: number): number {
  let i = start + 1
  if (p[i] === '!' || p[i] === '^') i++
  if (p[i] === ']') i++ // a leading ']' is a member
  for (; i < p.length; i++) if (p[i] === ']') return i
  return -1
}

const KEY = 13

interface Alias {
  pattern: string
  module: string
}


/** modules.alias as read: "alias PATTERN MODULE" lines, found by offset and compared in place, so a
 * lookup allocates only for the few lines whose literal head matches (the file has ~30,000 lines). */
class AliasText {
  /** line offsets by the first KEY characters of a literal head ("pci:v00008086": one vendor) */
  private readonly byHead = new Map<string, number[]>()
  /** lines whose literal head is shorter, by that head: a device looks up each of its own prefixes */
  private readonly short = new Map<string, number[]>()
  private readonly res = new Map<string, RegExp>()

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; ) {
      let end = text.indexOf('\n', i)
      if (end < 0) end = text.length
      if (text.startsWith('alias ', i)) {
        const ps = i + 6
        let j = ps
        for (; j < ps + KEY; j++) {
          const c = text.charCodeAt(j)
          if (c === 32 || c === 10 || c === 42 || c === 63 || c === 91 || c === 92 || c === 45 || c !== c) break
        }
        const into = j < ps + KEY ? this.short : this.byHead
        const k = text.slice(ps, j)
        const list = into.get(k)
        if (list === undefined) into.set(k, [ps])
        else list.push(ps)
      }
      i = end + 1
    }
  }

  match(want: string, into: string[]): void {
    const hits: [number, string][] = []
    for (let n = 0; n < KEY && n <= want.length; n++) this.scan(this.short.get(want.slice(0, n)) ?? [], want, hits)
    this.scan(this.byHead.get(want.slice(0, KEY)) ?? [], want, hits)
    // in file order, each module once
    for (const [, m] of hits.sort((a, b) => a[0] - b[0])) if (!into.includes(m)) into.push(m)
  }

  /** The modules of the lines at `starts` that match `want` (normalized), in file order. */
  private scan(starts: readonly number[], want: string, into: [number, string][]): void {
    const t = this.text
    for (const ps of starts) {
      let j = ps
      let k = 0
      let wild = false
      for (; ; j++, k++) {
        const c = t.charCodeAt(j)
        if (c === 32 || c === 10 || c !== c) break
        if (c === 42 || c === 63 || c === 91 || c === 92) {
          // * ? [ \\
          wild = true
          break
        }
        if ((c === 45 ? 95 : c) !== want.charCodeAt(k)) break
      }
      const c = t.charCodeAt(j)
      if (!wild && !(c === 32 && k === want.length)) continue
      const sp = t.indexOf(' ', ps)
      if (sp < 0) continue
      let nl = t.indexOf('\n', sp)
      if (nl < 0) nl = t.length
      const module = t.slice(sp + 1, nl).trim()
      if (wild) {
        const pattern = normalizeAlias(t.slice(ps, sp))
        let re = this.res.get(pattern)
        if (re === undefined) this.res.set(pattern, (re = globRegExp(pattern)))
        if (!re.test(want)) continue
      }
      into.push([ps, module])
    }
  }
}

/** modules.builtin.modinfo: NUL-separated "module.key=value" records; the alias ones. A newer depmod's
 * modules.builtin.alias has "alias PATTERN MODULE" lines instead. */
function builtinAliases(text: string): Alias[] {
  const out: Alias[] = []
  if (text.includes('\0')) {
    for (const rec of text.split('\0')) {
      const m = /^([^.=]+)\.alias=(.+)$/.exec(rec)
      if (m !== null) out.push({ pattern: normalizeAlias(m[2] as string), module: m[1] as string })
    }
    return out
  }
  for (const line of text.split('\n')) {
    const m = /^alias\s+(\S+)\s+(\S+)\s*$/.exec(line)
    if (m !== null) out.push({ pattern: normalizeAlias(m[1] as string), module: m[2] as string })
  }
  return out
}

/** Module names whose aliases match, each once, in the order the index lists them (depmod writes
 * modules.alias in module order, the order libkmod returns its matches in). */
export function matchAliases(aliases: readonly Alias[], modalias: string): string[] {
  const want = normalizeAlias(modalias)
  const out: string[] = []
  for (const a of aliases) if (!out.includes(a.module) && globRegExp(a.pattern).test(want)) out.push(a.module)
  return out
}

/** Of an index file's text, only the entries that match one of `modaliases` (the snapshot keeps no more). */
export function aliasLinesFor(text: string, modinfo: boolean, modaliases: readonly string[]): string {
  const want = modaliases.map(normalizeAlias)
  const hit = (pattern: string): boolean => {
    const re = globRegExp(normalizeAlias(pattern))
    return want.some((m) => re.test(m))
  }
  if (modinfo) {
    const kept = text.split('\0').filter((rec) => {
      const m = /^([^.=]+)\.alias=(.+)$/.exec(rec)
      return m !== null && hit(m[2] as string)
    })
    // kept NUL-separated, so it is still read as modinfo records
    return kept.map((r) => `${r}\0`).join('')
  }
  return text
    .split('\n')
    .filter((l) => {
      const m = /^alias\s+(\S+)\s+(\S+)\s*$/.exec(l)
      return m !== null && hit(m[1] as string)
    })
    .map((l) => `${l}\n`)
    .join('')
}

/** A file that may be absent, or unreadable (a snapshot recorded without it): null either way. */
function readOptional(fs: FsReader, path: string): string | null {
  try {
    return fs.readText(path)
  } catch (e: unknown) {
    if (e instanceof FsError) return null
    throw e
  }
}

/** The alias index of one kernel release, read once and only as far as asked. */
export class ModuleIndex {
  private loadable: AliasText | null | undefined
  private builtin: Alias[] | null | undefined

  constructor(
    private readonly fs: FsReader,
    private readonly dir: string,
  ) {}

  /** Whether the kernel's modules.alias could be read (else "Kernel modules:" is unknown, not empty). */
  available(): boolean {
    return this.aliases() !== null
  }

  private aliases(): AliasText | null {
    if (this.loadable === undefined) {
      const t = readOptional(this.fs, `${this.dir}/modules.alias`)
      this.loadable = t === null ? null : new AliasText(t)
    }
    return this.loadable
  }

  private builtins(): Alias[] {
    if (this.builtin === undefined) {
      // Newer depmod writes modules.builtin.alias; older trees have the same records in modules.builtin.modinfo.
      const t = readOptional(this.fs, `${this.dir}/modules.builtin.alias`) ?? readOptional(this.fs, `${this.dir}/modules.builtin.modinfo`)
      this.builtin = t === null ? null : builtinAliases(t)
    }
    return this.builtin ?? []
  }

  /** The modules that could bind a device with this modalias; null when the index cannot be read. */
  lookup(modalias: string): string[] | null {
    const loadable = this.aliases()
    if (loadable === null) return null
    const found: string[] = []
    loadable.match(normalizeAlias(modalias), found)
    return found.length > 0 ? found : matchAliases(this.builtins(), modalias)
  }
}

/** A device's modalias from sysfs (its uevent MODALIAS), or null when it has none or it is unreadable. */
export function readModalias(fs: FsReader, bus: string, address: string): string | null {
  const t = readOptional(fs, `/sys/bus/${bus}/devices/${address}/modalias`)
  const v = t?.trim() ?? ''
  return v === '' ? null : v
}
