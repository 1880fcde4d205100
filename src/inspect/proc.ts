// /proc and /etc parsing for the diagnostics: process status, limits, command lines, user names.
// Reads go through FsReader (so --save/--from keep them) and never fail the run: a file that cannot
// be read (another user's process, a snapshot recorded before these reads existed) is just unknown.
import type { Credentials, Memlock } from '../model/diagnostics.js'
import { FsError, type FsReader } from './fs.js'

export type Attempt<T> = { ok: true; v: T } | { ok: false; code: string }

export function attempt<T>(f: () => T): Attempt<T> {
  try {
    return { ok: true, v: f() }
  } catch (e: unknown) {
    if (e instanceof FsError) return { ok: false, code: e.code }
    throw e
  }
}

const orNull = <T>(a: Attempt<T | null>): T | null => (a.ok ? a.v : null)

/** Tolerant reads: null when absent or unreadable. */
export const readText = (fs: FsReader, p: string): string | null => orNull(attempt(() => fs.readText(p)))
export const readLink = (fs: FsReader, p: string): string | null => orNull(attempt(() => fs.readLink(p)))
export const list = (fs: FsReader, p: string): string[] | null => orNull(attempt(() => fs.list(p)))
export const readBytes = (fs: FsReader, p: string): Uint8Array | null => orNull(attempt(() => fs.readBytes(p)))

export interface ProcStatus {
  name: string | null
  uid: number | null
  gid: number | null
  groups: number[]
  capEff: bigint | null
  vmLck: bigint | null
  vmPin: bigint | null
}

const CAP_DAC_OVERRIDE = 1n
export const CAP_IPC_LOCK = 14n
const CAP_SYS_RAWIO = 17n

export function hasCap(capEff: bigint | null, bit: bigint): boolean {
  return capEff !== null && ((capEff >> bit) & 1n) === 1n
}

function kb(v: string | undefined): bigint | null {
  const m = /^\s*(\d+)\s*kB/.exec(v ?? '')
  return m === null ? null : BigInt(m[1] ?? '0') * 1024n
}

/** /proc/PID/status: "Key:\tvalue" lines. Uid/Gid carry real, effective, saved, fs: we take effective. */
export function parseStatus(text: string): ProcStatus {
  const f = new Map<string, string>()
  for (const line of text.split('\n')) {
    const i = line.indexOf(':')
    if (i > 0) f.set(line.slice(0, i), line.slice(i + 1))
  }
  const ids = (k: string): number | null => {
    const n = Number((f.get(k) ?? '').trim().split(/\s+/)[1])
    return Number.isInteger(n) ? n : null
  }
  const cap = f.get('CapEff')?.trim()
  return {
    name: f.get('Name')?.trim() ?? null,
    uid: ids('Uid'),
    gid: ids('Gid'),
    groups: (f.get('Groups') ?? '').trim().split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number),
    capEff: cap !== undefined && /^[0-9a-f]+$/i.test(cap) ? BigInt('0x' + cap) : null,
    vmLck: kb(f.get('VmLck')),
    vmPin: kb(f.get('VmPin')),
  }
}

/** "Max locked memory  8388608  8388608  bytes" from /proc/PID/limits. */
export function parseMemlock(text: string): Memlock | null {
  const line = text.split('\n').find((l) => l.startsWith('Max locked memory'))
  if (line === undefined) return null
  const [soft, hard] = line.slice('Max locked memory'.length).trim().split(/\s+/)
  const val = (s: string | undefined): bigint | null => (s !== undefined && /^\d+$/.test(s) ? BigInt(s) : null)
  return { soft: val(soft), hard: val(hard) }
}

/** QEMU's VM name: `-name guest=NAME,debug-threads=on` (libvirt) or `-name NAME[,process=…]`; ",," escapes a comma. */
export function qemuName(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    let v: string | undefined
    if (a === '-name' || a === '--name') v = argv[i + 1]
    else if (a.startsWith('-name=') || a.startsWith('--name=')) v = a.slice(a.indexOf('=') + 1)
    if (v === undefined) continue
    const parts = v.replace(/,,/g, '\0').split(',').map((p) => p.replace(/\0/g, ','))
    const guest = parts.find((p) => p.startsWith('guest='))
    if (guest !== undefined) return guest.slice('guest='.length)
    const first = parts[0] ?? ''
    return first.includes('=') || first === '' ? null : first
  }
  return null
}

/** The kernel command-line parameters lsvfio may show or record: IOMMU, interrupt remapping, VFIO
 * and its modules' parameters, the ACS override. Anything else on the line (root=, rd.luks.key=, …)
 * is none of lsvfio's business and is never kept in a snapshot. */
export const IOMMU_VFIO_PARAM = /^(intel_iommu|amd_iommu|amd_iommu_intr|iommu|intremap|pcie_acs_override|acpi|irqchip\.gicv3_nolpi|(iommu|intel_iommu|iommufd|vfio|vfio[-_][a-z0-9_]+|arm[-_]smmu(-v3|_v3)?)\.[a-z0-9_-]+)(=|$)/

/** NUL-separated argv; the kernel ends it with a NUL, which is not an empty last argument. */
export function parseCmdline(raw: Uint8Array): string[] {
  const parts = Buffer.from(raw).toString('utf8').split('\0')
  if (parts.at(-1) === '') parts.pop()
  return parts
}

/** uid → name from /etc/passwd (and gid → name from /etc/group), read once. */
export class Names {
  private users: Map<number, string> | null = null
  private groups: Map<number, string> | null = null

  constructor(private readonly fs: FsReader) {}

  private static load(text: string | null): Map<number, string> {
    const m = new Map<number, string>()
    for (const line of (text ?? '').split('\n')) {
      const [name, , id] = line.split(':')
      if (name !== undefined && name !== '' && id !== undefined && /^\d+$/.test(id) && !m.has(Number(id))) m.set(Number(id), name)
    }
    return m
  }

  user(uid: number | null): string | null {
    if (uid === null) return null
    this.users ??= Names.load(readText(this.fs, '/etc/passwd'))
    return this.users.get(uid) ?? null
  }

  group(gid: number): string | null {
    this.groups ??= Names.load(readText(this.fs, '/etc/group'))
    return this.groups.get(gid) ?? null
  }
}

/** The current process (lsvfio itself), from /proc/self: who the kernel will check permissions for. */
export function readCredentials(fs: FsReader, names: Names): Credentials | null {
  const text = readText(fs, '/proc/self/status')
  if (text === null) return null
  const s = parseStatus(text)
  if (s.uid === null || s.gid === null) return null
  const pid = Number(readLink(fs, '/proc/self') ?? NaN)
  const limits = readText(fs, '/proc/self/limits')
  return {
    pid: Number.isInteger(pid) ? pid : null,
    uid: s.uid,
    gid: s.gid,
    groups: s.groups,
    user: names.user(s.uid),
    capabilities: { dacOverride: hasCap(s.capEff, CAP_DAC_OVERRIDE), sysRawio: hasCap(s.capEff, CAP_SYS_RAWIO), ipcLock: hasCap(s.capEff, CAP_IPC_LOCK) },
    memlock: limits === null ? null : parseMemlock(limits),
  }
}

