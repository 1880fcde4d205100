// Readiness per architecture, from fake sysfs and /proc: on arm64 the SMMU (v3, v1/v2), ACPI IORT or device
// tree, MSI isolation through the GIC ITS versus GICv2m, platform devices behind an SMMU with no MSI domain,
// module advice only for what bound devices need; no x86 advice there, and no arm64 advice on x86.
import { afterEach, describe, expect, it } from 'vitest'
import type { Credentials, Finding, Readiness } from '../../src/model/diagnostics.js'
import type { Device } from '../../src/model/types.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { readReadiness } from '../../src/diagnose/readiness.js'
import { msiChips } from '../../src/diagnose/arm64.js'
import { hostProblems } from '../../src/diagnose/host.js'
import { ENABLE_IOMMU, ENABLE_SMMU } from '../../src/diagnose/fixes.js'
import { archOfMachine, detectArch } from '../../src/inspect/arch.js'
import { scanHost } from '../../src/inspect/scan.js'
import { parseResources } from '../../src/inspect/sysfs-device.js'
import { device, host, inventory } from '../helpers/builders.js'
import { makeTree, type Tree } from '../helpers/fake-sysfs.js'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const ROOT: Credentials = { pid: 1, uid: 0, gid: 0, groups: [], user: 'root', capabilities: { dacOverride: true, sysRawio: true, ipcLock: true }, memlock: null }
const SCAN = { holders: [], scanned: 1, hidden: 0 }
const X86_WORDS = /VT-d|AMD-Vi|intel_iommu|amd_iommu|x2APIC|intremap/
const ARM_WORDS = /SMMU|ITS|GICv2m|IORT|arm-smmu|msi-parent/

function fsOf(tree: Tree): NodeFs {
  const t = makeTree(tree)
  cleanups.push(t.cleanup)
  return new NodeFs(t.root)
}

function readiness(tree: Tree, devices: readonly Device[] = []): Readiness {
  const fs = fsOf(tree)
  return readReadiness(fs, scanHost(fs), devices, ROOT, SCAN)
}

const words = (fs: readonly Finding[]): string => fs.map((f) => [f.text, ...f.fix].join('\n')).join('\n')
const find = (r: Readiness, id: string): Finding | undefined => r.findings.find((f) => f.id === id)

const ARM: Tree = { '/proc/sys/kernel/arch': 'aarch64\n', '/sys/firmware/devicetree/base/compatible': 'linux,dummy-virt\0' }

/** QEMU virt with GICv2 and its GICv2m frame, as its device tree has them. */
const V2M: Tree = {
  '/sys/firmware/devicetree/base/intc@8000000/interrupt-controller': '',
  '/sys/firmware/devicetree/base/intc@8000000/compatible': 'arm,cortex-a15-gic\0',
  '/sys/firmware/devicetree/base/intc@8000000/v2m@8020000/msi-controller': '',
  '/sys/firmware/devicetree/base/intc@8000000/v2m@8020000/compatible': 'arm,gic-v2m-frame\0',
}

const SMMU3: Tree = {
  '/sys/devices/platform/9050000.smmuv3/driver': { link: '/sys/bus/platform/drivers/arm-smmu-v3' },
  '/sys/bus/platform/drivers/arm-smmu-v3/bind': '',
  '/sys/class/iommu/smmu3.0x0000000009050000/device': { link: '/sys/devices/platform/9050000.smmuv3' },
}

const platformDev = (address: string, o: Partial<Device> = {}): Device =>
  device({ address, bus: 'platform', pci: null, driver: 'vfio-platform', driverOverride: 'vfio-platform', ofNode: { path: `/${address}`, compatible: ['virtio,mmio'] }, ...o })

