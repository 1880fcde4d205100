// Host readiness from fake sysfs and /proc: IOMMU on/off, interrupt remapping evidence, no-IOMMU mode
// (the taint warning and the noiommu-N nodes), modules, cdev and the memlock limit.
import { afterEach, describe, expect, it } from 'vitest'
import type { Credentials } from '../../src/model/diagnostics.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { interruptEvidence, readReadiness } from '../../src/diagnose/readiness.js'
import { scanHost } from '../../src/inspect/scan.js'
import { device } from '../helpers/builders.js'
import { NodesFs } from '../helpers/fake-proc.js'
import { makeTree, type Tree } from '../helpers/fake-sysfs.js'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const EMPTY_SCAN = { holders: [], scanned: 10, hidden: 0 }
const ROOT: Credentials = { pid: 1, uid: 0, gid: 0, groups: [], user: 'root', capabilities: { dacOverride: true, sysRawio: true, ipcLock: true }, memlock: { soft: 8n << 20n, hard: 8n << 20n } }
const USER: Credentials = { ...ROOT, uid: 1000, gid: 1000, user: 'alice', capabilities: { dacOverride: false, sysRawio: false, ipcLock: false } }

function readiness(tree: Tree, opts: { self?: Credentials | null; nodes?: Record<string, { mode: number; uid: number; gid: number }>; hidden?: number } = {}) {
  const t = makeTree(tree)
  cleanups.push(t.cleanup)
  const fs = new NodesFs(new NodeFs(t.root), opts.nodes ?? {})
  return readReadiness(fs, scanHost(fs), [], opts.self === undefined ? ROOT : opts.self, { ...EMPTY_SCAN, hidden: opts.hidden ?? 0 })
}

const find = (r: ReturnType<typeof readiness>, id: string) => r.findings.find((f) => f.id === id)

describe('interruptEvidence', () => {
  it('reads IR- chips (x86), ITS (Arm), plain MSI chips and intremap=off', () => {
    expect(interruptEvidence(' 25:  0  IR-PCI-MSIX-0000:00:10.0  0-edge  PCIe PME\n', [])).toEqual({ state: 'enabled', evidence: 'IR-PCI-MSIX interrupts in /proc/interrupts' })
    expect(interruptEvidence(' 9:  0  ITS-PCI-MSIX-0000:00:01.0  0-edge  nvme0q0\n', []).state).toBe('enabled')
    expect(interruptEvidence(' 0:  9  IO-APIC  2-edge  timer\n 24:  0  PCI-MSI-0000:00:02.0  0-edge  eth0\n', [])).toEqual({ state: 'disabled', evidence: 'IO-APIC interrupts without IR- in /proc/interrupts' })
    expect(interruptEvidence(' 24: 0 IR-PCI-MSI 0-edge x\n', ['intremap=off'])).toEqual({ state: 'disabled', evidence: 'intremap=off on the kernel command line' })
    expect(interruptEvidence('NMI: 0 Non-maskable interrupts\n', []).state).toBe('unknown')
    expect(interruptEvidence(null, []).state).toBe('unknown')
  })
})

