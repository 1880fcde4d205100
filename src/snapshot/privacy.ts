// What a snapshot may hold: it is meant to be attached to a public bug report. The recorder keeps
// sysfs, /dev and the kernel's VFIO answers as they are, and of /proc and /etc only what lsvfio reads
// them for: holders as pid, comm, uids, memlock and the VM name (never the rest of a command line,
// never an fd that is not a VFIO node), the IOMMU/VFIO parameters of the kernel command line, and the
// names of the users and groups the run shows (never the passwd or group file). Anything else read
// (a path added later and not listed here) is left out: a replay sees it as unknown (ENODATA).
import { vfioLinkTarget } from '../inspect/holders.js'
import { aliasLinesFor } from '../inspect/modules.js'
import { IOMMU_VFIO_PARAM, parseCmdline, qemuName } from '../inspect/proc.js'
import type { FsEntry, SnapshotDoc } from './doc.js'

/** Per-process files lsvfio reads; every other file of a process is left out. */
const PROC_PID = /^\/proc\/(\d+|self)(?:\/(status|limits|comm|cmdline|fd|fd\/\d+|fdinfo\/\d+))?$/
/** Host-wide files, kept as they are. */
const KEEP = [/^\/sys\//, /^\/dev\//, /^\/(usr\/)?lib\/modules\//, /^\/boot\/config-[^/]+$/, /^\/proc\/(modules|iomem|ioports|device-tree(\/.*)?|bus\/pci(\/.*)?)$/]
/** mdevctl's definitions: the directory listings, and of each file the two fields mdev.ts reads. */
const MDEVCTL = /^\/etc\/mdevctl\.d(\/[^/]+){0,2}$/

/** An mdevctl definition reduced to its type and start policy (its attrs are vendor data, not ours). */
function mdevctlFields(text: string): string {
  try {
    const cfg: unknown = JSON.parse(text)
    if (cfg === null || typeof cfg !== 'object') return '{}\n'
    const o = cfg as Record<string, unknown>
    const keep = Object.fromEntries(['mdev_type', 'start'].filter((k) => typeof o[k] === 'string').map((k) => [k, o[k]]))
    return `${JSON.stringify(keep)}\n`
  } catch {
    return '{}\n'
  }
}

/** /proc/sys is kernel tunables; the host's name is not lsvfio's to share. */
const PROC_SYS = /^\/proc\/sys\/(?!kernel\/(hostname|domainname)$)[a-z0-9_/.-]+$/

/** The fields of /proc/PID/status lsvfio reads (proc.ts parseStatus, holders.ts kernelThread). */
const STATUS_KEYS = new Set(['Name', 'PPid', 'Kthread', 'Uid', 'Gid', 'Groups', 'CapEff', 'VmLck', 'VmPin'])

const lines = (text: string, keep: (line: string) => boolean): string =>
  text
    .split('\n')
    .filter((l, i, all) => keep(l) || (i === all.length - 1 && l === ''))
    .join('\n')

/** /proc/interrupts reduced to the interrupt chips (what readiness.ts looks at), each once, in order. */
function interruptChips(text: string): string {
  const seen = new Set<string>()
  for (const l of text.split('\n')) {
    const chip = l.trim().split(/\s+/).find((w) => /(MSI|IO-APIC)/.test(w))
    if (chip !== undefined) seen.add(chip)
  }
  return [...seen].map((c) => `${c}\n`).join('')
}

/** A command line as the one argument QEMU's VM name needs, or nothing. */
function vmNameOnly(hex: string): string {
  const name = qemuName(parseCmdline(Buffer.from(hex, 'hex')))
  return name === null ? '' : Buffer.from(`-name\0guest=${name.replace(/,/g, ',,')}\0`, 'utf8').toString('hex')
}

type Kept = { keep: false } | { keep: true; v: string | null }

/** One fs read as it may be recorded: kept, reduced, or left out. `v` is the encoded value (hex for bytes). */
export function shareable(op: string, path: string, v: string | null): Kept {
  const no: Kept = { keep: false }
  const yes = (x: string | null): Kept => ({ keep: true, v: x })
  if (KEEP.some((r) => r.test(path)) || PROC_SYS.test(path)) return yes(v)
  if (path === '/proc') return op === 'list' ? yes(v) : no
  if (MDEVCTL.test(path)) return op === 'list' ? yes(v) : op === 'text' ? yes(v === null ? null : mdevctlFields(v)) : no
  if (path === '/proc/cmdline') return op === 'text' ? yes(v === null ? null : `${v.trim().split(/\s+/).filter((p) => IOMMU_VFIO_PARAM.test(p)).join(' ')}\n`) : no
  if (path === '/proc/interrupts') return op === 'text' ? yes(v === null ? null : interruptChips(v)) : no
  if (path === '/etc/passwd' || path === '/etc/group') return op === 'text' ? yes(v) : no // reduced in finish()
  const m = PROC_PID.exec(path)
  if (m === null) return no
  const file = m[2] ?? ''
  if (v === null) return yes(null)
  if (file === '') return op === 'link' && m[1] === 'self' ? yes(v) : no
  if (file === 'status' && op === 'text') return yes(lines(v, (l) => STATUS_KEYS.has(l.slice(0, l.indexOf(':')))))
  if (file === 'limits' && op === 'text') return yes(lines(v, (l) => l.startsWith('Max locked memory')))
  if (file === 'comm' && op === 'text') return yes(v)
  if (file === 'cmdline' && op === 'bytes') return yes(vmNameOnly(v))
  if (file === 'fd' && op === 'list') return yes(v) // reduced in finish() to the fds kept below
  if (file.startsWith('fd/') && op === 'link') return vfioLinkTarget(path.slice(0, path.lastIndexOf('/')), v) === null ? no : yes(v)
  if (file.startsWith('fdinfo/') && op === 'text') return yes(lines(v, (l) => l.startsWith('vfio-device-syspath:')))
  return no
}

const ids = (line: string | undefined): number[] => (line ?? '').split(/\s+/).filter((w) => /^\d+$/.test(w)).map(Number)

/**
 * The reductions that need the whole run: fd lists down to their VFIO fds; processes that hold none
 * down to what tells a kernel thread (their name, ids and limits go); passwd and group down to the names
 * of the ids the kept entries carry, as "name:x:id:".
 */
export function finish(doc: SnapshotDoc): SnapshotDoc {
  const fs: Record<string, FsEntry> = {}
  const holders = new Set<string>(['self'])
  for (const k in doc.fs) {
    const m = /^link \/proc\/(\d+|self)\/fd\/\d+$/.exec(k)
    if (m?.[1] !== undefined) holders.add(m[1])
  }
  const uids = new Set<number>()
  const gids = new Set<number>()
  for (const k in doc.fs) {
    const e = doc.fs[k] as FsEntry
    const m = /^(\w+) \/proc\/(\d+|self)\/([a-z]+)(?:\/(\d+))?$/.exec(k)
    let out: FsEntry = e
    if (m !== null && 'v' in e && e.v !== null) {
      const [, op, pid = '', file] = m
      if (!holders.has(pid) && file !== 'fd') {
        if (file !== 'status') continue
        out = { v: lines(e.v, (l) => l.startsWith('Kthread:') || l.startsWith('PPid:')) }
      } else if (op === 'list' && file === 'fd') {
        const kept = (JSON.parse(e.v) as string[]).filter((n) => `link /proc/${pid}/fd/${n}` in doc.fs)
        out = { v: JSON.stringify(kept) }
      } else if (file === 'status') {
        for (const l of e.v.split('\n')) {
          if (l.startsWith('Uid:')) ids(l.slice(4)).forEach((n) => uids.add(n))
          if (l.startsWith('Gid:')) ids(l.slice(4)).forEach((n) => gids.add(n))
        }
      }
    }
    if (k.startsWith('stat ') && 'v' in e && e.v !== null) {
      const st = JSON.parse(e.v) as { uid?: unknown; gid?: unknown }
      if (typeof st.uid === 'number') uids.add(st.uid)
      if (typeof st.gid === 'number') gids.add(st.gid)
    }
    fs[k] = out
  }
  reduceAliasIndex(fs)
  for (const [file, want] of [
    ['/etc/passwd', uids],
    ['/etc/group', gids],
  ] as const) {
    const e = fs[`text ${file}`]
    if (e === undefined || !('v' in e) || e.v === null) continue
    const kept: string[] = []
    for (const l of e.v.split('\n')) {
      const [name = '', , id = ''] = l.split(':')
      if (name !== '' && /^\d+$/.test(id) && want.has(Number(id))) kept.push(`${name}:x:${id}:\n`)
    }
    fs[`text ${file}`] = { v: kept.join('') }
  }
  return { ...doc, fs }
}

/** The kernel's alias index (a megabyte, public) down to the entries that match a device the run read
 * the modalias of: a replay of -k finds the same modules. */
function reduceAliasIndex(fs: Record<string, FsEntry>): void {
  const aliases: string[] = []
  for (const k in fs) {
    const e = fs[k] as FsEntry
    if (/^text \/sys\/bus\/[^/]+\/devices\/[^/]+\/modalias$/.test(k) && 'v' in e && e.v !== null) aliases.push(e.v.trim())
  }
  for (const k in fs) {
    const e = fs[k] as FsEntry
    if (!/^text \/lib\/modules\/[^/]+\/modules\.(alias|builtin\.alias|builtin\.modinfo)$/.test(k) || !('v' in e) || e.v === null) continue
    fs[k] = { v: aliasLinesFor(e.v, k.endsWith('.modinfo'), aliases) }
  }
}

/** Options whose value is a path on the recording host (--save's own path among them). */
const PATH_OPTIONS = new Set(['--save', '--from', '--sysfs-root', '-i', '--pci-ids'])

/** The command line as recorded: paths are the recording host's business, so each becomes "PATH". */
export function shareableArgv(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    const eq = a.indexOf('=')
    if (PATH_OPTIONS.has(a) && i + 1 < argv.length) {
      out.push(a, 'PATH')
      i++
    } else if (eq > 0 && PATH_OPTIONS.has(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=PATH`)
    else out.push(a.includes('/') ? 'PATH' : a)
  }
  return out
}