describe('arch detection', () => {
  it('reads uname -m, then SMMU / DMAR names, IORT, and the kernel release', () => {
    expect(['aarch64', 'arm64', 'x86_64', 'i686', 'riscv64', ''].map(archOfMachine)).toEqual(['arm64', 'arm64', 'x86', 'x86', 'other', 'unknown'])
    expect(detectArch(fsOf({ '/proc/sys/kernel/arch': 'x86_64\n' }), ['smmu3.0x1'], null)).toBe('x86')
    expect(detectArch(fsOf({}), ['smmu3.0x0000000009050000'], null)).toBe('arm64')
    expect(detectArch(fsOf({}), ['dmar0'], '6.12.0-arm64')).toBe('x86')
    expect(detectArch(fsOf({ '/sys/firmware/acpi/tables/IORT': 'x' }), [], null)).toBe('arm64')
    expect(detectArch(fsOf({}), [], '6.12.117+deb12-arm64')).toBe('arm64')
    expect(detectArch(fsOf({}), [], '6.8.9-300.fc40.aarch64')).toBe('arm64')
    expect(detectArch(fsOf({}), [], '6.12.117+deb12-amd64')).toBe('x86')
    expect(detectArch(fsOf({}), [], null)).toBe('unknown')
  })
})

describe('msiChips', () => {
  it('names ITS chips isolated and GICv2m / other MSI frames not, each once, device suffixes dropped', () => {
    const text = [
      ' 11:  0  GICv2  27 Level  arch_timer',
      ' 40:  5  ITS-MSI 16384 Edge  virtio0-config',
      ' 41:  5  ITS-MSI 16385 Edge  virtio0-requests',
      ' 42:  0  ITS-PCI-MSIX-0000:00:03.0  0 Edge  nvme0q0',
      ' 43:  0  MSI 32768 Edge  virtio1-config',
      ' 44:  0  GICv2m-PCI-MSIX-0000:00:04.0  0 Edge  eth0',
    ].join('\n')
    expect(msiChips(text)).toEqual([
      { kind: 'its', name: 'ITS-MSI', source: '/proc/interrupts', isolated: true },
      { kind: 'its', name: 'ITS-PCI-MSIX', source: '/proc/interrupts', isolated: true },
      { kind: 'other', name: 'MSI', source: '/proc/interrupts', isolated: false },
      { kind: 'gicv2m', name: 'GICv2m-PCI-MSIX', source: '/proc/interrupts', isolated: false },
    ])
    expect(msiChips(null)).toEqual([])
  })
})

