// Is this host ready for VFIO? IOMMU, interrupt remapping, no-IOMMU mode, modules, iommufd and cdev,
// and the memory-locking limit DMA mapping runs into. From sysfs and /proc only (no dmesg).
import type { Credentials, Finding, HolderScan, Readiness } from '../model/diagnostics.js'
import type { Device, HostInfo } from '../model/types.js'
import type { FsReader, NodeStat } from '../inspect/fs.js'
import { ALLOW_UNSAFE_INTERRUPTS, ENABLE_IOMMU, ENABLE_NOIOMMU, LOAD_VFIO_PCI } from './fixes.js'
import { ARM64_PARAMS, arm64Modules, MSI_FIX, msiEvidence, neededModules, platformMsiFinding, readArm64, smmuFinding } from './arm64.js'
import { attempt, list, readText } from '../inspect/proc.js'
import { isVfioDriver } from '../inspect/sysfs-device.js'

const PARAMS = /^(intel_iommu|amd_iommu|iommu|iommu\.passthrough|iommu\.strict|intremap|vfio_iommu_type1\.allow_unsafe_interrupts|iommufd\.allow_unsafe_interrupts|vfio\.enable_unsafe_noiommu_mode|vfio[-_]pci\.ids|pcie_acs_override)(=|$)/

const flag = (v: string | null): boolean | null => (v === null ? null : /^(y|1|on|true)$/i.test(v.trim()))

/** What /proc/interrupts says: x86 remapped vectors are on "IR-…" chips, Arm's GICv3 ITS isolates MSIs. */
export function interruptEvidence(interrupts: string | null, cmdline: readonly string[]): { state: 'enabled' | 'disabled' | 'unknown'; evidence: string } {
  if (cmdline.some((p) => /^intremap=(off|no)/.test(p))) return { state: 'disabled', evidence: 'intremap=off on the kernel command line' }
  if (interrupts === null) return { state: 'unknown', evidence: '/proc/interrupts not readable' }
  const chips = interrupts.split('\n').map((l) => l.trim().split(/\s+/).find((w) => /(MSI|IO-APIC)/.test(w)) ?? '')
  const ir = chips.find((c) => c.startsWith('IR-'))
  if (ir !== undefined) return { state: 'enabled', evidence: `${ir.replace(/-\d{4}:.*$/, '')} interrupts in /proc/interrupts` }
  const its = chips.find((c) => c.startsWith('ITS-'))
  if (its !== undefined) return { state: 'enabled', evidence: `${its} interrupts in /proc/interrupts (GICv3 ITS isolates MSIs)` }
  const plain = chips.find((c) => /^(PCI-MSI|IO-APIC)/.test(c))
  if (plain !== undefined) return { state: 'disabled', evidence: `${plain.replace(/-\d{4}:.*$/, '')} interrupts without IR- in /proc/interrupts` }
  return { state: 'unknown', evidence: 'no MSI interrupts in /proc/interrupts to tell' }
}

