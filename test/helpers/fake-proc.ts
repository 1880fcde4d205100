// Fake /proc entries (processes, their fds, status, limits, command lines), nested PCI topologies and
// a reader that denies some paths, for the diagnostics tests. Built on fake-sysfs.ts's Tree.
import { symlinkSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { FsError, type FsReader, type NodeStat } from '../../src/inspect/fs.js'
import { pciDevice, type PciDev, type Tree } from './fake-sysfs.js'

export interface FakeProc {
  pid: number
  comm: string
  uid?: number
  gid?: number
  groups?: number[]
  /** CapEff as hex (root: 000001ffffffffff) */
  capEff?: string
  vmLckKb?: number
  vmPinKb?: number
  memlock?: [string, string]
  argv?: string[]
  /** fd number → link target (absolute paths; anon_inode targets go through rawLinks) */
  fds?: Record<number, string>
  /** fd number → fdinfo text */
  fdinfo?: Record<number, string>
  kthread?: boolean
  ppid?: number
}

export const ROOT_CAPS = '000001ffffffffff'

export function status(p: FakeProc): string {
  const uid = p.uid ?? 0
  const gid = p.gid ?? uid
  return [
    `Name:\t${p.comm}`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid ?? (p.kthread === true ? 2 : 1)}`,
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`,
    `Groups:\t${(p.groups ?? []).join(' ')} `,
    ...(p.kthread === undefined ? [] : [`Kthread:\t${p.kthread ? 1 : 0}`]),
    `VmLck:\t    ${p.vmLckKb ?? 0} kB`,
    `VmPin:\t    ${p.vmPinKb ?? 0} kB`,
    `CapEff:\t${p.capEff ?? (uid === 0 ? ROOT_CAPS : '0000000000000000')}`,
    '',
  ].join('\n')
}

export function limits(memlock: [string, string] = ['8388608', '8388608']): string {
  return [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max open files            1024                 4096                 files     ',
    `Max locked memory         ${memlock[0].padEnd(20)} ${memlock[1].padEnd(20)} bytes     `,
    '',
  ].join('\n')
}

/** A process: /proc/PID/{comm,status,limits,cmdline,fd/*,fdinfo/*}. Targets not starting with '/' must go through rawLinks. */
export function proc(p: FakeProc): Tree {
  const d = `/proc/${p.pid}`
  const t: Tree = {
    [`${d}/comm`]: p.comm + '\n',
    [`${d}/status`]: status(p),
    [`${d}/limits`]: limits(p.memlock),
    [`${d}/cmdline`]: (p.argv ?? [p.comm]).join('\0') + '\0',
    [`${d}/fd`]: { dir: true },
  }
  for (const [fd, target] of Object.entries(p.fds ?? {})) if (target.startsWith('/')) t[`${d}/fd/${fd}`] = { link: target }
  for (const [fd, info] of Object.entries(p.fdinfo ?? {})) t[`${d}/fdinfo/${fd}`] = info
  return t
}

/** Links the kernel makes but a relative symlink cannot mimic (anon_inode:[vfio-device], /proc/self → "4242"). */
export function rawLinks(root: string, links: Record<string, string>): void {
  for (const [p, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root, p)), { recursive: true })
    symlinkSync(target, join(root, p))
  }
}

/** lsvfio's own process: /proc/self → PID (raw link, made with rawLinks) and its status/limits. */
export function self(p: FakeProc): { tree: Tree; links: Record<string, string> } {
  return { tree: proc(p), links: { '/proc/self': String(p.pid) } }
}

/** pciDevice() placed below a parent path such as /sys/devices/pci0000:00/0000:00:1c.0 (a bridge). */
export function pciBelow(parent: string, d: PciDev): Tree {
  const flat = `/sys/devices/pci0000:00/${d.bdf}`
  const out: Tree = {}
  for (const [k, v] of Object.entries(pciDevice(d))) {
    const key = k.startsWith(flat) ? parent + k.slice('/sys/devices/pci0000:00'.length) : k
    out[key] = typeof v === 'object' && 'link' in v && v.link === flat ? { link: parent + '/' + d.bdf } : v
  }
  return out
}

/** Wraps a reader and fails the paths `deny` picks with EACCES (what a non-root user meets in /proc). */
export class DenyFs implements FsReader {
  constructor(
    private readonly inner: FsReader,
    private readonly deny: (path: string) => boolean,
  ) {}

  private check(p: string): void {
    if (this.deny(p)) throw new FsError('EACCES', p)
  }
  readText(p: string): string | null {
    this.check(p)
    return this.inner.readText(p)
  }
  readBytes(p: string, max?: number): Uint8Array | null {
    this.check(p)
    return this.inner.readBytes(p, max)
  }
  readLink(p: string): string | null {
    this.check(p)
    return this.inner.readLink(p)
  }
  list(p: string): string[] | null {
    this.check(p)
    return this.inner.list(p)
  }
  stat(p: string): NodeStat | null {
    this.check(p)
    return this.inner.stat(p)
  }
}

/** A character device node can't be made without root in a temp dir: stat() answers for these paths. */
export class NodesFs implements FsReader {
  constructor(
    private readonly inner: FsReader,
    private readonly nodes: Record<string, { mode: number; uid: number; gid: number; rdev?: string }>,
  ) {}
  readText(p: string): string | null {
    return this.inner.readText(p)
  }
  readBytes(p: string, max?: number): Uint8Array | null {
    return this.inner.readBytes(p, max)
  }
  readLink(p: string): string | null {
    return this.inner.readLink(p)
  }
  list(p: string): string[] | null {
    const extra = Object.keys(this.nodes).filter((n) => dirname(n) === p).map((n) => n.slice(p.length + 1))
    const base = this.inner.list(p)
    if (base === null && extra.length === 0) return null
    return [...new Set([...(base ?? []), ...extra])].sort()
  }
  stat(p: string): NodeStat | null {
    const n = this.nodes[p]
    if (n !== undefined) return { mode: 0o20000 | n.mode, uid: n.uid, gid: n.gid, rdev: n.rdev ?? '245:0', kind: 'char' }
    return this.inner.stat(p)
  }
}