describe('readiness on arm64', () => {
  it('no SMMU, no-IOMMU mode, platform and AMBA devices only: SMMU advice, every vfio module listed, vfio-pci not asked for', () => {
    const r = readiness(
      {
        ...ARM,
        ...V2M,
        '/sys/class/iommu': { dir: true },
        '/sys/bus/platform/drivers/arm-smmu-v3/bind': '',
        '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode': 'Y\n',
        '/sys/module/vfio_platform/refcnt': '1\n',
        '/sys/module/vfio_platform_base/refcnt': '1\n',
        '/sys/module/vfio_amba/refcnt': '1\n',
        '/dev/vfio/noiommu-0': '',
        '/proc/cmdline': 'console=ttyAMA0 iommu.passthrough=0 arm-smmu-v3.disable_msipolling=1 intel_iommu=on\n',
        '/proc/interrupts': ' 11:  0  GICv2  27 Level  arch_timer\n',
      },
      [platformDev('a000000.virtio_mmio'), platformDev('9010000.pl031', { bus: 'amba', driver: 'vfio-amba', driverOverride: 'vfio-amba' })],
    )
    expect(words(r.findings)).not.toMatch(X86_WORDS)
    expect(find(r, 'iommu')).toEqual({ id: 'iommu', level: 'warn', text: expect.stringContaining('/sys/class/iommu has no SMMU') as string, fix: ENABLE_SMMU })
    expect(r.iommu.cmdline).toEqual(['iommu.passthrough=0', 'arm-smmu-v3.disable_msipolling=1'])
    expect(r.modules).toEqual({ loaded: ['vfio', 'vfio_platform', 'vfio_amba', 'vfio_platform_base'], missing: [] })
    expect(find(r, 'modules')?.level).toBe('ok')
    expect(find(r, 'interrupt-remapping')).toBeUndefined() // no IOMMU: no-IOMMU containers do not ask
    expect(r.interruptRemapping.state).toBe('disabled') // the GICv2m frame of the device tree
    expect(r.arm64).toEqual({
      firmware: 'devicetree',
      iort: null,
      smmus: [],
      smmuDrivers: ['arm-smmu-v3'],
      msiControllers: [{ kind: 'gicv2m', name: '/intc@8000000/v2m@8020000', source: 'device tree', isolated: false }],
      passthrough: false,
      interruptsRead: true,
    })
  })

  it('a PCI device meant for vfio-pci makes vfio_pci missing; an SMMU makes an IOMMU backend missing', () => {
    const pci = device({ driver: null, driverOverride: 'vfio-pci' })
    const tree: Tree = { ...ARM, ...SMMU3, '/sys/module/vfio/refcnt': '1\n' }
    expect(readiness(tree, [pci]).modules.missing).toEqual(['vfio_pci', 'vfio_iommu_type1'])
    expect(readiness(tree, [platformDev('a000000.virtio_mmio', { driver: null })]).modules.missing).toEqual(['vfio_platform', 'vfio_iommu_type1'])
    expect(find(readiness(tree, []), 'modules')?.fix).toEqual(['modprobe vfio_iommu_type1'])
  })

  it('SMMUv3 and MSIs through the GIC ITS: both ok, named', () => {
    const r = readiness({ ...ARM, ...SMMU3, '/sys/module/vfio/refcnt': '1\n', '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n', '/proc/interrupts': ' 40:  5  ITS-MSI 16384 Edge  virtio0-config\n' })
    expect(find(r, 'iommu')).toMatchObject({ level: 'ok', text: 'IOMMU enabled: smmu3.0x0000000009050000 (SMMUv3, arm-smmu-v3 on 9050000.smmuv3), described by the device tree' })
    expect(find(r, 'interrupt-remapping')).toMatchObject({ level: 'ok', text: 'MSI isolation enabled (MSIs through the GIC ITS (ITS-MSI), which isolates them per device)' })
    expect(r.arm64?.smmus).toEqual([{ name: 'smmu3.0x0000000009050000', version: 'v3', device: '9050000.smmuv3', driver: 'arm-smmu-v3' }])
    expect(words(r.findings)).not.toMatch(X86_WORDS)
  })

  it('SMMU with MSIs through GICv2m: refused (EPERM) unless allow_unsafe_interrupts, with arm64 fixes', () => {
    const base: Tree = { ...ARM, ...SMMU3, ...V2M, '/sys/module/vfio/refcnt': '1\n', '/proc/interrupts': ' 43:  0  MSI 32768 Edge  virtio1-config\n' }
    const off = readiness({ ...base, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n' })
    const f = find(off, 'interrupt-remapping')
    expect(f?.level).toBe('bad')
    expect(f?.text).toMatch(/^MSI isolation is off \(MSIs through MSI, \/intc@8000000\/v2m@8020000 in the device tree, not an ITS.*EPERM$/)
    expect(f?.fix[0]).toMatch(/GICv3\/v4 ITS/)
    expect(f?.fix[1]).toMatch(/allow_unsafe_interrupts=1/)
    const on = readiness({ ...base, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'Y\n' })
    expect(find(on, 'interrupt-remapping')).toMatchObject({ level: 'warn', fix: [] })
  })

  it('a platform device behind an SMMU without msi-parent has no MSI domain: its group is refused', () => {
    const tree: Tree = {
      ...ARM,
      ...SMMU3,
      '/sys/module/vfio/refcnt': '1\n',
      '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n',
      '/proc/interrupts': ' 40:  5  ITS-MSI 16384 Edge  x\n',
      '/sys/bus/platform/devices/e0000.eth/iommu': { link: '/sys/devices/platform/9050000.smmuv3' },
      '/sys/bus/platform/devices/e1000.eth/iommu': { link: '/sys/devices/platform/9050000.smmuv3' },
      '/sys/firmware/devicetree/base/e1000.eth/msi-parent': '\0\0\x80\x01',
    }
    const r = readiness(tree, [platformDev('e0000.eth'), platformDev('e1000.eth'), platformDev('f0000.noiommu')])
    expect(find(r, 'msi-isolation')).toMatchObject({ level: 'bad', text: expect.stringMatching(/^e0000\.eth is behind an SMMU but has no MSI domain .*EPERM\)$/) as string })
  })

  it('ACPI without an IORT table is named as the reason for no SMMU', () => {
    const r = readiness({ ...ARM, '/sys/firmware/acpi/tables/APIC': 'x', '/sys/bus/platform/drivers/arm-smmu-v3/bind': '' })
    expect(find(r, 'iommu')?.text).toBe('no IOMMU active: /sys/class/iommu has no SMMU; this ACPI machine has no IORT table, so no SMMU is described to the kernel')
    expect(r.arm64).toMatchObject({ firmware: 'acpi', iort: false })
  })
})

describe('readiness on x86 is unchanged', () => {
  it('no arm64 block or words, the VT-d / AMD-Vi fixes, vfio-pci still expected', () => {
    const r = readiness({ '/proc/sys/kernel/arch': 'x86_64\n', ...V2M, '/sys/module/vfio/refcnt': '1\n', '/proc/cmdline': 'arm-smmu.disable_bypass=0 iommu.passthrough=1\n' })
    expect(r.arm64).toBeUndefined()
    expect(find(r, 'iommu')?.fix).toEqual(ENABLE_IOMMU)
    expect(r.iommu.cmdline).toEqual(['iommu.passthrough=1'])
    expect(r.modules.missing).toEqual(['vfio_pci', 'vfio_iommu_type1'])
    expect(words(r.findings)).not.toMatch(ARM_WORDS)
  })
})

describe('hostProblems per architecture', () => {
  const empty = { groups: [], ungrouped: [] }
  it('arm64: SMMU fixes, and vfio-amba counts as a VFIO driver', () => {
    const arm = inventory({ ...empty, host: host({ arch: 'arm64', iommus: [], groupCount: 0, modules: ['vfio', 'vfio_amba'] }) })
    expect(hostProblems(arm)).toEqual([{ id: 'no-iommu', level: 'bad', text: 'No IOMMU groups: no IOMMU is active (/sys/class/iommu is empty: no SMMU).', fix: ENABLE_SMMU }])
    const none = hostProblems(inventory({ ...empty, host: host({ arch: 'arm64', modules: ['vfio'] }) }))
    expect(words(none)).toMatch(/vfio-platform \/ vfio-amba/)
    expect(words(none)).not.toMatch(X86_WORDS)
  })
  it('x86 and unknown: as before', () => {
    for (const arch of ['x86', undefined] as const) {
      const p = hostProblems(inventory({ ...empty, host: host({ ...(arch === undefined ? {} : { arch }), iommus: [], groupCount: 0, modules: ['vfio'] }) }))
      expect(p.map((f) => f.id)).toEqual(['no-iommu', 'no-vfio-driver'])
      expect(p[0]?.fix).toEqual(ENABLE_IOMMU)
      expect(p[1]?.text).toBe('No VFIO driver is loaded (vfio-pci / vfio-platform).')
    }
  })
})

describe('AMBA resources', () => {
  it('parses amba_bus resource_show (bare hex, tab-led) like the PCI file', () => {
    expect(parseResources('\t0000000009010000\t0000000009010fff\t0000000000000200\n', true)).toEqual([
      { index: 0, start: 0x9010000n, end: 0x9010fffn, flags: 0x200n, size: 0x1000n, kind: 'mem', prefetch: false, is64: false },
    ])
  })
})