describe('readReadiness', () => {
  const vt: Tree = {
    '/sys/class/iommu/dmar0': { dir: true },
    '/sys/module/vfio/refcnt': '1\n',
    '/sys/module/vfio_pci/refcnt': '1\n',
    '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n',
    '/proc/cmdline': 'root=/dev/sda1 intel_iommu=on iommu=pt quiet splash vfio-pci.ids=10de:1b80\n',
    '/proc/interrupts': ' 25:  0  IR-PCI-MSI-0000:00:10.0  0-edge  PCIe PME\n',
  }

  it('on a ready host: IOMMU, remapping and modules ok, the command line kept to the relevant words', () => {
    const r = readiness(vt)
    expect(r.iommu).toEqual({ enabled: true, instances: ['dmar0'], cmdline: ['intel_iommu=on', 'iommu=pt', 'vfio-pci.ids=10de:1b80'] })
    expect(r.interruptRemapping).toMatchObject({ state: 'enabled', allowUnsafeType1: false, allowUnsafeIommufd: null })
    expect(r.modules).toEqual({ loaded: ['vfio', 'vfio_pci', 'vfio_iommu_type1'], missing: [] })
    expect(r.findings.map((f) => [f.id, f.level])).toEqual([
      ['iommu', 'ok'],
      ['interrupt-remapping', 'ok'],
      ['modules', 'ok'],
      ['iommufd', 'info'],
      ['memlock', 'ok'],
    ])
    expect(r.noiommu).toEqual({ available: false, enabled: null, nodes: [] })
  })

  it('without an IOMMU: says whether the command line turned it off, and how to turn it on', () => {
    const off = readiness({ '/proc/cmdline': 'root=/dev/sda1 intel_iommu=off\n' })
    expect(find(off, 'iommu')).toMatchObject({ level: 'bad', text: 'no IOMMU: disabled on the kernel command line (intel_iommu=off)' })
    expect(find(off, 'iommu')?.fix[1]).toContain('intel_iommu=on')
    expect(find(readiness({}), 'iommu')?.text).toBe('no IOMMU active: /sys/class/iommu is empty')
    expect(find(readiness({}), 'noiommu')).toMatchObject({ level: 'info', text: 'no-IOMMU mode is not available in this kernel (CONFIG_VFIO_NOIOMMU)' })
    expect(find(readiness({}), 'modules')).toMatchObject({ level: 'bad', fix: ['modprobe vfio-pci'] })
  })

  it('reports no-IOMMU mode from the module parameter and /dev/vfio/noiommu-N, with the taint warning', () => {
    const node = { mode: 0o600, uid: 0, gid: 0 }
    const r = readiness(
      // No vIOMMU, so no remapping either: irrelevant to no-IOMMU containers, not a problem.
      { '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode': 'Y\n', '/sys/module/vfio_pci/refcnt': '1\n', '/proc/interrupts': ' 24:  0  PCI-MSI-0000:00:02.0  0-edge  eth0\n' },
      { nodes: { '/dev/vfio/noiommu-0': node, '/dev/vfio/noiommu-10': node, '/dev/vfio/noiommu-2': node, '/dev/vfio/vfio': { mode: 0o666, uid: 0, gid: 0 } } },
    )
    expect(r.noiommu).toEqual({ available: true, enabled: true, nodes: ['noiommu-0', 'noiommu-2', 'noiommu-10'] })
    expect(find(r, 'noiommu')).toMatchObject({ level: 'warn' })
    expect(find(r, 'noiommu')?.text).toContain('noiommu-0 noiommu-2 noiommu-10 give user space DMA to all memory with no protection; the kernel is tainted')
    expect(r.interruptRemapping.state).toBe('disabled')
    expect(find(r, 'interrupt-remapping')).toBeUndefined()
    // Without an IOMMU but in no-IOMMU mode, the missing IOMMU is a warning, not the end.
    expect(find(r, 'iommu')?.level).toBe('warn')
    const off = readiness({ '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode': 'N\n' })
    expect(find(off, 'noiommu')).toMatchObject({ level: 'info', fix: ['unsafe: modprobe vfio enable_unsafe_noiommu_mode=1'] })
  })

  it('interrupt remapping off: bad unless allow_unsafe_interrupts is set, then a warning', () => {
    const plain = { ...vt, '/proc/interrupts': ' 24:  0  PCI-MSI-0000:00:02.0  0-edge  eth0\n' }
    expect(find(readiness(plain), 'interrupt-remapping')).toMatchObject({ level: 'bad' })
    expect(find(readiness(plain), 'interrupt-remapping')?.text).toContain('VFIO_SET_IOMMU and iommufd bind will fail with EPERM')
    const allowed = readiness({ ...plain, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'Y\n' })
    expect(find(allowed, 'interrupt-remapping')).toMatchObject({ level: 'warn', fix: [] })
    expect(allowed.interruptRemapping.allowUnsafeType1).toBe(true)
  })

  it('memlock: unlimited, lifted by CAP_IPC_LOCK, or too small for a guest', () => {
    expect(find(readiness(vt, { self: { ...USER, memlock: { soft: null, hard: null } } }), 'memlock')?.level).toBe('ok')
    expect(find(readiness(vt), 'memlock')?.text).toContain('CAP_IPC_LOCK')
    const small = find(readiness(vt, { self: USER }), 'memlock')
    expect(small?.level).toBe('warn')
    expect(small?.text).toMatch(/^memlock limit of this process 8M \(hard 8M\)\. VFIO pins all guest RAM/)
    expect(find(readiness(vt, { self: { ...USER, memlock: { soft: 64n << 30n, hard: null } } }), 'memlock')?.level).toBe('info')
    expect(find(readiness(vt, { self: null }), 'memlock')?.text).toMatch(/^memlock limit of this process unknown/)
  })

  it('cdev support from the VFIO devices: a dev file, a bare vfio-dev dir, or nothing to tell', () => {
    const t = makeTree({ ...vt, '/sys/bus/pci/devices/0000:01:00.0/vfio-dev/vfio0/uevent': '' })
    cleanups.push(t.cleanup)
    const fs = new NodeFs(t.root)
    const vfioDev = device({ address: '0000:01:00.0', driver: 'vfio-pci', cdev: null })
    expect(readReadiness(fs, scanHost(fs), [vfioDev], ROOT, EMPTY_SCAN).cdev).toBe('unavailable')
    expect(readReadiness(fs, scanHost(fs), [{ ...vfioDev, cdev: '/dev/vfio/devices/vfio0' }], ROOT, EMPTY_SCAN).cdev).toBe('available')
    expect(readReadiness(fs, scanHost(fs), [], ROOT, EMPTY_SCAN).cdev).toBe('unknown')
  })

  it('warns when other users hide their processes', () => {
    expect(find(readiness(vt, { hidden: 6 }), 'holders')).toMatchObject({ level: 'warn', text: '6 of 10 processes belong to other users and could not be searched: VFIO nodes they hold are invisible to this run' })
    expect(find(readiness(vt), 'holders')).toBeUndefined()
  })
})
