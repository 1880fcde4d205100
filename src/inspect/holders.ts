// Who holds VFIO nodes open: every /proc/PID/fd link to a group node, the container, a cdev, /dev/iommu
// or an anonymous VFIO device fd (what fuser does, through FsReader so snapshots keep it). Without
// root, other users' fd tables are unreadable: those processes are counted, not guessed.
import { posix } from 'node:path'
import type { HeldFd, HeldKind, Holder, HolderScan } from '../model/diagnostics.js'
import type { IommuGroup, ProbeError } from '../model/types.js'
import type { FsReader } from './fs.js'
import { CAP_IPC_LOCK, Names, attempt, hasCap, list, parseCmdline, parseMemlock, parseStatus, qemuName, readBytes, readLink, readText } from './proc.js'

/** Classifies an fd link target; null when it is not a VFIO node. */
export function classify(target: string, cdevs: ReadonlyMap<string, string>): Omit<HeldFd, 'fd' | 'target'> | null {
  const kind = (k: HeldKind, group: number | null = null, device: string | null = null): Omit<HeldFd, 'fd' | 'target'> => ({ kind: k, group, device })
  if (target === '/dev/vfio/vfio') return kind('container')
  if (target === '/dev/iommu') return kind('iommufd')
  if (target === 'anon_inode:[vfio-device]') return kind('device')
  let m = /^\/dev\/vfio\/(\d+)$/.exec(target)
  if (m !== null) return kind('group', Number(m[1]))
  m = /^\/dev\/vfio\/noiommu-(\d+)$/.exec(target)
  if (m !== null) return kind('noiommu-group', Number(m[1]))
  if (/^\/dev\/vfio\/devices\/vfio\d+$/.test(target)) return kind('cdev', null, cdevs.get(target) ?? null)
  return null
}

/** Kernel links are absolute or "anon_inode:[…]"; a test tree's links are relative to the fd dir. */
function absolute(dir: string, target: string): string {
  return target.startsWith('/') || /^[a-z_]+:/.test(target) ? target : posix.resolve(dir, target)
}

/** The VFIO node an fd link in `dir` points at, or null when it points at anything else. */
export function vfioLinkTarget(dir: string, link: string): string | null {
  const target = absolute(dir, link)
  return classify(target, new Map()) === null ? null : target
}

/** Kernel ≥ 6.18 names the device behind an anonymous device fd in fdinfo. */
function fdinfoDevice(fs: FsReader, pid: number, fd: number): string | null {
  const info = readText(fs, `/proc/${pid}/fdinfo/${fd}`)
  const m = info === null ? null : /^vfio-device-syspath:\s*(\S+)/m.exec(info)
  return m === null || m[1] === undefined ? null : posix.basename(m[1])
}

function describe(fs: FsReader, pid: number, fds: HeldFd[], names: Names): Holder {
  const status = readText(fs, `/proc/${pid}/status`)
  const s = status === null ? null : parseStatus(status)
  const comm = readText(fs, `/proc/${pid}/comm`)?.trim() ?? s?.name ?? null
  const limits = readText(fs, `/proc/${pid}/limits`)
  let vmName: string | null = null
  if (comm !== null && /qemu/i.test(comm)) {
    const raw = readBytes(fs, `/proc/${pid}/cmdline`)
    vmName = raw === null ? null : qemuName(parseCmdline(raw))
  }
  return {
    pid,
    comm,
    uid: s?.uid ?? null,
    user: names.user(s?.uid ?? null),
    vmName,
    fds,
    memlock: limits === null ? null : parseMemlock(limits),
    vmLck: s?.vmLck ?? null,
    vmPin: s?.vmPin ?? null,
    ipcLock: s === null || s.capEff === null ? null : hasCap(s.capEff, CAP_IPC_LOCK),
  }
}

/** Kernel threads: "Kthread: 1" (kernel ≥ 6.1), else kthreadd (pid 2) and its children. */
function kernelThread(fs: FsReader, pid: number): boolean {
  const t = readText(fs, `/proc/${pid}/status`)
  if (t === null) return false
  const k = /^Kthread:\s*(\d)/m.exec(t)
  if (k !== null) return k[1] === '1'
  return pid === 2 || /^PPid:\s*2$/m.test(t)
}