/** Bytes as a short size: 8M, 64K, 1.5G (renderers have their own; this one is for finding texts). */
export function size(n: bigint): string {
  const units = ['', 'K', 'M', 'G', 'T']
  let v = Number(n)
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i] ?? ''}`
}

function memlockFinding(self: Credentials | null): Finding {
  const explain = 'VFIO pins all guest RAM for DMA and counts it against the VMM\'s RLIMIT_MEMLOCK (unless it has CAP_IPC_LOCK); guest RAM is not known here, so compare yourself: the limit must be at least the guest RAM (plus a little for ROMs)'
  if (self === null || self.memlock === null) return { id: 'memlock', level: 'info', text: `memlock limit of this process unknown. ${explain}`, fix: [] }
  const soft = self.memlock.soft
  if (soft === null) return { id: 'memlock', level: 'ok', text: 'memlock limit of this process: unlimited (a VMM started like this can pin any amount of guest RAM)', fix: [] }
  if (self.capabilities.ipcLock) return { id: 'memlock', level: 'ok', text: `memlock limit of this process ${size(soft)}, but it has CAP_IPC_LOCK, which lifts the limit for VFIO pinning`, fix: [] }
  return {
    id: 'memlock',
    level: soft < 1n << 30n ? 'warn' : 'info',
    text: `memlock limit of this process ${size(soft)} (hard ${self.memlock.hard === null ? 'unlimited' : size(self.memlock.hard)}). ${explain}`,
    fix: ['ulimit -l <KiB> (shell), LimitMEMLOCK= (systemd unit), or memlock in /etc/security/limits.conf; libvirt raises it by itself'],
  }
}

const stat = (fs: FsReader, p: string): NodeStat | null => {
  const a = attempt(() => fs.stat(p))
  return a.ok ? a.v : null
}

const IOMMUFD_KO = ['', '.xz', '.zst', '.gz'].map((z) => `kernel/drivers/iommu/iommufd/iommufd.ko${z}`)

/** Whether this kernel has iommufd at all, when it is not loaded: "modprobe iommufd" only where the
 * module is on disk. Built in, it is always in /sys/module (it has parameters), so counts as loaded. */
export function iommufdPresence(fs: FsReader, kernel: string | null): 'module' | 'absent' | 'too-old' | 'unknown' {
  const m = /^(\d+)\.(\d+)/.exec(kernel ?? '')
  if (m !== null && Number(m[1]) * 1000 + Number(m[2]) < 6002) return 'too-old'
  if (kernel === null || !/^[\w.+~-]+$/.test(kernel)) return 'unknown'
  const dir = `/lib/modules/${kernel}`
  if (IOMMUFD_KO.some((p) => stat(fs, `${dir}/${p}`) !== null)) return 'module'
  const builtin = readText(fs, `${dir}/modules.builtin`)
  if (builtin !== null && /(^|\/)iommufd\.ko$/m.test(builtin)) return 'unknown' // built in, yet not in /sys/module: odd
  // The kernel's module tree is there and has no iommufd in it, as a file or built in.
  return builtin !== null && stat(fs, `${dir}/kernel`)?.kind === 'dir' ? 'absent' : 'unknown'
}

function iommufdFinding(fs: FsReader, host: HostInfo, loaded: boolean, cdev: string): Finding {
  const f = (text: string, fix: string[] = []): Finding => ({ id: 'iommufd', level: 'info', text, fix })
  if (host.iommufdNode !== null) return f(`iommufd: /dev/iommu present${cdev === 'available' ? ', device cdevs in /dev/vfio/devices' : ''}`)
  if (loaded) return f('iommufd: loaded, but no /dev/iommu node')
  switch (iommufdPresence(fs, host.kernel)) {
    case 'module':
      return f('iommufd: not loaded (its module is installed for this kernel)', ['modprobe iommufd'])
    case 'too-old':
      return f(`iommufd: not in this kernel (${host.kernel ?? '?'}; iommufd came with 6.2): the group path (/dev/vfio/N) only`)
    case 'absent':
      return f('iommufd: not in this kernel (built without CONFIG_IOMMUFD: no module, not built in): the group path (/dev/vfio/N) only')
    case 'unknown':
      return f(`iommufd: not loaded, and no iommufd module was found under /lib/modules/${host.kernel ?? '<release>'}`)
  }
}

export function readReadiness(fs: FsReader, host: HostInfo, devices: readonly Device[], self: Credentials | null, holders: HolderScan): Readiness {
  const arm = host.arch === 'arm64'
  const cmdlineText = readText(fs, '/proc/cmdline')
  const cmdline = (cmdlineText ?? '').trim().split(/\s+/).filter((p) => (arm ? ARM64_PARAMS : PARAMS).test(p))
  const interrupts = readText(fs, '/proc/interrupts')
  const arm64 = arm ? readArm64(fs, host.iommus, cmdline, interrupts) : undefined
  const ir = arm64 !== undefined ? msiEvidence(arm64, cmdline) : interruptEvidence(interrupts, cmdline)
  const allowUnsafeType1 = flag(readText(fs, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts'))
  const allowUnsafeIommufd = flag(readText(fs, '/sys/module/iommufd/parameters/allow_unsafe_interrupts'))
  const nodes = (list(fs, '/dev/vfio') ?? []).filter((n) => /^noiommu-\d+$/.test(n)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
  const noiommuAvailable = host.noiommuEnabled !== null
  const has = (m: string): boolean => host.modules.includes(m)
  const vfioPci = has('vfio_pci') || list(fs, '/sys/bus/pci/drivers/vfio-pci') !== null
  const core = has('vfio') || host.containerNode !== null
  const base = [core ? 'vfio' : null, vfioPci ? 'vfio_pci' : null, has('vfio_iommu_type1') ? 'vfio_iommu_type1' : null, has('iommufd') || host.iommufdNode !== null ? 'iommufd' : null].filter((m): m is string => m !== null)
  const loaded = arm ? arm64Modules(base, host.modules) : base
  const enabled = host.iommus.length > 0
  const missing = arm ? arm64Missing(loaded, devices, enabled) : ['vfio', 'vfio_pci'].filter((m) => !loaded.includes(m))
  if (!arm && !loaded.includes('vfio_iommu_type1') && !loaded.includes('iommufd')) missing.push('vfio_iommu_type1')
  const vfioDevs = devices.filter((d) => d.driver !== null && isVfioDriver(d.driver))
  const withDir = vfioDevs.filter((d) => list(fs, `/sys/bus/${d.bus}/devices/${d.address}/vfio-dev`) !== null)
  const cdev = vfioDevs.some((d) => d.cdev !== null) ? 'available' : withDir.length > 0 ? 'unavailable' : 'unknown'
  const allowed = allowUnsafeType1 === true || allowUnsafeIommufd === true

  const findings: Finding[] = []
  const add = (f: Finding): number => findings.push(f)
  if (arm64 !== undefined) add(smmuFinding(arm64, cmdline, host.noiommuEnabled))
  else if (enabled) add({ id: 'iommu', level: 'ok', text: `IOMMU enabled: ${host.iommus.join(' ')}${cmdline.length > 0 ? ` (command line: ${cmdline.join(' ')})` : ''}`, fix: [] })
  else {
    const off = cmdline.filter((p) => /^(intel_iommu|amd_iommu|iommu)=off/.test(p))
    add({
      id: 'iommu',
      level: host.noiommuEnabled === true ? 'warn' : 'bad',
      text: off.length > 0 ? `no IOMMU: disabled on the kernel command line (${off.join(' ')})` : 'no IOMMU active: /sys/class/iommu is empty',
      fix: ENABLE_IOMMU,
    })
  }
  // Remapping matters only with an IOMMU: no-IOMMU containers do not ask for it.
  if (enabled) {
    const level = ir.state === 'enabled' ? 'ok' : ir.state === 'unknown' ? 'info' : allowed ? 'warn' : 'bad'
    const what = arm ? 'MSI isolation' : 'interrupt remapping'
    const text =
      ir.state === 'disabled'
        ? `${what} is off (${ir.evidence}): ${allowed ? 'allow_unsafe_interrupts=1 lets VFIO run anyway, but a device can forge interrupts' : 'VFIO_SET_IOMMU and iommufd bind will fail with EPERM'}`
        : `${what} ${ir.state === 'enabled' ? 'enabled' : 'unknown'} (${ir.evidence})`
    const fix = ir.state === 'disabled' && !allowed ? [arm ? MSI_FIX : 'enable interrupt remapping (x2APIC / IR in the firmware; drop intremap=off)', ALLOW_UNSAFE_INTERRUPTS] : []
    add({ id: 'interrupt-remapping', level, text, fix })
    const platform = arm ? platformMsiFinding(fs, devices, allowed) : null
    if (platform !== null) add(platform)
  }
  if (host.noiommuEnabled === true)
    add({ id: 'noiommu', level: 'warn', text: `no-IOMMU mode is enabled (enable_unsafe_noiommu_mode=Y): ${nodes.length > 0 ? nodes.join(' ') : 'noiommu-N groups'} give user space DMA to all memory with no protection; the kernel is tainted when one is used`, fix: [] })
  else if (!enabled)
    add({
      id: 'noiommu',
      level: 'info',
      text: noiommuAvailable ? 'no-IOMMU mode is available but off (unsafe; for DPDK-like drivers, never for VMs)' : 'no-IOMMU mode is not available in this kernel (CONFIG_VFIO_NOIOMMU)',
      fix: noiommuAvailable ? [ENABLE_NOIOMMU] : [],
    })
  if (missing.length > 0) add({ id: 'modules', level: 'bad', text: `VFIO modules missing: ${missing.join(' ')}`, fix: [missing.includes('vfio_pci') ? LOAD_VFIO_PCI : `modprobe ${missing.join(' ')}`] })
  else add({ id: 'modules', level: 'ok', text: `VFIO modules: ${loaded.join(' ')}`, fix: [] })
  add(iommufdFinding(fs, host, loaded.includes('iommufd'), cdev))
  if (cdev !== 'unknown')
    add({ id: 'cdev', level: 'info', text: cdev === 'available' ? 'VFIO device cdevs available (/dev/vfio/devices/vfioN)' : 'VFIO device cdevs not available: this kernel lacks CONFIG_VFIO_DEVICE_CDEV (group path only)', fix: [] })
  add(memlockFinding(self))
  if (holders.hidden > 0)
    add({ id: 'holders', level: 'warn', text: `${holders.hidden} of ${holders.scanned} processes belong to other users and could not be searched: VFIO nodes they hold are invisible to this run`, fix: ['run as root to see every holder'] })
  return {
    iommu: { enabled, instances: host.iommus, cmdline },
    interruptRemapping: { ...ir, allowUnsafeType1, allowUnsafeIommufd },
    noiommu: { available: noiommuAvailable, enabled: host.noiommuEnabled, nodes },
    modules: { loaded, missing },
    iommufd: { loaded: loaded.includes('iommufd'), node: host.iommufdNode !== null },
    cdev,
    findings,
    ...(arm64 !== undefined ? { arm64 } : {}),
  }
}

/** On arm64 only what is used is missing: vfio, the module of each device meant for VFIO (vfio-pci only
 * for a PCI one), and an IOMMU backend when an IOMMU is active (no-IOMMU containers need none). */
function arm64Missing(loaded: readonly string[], devices: readonly Device[], iommu: boolean): string[] {
  const missing = ['vfio', ...neededModules(devices)].filter((m) => !loaded.includes(m))
  if (iommu && !loaded.includes('vfio_iommu_type1') && !loaded.includes('iommufd')) missing.push('vfio_iommu_type1')
  return missing
}