/**
 * Scans /proc for VFIO holders. `cdevs` maps /dev/vfio/devices/vfioN to its device. lsvfio itself
 * (/proc/self) is left out: it closes everything it opens before rendering.
 */
export function scanHolders(fs: FsReader, cdevs: ReadonlyMap<string, string>, names: Names): HolderScan {
  const self = Number(readLink(fs, '/proc/self') ?? NaN)
  const pids = (list(fs, '/proc') ?? []).filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== self).sort((a, b) => a - b)
  const holders: Holder[] = []
  let hidden = 0
  for (const pid of pids) {
    const dir = `/proc/${pid}/fd`
    const entries = attempt(() => fs.list(dir))
    if (!entries.ok) {
      // EACCES/EPERM: someone else's process (kernel threads hold no files). ENODATA: a snapshot without this read.
      if ((entries.code === 'EACCES' || entries.code === 'EPERM') && !kernelThread(fs, pid)) hidden++
      continue
    }
    if (entries.v === null) continue
    const held: HeldFd[] = []
    for (const name of entries.v.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b))) {
      const link = readLink(fs, `${dir}/${name}`)
      if (link === null) continue
      const target = absolute(dir, link)
      const c = classify(target, cdevs)
      if (c === null) continue
      const fd = Number(name)
      held.push({ fd, target, ...c, device: c.kind === 'device' ? fdinfoDevice(fs, pid, fd) : c.device })
    }
    if (held.length > 0) holders.push(describe(fs, pid, held, names))
  }
  return { holders, scanned: pids.length, hidden }
}

/** The processes holding a group: its node, or the cdev / named device fd of one of its members. */
export function groupHolders(scan: HolderScan, id: number, members: readonly string[]): Holder[] {
  return scan.holders.filter((h) => h.fds.some((f) => ((f.kind === 'group' || f.kind === 'noiommu-group') && f.group === id) || (f.device !== null && members.includes(f.device))))
}

export function deviceHolders(scan: HolderScan, address: string): Holder[] {
  return scan.holders.filter((h) => h.fds.some((f) => f.device === address))
}

/** "pid 2345 (qemu-system-x86, VM "win10", user libvirt-qemu)" */
export function holderName(h: Holder): string {
  const parts = [h.comm ?? '?']
  if (h.vmName !== null) parts.push(`VM "${h.vmName}"`)
  if (h.user !== null || h.uid !== null) parts.push(`user ${h.user ?? h.uid}`)
  return `pid ${h.pid} (${parts.join(', ')})`
}

function busyHint(holders: readonly Holder[], hidden: number, what: string): string | null {
  if (holders.length > 0) return `${what} is open in ${holders.map(holderName).join(', ')}; stop it (or wait for it to exit) first`
  if (hidden > 0) return `${what} is open in a process this user cannot see (${hidden} processes hidden); run lsvfio as root to name it`
  return null
}

/** An EBUSY in the inventory names its holder: the group status and every member's copy of it. */
export function pointAtHolders(groups: readonly IommuGroup[], scan: HolderScan): IommuGroup[] {
  return groups.map((g) => {
    const holders = groupHolders(
      scan,
      g.id,
      g.devices.map((d) => d.address),
    )
    const hint = busyHint(holders, scan.hidden, g.noiommu ? `group noiommu-${g.id}` : `group ${g.id}`)
    if (hint === null) return g
    const fix = (e: ProbeError): ProbeError => (e.code === 'EBUSY' ? { ...e, hint } : e)
    const status = g.status !== null && !g.status.ok ? { ok: false as const, error: fix(g.status.error) } : g.status
    const devices = g.devices.map((d) => (d.vfio !== null && !d.vfio.ok ? { ...d, vfio: { ok: false as const, error: fix(d.vfio.error) } } : d))
    return { ...g, status, devices }
  })
}
