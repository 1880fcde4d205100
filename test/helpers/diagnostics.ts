// Diagnostics builders: a host with one of everything (every holder fd kind, override kind, isolation
// reason, SR-IOV role, finding level), for the renderer and JSON tests.
import type { CheckReport, Diagnostics, Holder, Verdict } from '../../src/model/diagnostics.js'

export function holder(o: Partial<Holder> = {}): Holder {
  return {
    pid: 300,
    comm: 'qemu-system-x86',
    uid: 107,
    user: 'libvirt-qemu',
    vmName: 'win11',
    fds: [
      { fd: 3, target: '/dev/vfio/12', kind: 'group', group: 12, device: null },
      { fd: 8, target: '/dev/vfio/vfio', kind: 'container', group: null, device: null },
      { fd: 9, target: 'anon_inode:[vfio-device]', kind: 'device', group: null, device: '0000:01:00.0' },
    ],
    memlock: { soft: 8n << 20n, hard: 8n << 20n },
    vmLck: 64n << 20n,
    vmPin: 0n,
    ipcLock: true,
    ...o,
  }
}

export function richDiagnostics(): Diagnostics {
  return {
    self: { pid: 4242, uid: 1000, gid: 1000, groups: [1000, 36], user: 'alice', capabilities: { dacOverride: false, sysRawio: false, ipcLock: false }, memlock: { soft: 8n << 20n, hard: null } },
    readiness: {
      iommu: { enabled: true, instances: ['dmar0'], cmdline: ['intel_iommu=on'] },
      interruptRemapping: { state: 'enabled', evidence: 'IR-PCI-MSI interrupts in /proc/interrupts', allowUnsafeType1: false, allowUnsafeIommufd: null },
      noiommu: { available: true, enabled: false, nodes: [] },
      modules: { loaded: ['vfio', 'vfio_pci', 'vfio_iommu_type1', 'iommufd'], missing: [] },
      iommufd: { loaded: true, node: true },
      cdev: 'available',
      findings: [
        { id: 'iommu', level: 'ok', text: 'IOMMU enabled: dmar0 (command line: intel_iommu=on)', fix: [] },
        { id: 'iommufd', level: 'info', text: 'iommufd: /dev/iommu present', fix: [] },
        { id: 'memlock', level: 'warn', text: 'memlock limit of this process 8M (hard unlimited).', fix: ['ulimit -l <KiB>'] },
        { id: 'interrupt-remapping', level: 'bad', text: 'interrupt remapping is off', fix: ['enable it', 'or allow unsafe interrupts'] },
      ],
    },
    holders: {
      holders: [holder(), holder({ pid: 301, comm: 'dpdk-testpmd', uid: 0, user: 'root', vmName: null, vmLck: 0n, vmPin: 0n, ipcLock: null, memlock: null, fds: [{ fd: 5, target: '/dev/vfio/devices/vfio2', kind: 'cdev', group: null, device: '0000:03:00.0' }, { fd: 6, target: '/dev/iommu', kind: 'iommufd', group: null, device: null }, { fd: 7, target: '/dev/vfio/noiommu-4', kind: 'noiommu-group', group: 4, device: null }] })],
      scanned: 120,
      hidden: 2,
    },
    groups: [
      {
        id: 12,
        holders: [300],
        blockers: [{ address: '0000:01:00.1', driver: 'snd_hda_intel', fix: ['driverctl set-override 0000:01:00.1 vfio-pci', 'echo … ; echo …'] }],
        isolation: { reason: 'multifunction', text: '0000:01:00.0, 0000:01:00.1 are functions of one multi-function device', bridge: null, devices: ['0000:01:00.0', '0000:01:00.1'] },
        access: [
          { path: '/dev/vfio/12', ok: false, why: 'mode 0600 root:root gives others no read-write access', fix: ['sudo chown alice /dev/vfio/12'] },
          { path: '/dev/vfio/vfio', ok: true, why: 'read-write as "other" (mode 0666 root:root)', fix: [] },
        ],
      },
      { id: 15, holders: [], blockers: [], isolation: { reason: 'behind-bridge', text: 'behind the bridge', bridge: '0000:05:00.0', devices: ['0000:06:01.0'] }, access: null },
      { id: 16, holders: [], blockers: [], isolation: { reason: 'no-acs', text: 'no ACS', bridge: null, devices: ['0000:08:00.0', '0000:09:00.0'] }, access: [] },
    ],
    devices: [
      {
        address: '0000:01:00.0',
        group: 12,
        override: null,
        reset: { methods: ['flr', 'bus'], onOpen: 'flr', hotReset: { possible: true, bridge: '0000:00:1c.0', devices: [{ address: '0000:01:00.0', group: 12, driver: 'vfio-pci' }, { address: '0000:01:00.1', group: 12, driver: 'snd_hda_intel' }] }, kernelAgrees: true },
        sriov: null,
        numa: { node: 1, cpus: '8-15' },
        holders: [300],
      },
      {
        address: '0000:01:00.1',
        group: 12,
        override: { kind: 'bound-elsewhere', text: 'stale driver_override: set to vfio-pci but the device is bound to snd_hda_intel', fix: ['echo … unbind; echo … drivers_probe'] },
        reset: { methods: null, onOpen: null, hotReset: { possible: null, bridge: null, devices: [] }, kernelAgrees: null },
        sriov: { role: 'vf', totalVfs: null, numVfs: null, vfs: [], pf: '0000:04:00.0', pfDriver: 'vfio-pci', vfTokenRequired: true, text: 'VF of 0000:04:00.0, which is bound to vfio-pci: needs the vf_token' },
        numa: { node: null, cpus: null },
        holders: [],
      },
      {
        address: '0000:04:00.0',
        group: null,
        override: { kind: 'unbound', text: 'driver_override=vfio-pci is set but no driver is bound', fix: ['echo 0000:04:00.0 > /sys/bus/pci/drivers_probe'] },
        reset: { methods: ['flr'], onOpen: 'flr', hotReset: { possible: false, bridge: null, devices: [] }, kernelAgrees: false },
        sriov: { role: 'pf', totalVfs: 8, numVfs: 2, vfs: ['0000:04:02.0', '0000:04:02.1'], pf: null, pfDriver: null, vfTokenRequired: false, text: 'SR-IOV PF: 2 of 8 VFs enabled' },
        numa: { node: 0, cpus: null },
        holders: [],
      },
      { address: '0000:05:00.0', group: 15, override: { kind: 'differs', text: 'driver_override=x but bound to y', fix: [] }, reset: null, sriov: null, numa: { node: null, cpus: null }, holders: [] },
    ],
  }
}

export function verdict(o: Partial<Verdict> = {}): Verdict {
  return { address: '0000:01:00.0', group: 12, driver: 'vfio-pci', ready: true, reasons: [], warnings: [], source: 'predicted', ...o }
}

export function checkReport(o: Partial<CheckReport> = {}): CheckReport {
  return {
    verdicts: [
      verdict(),
      verdict({
        address: '0000:07:01.0',
        group: 18,
        ready: false,
        reasons: [
          { kind: 'not-viable', code: 4, text: 'group 18 is not viable: 0000:07:02.0 is bound to virtio-pci', fix: ['driverctl set-override 0000:07:02.0 vfio-pci', 'echo …'] },
          { kind: 'busy', code: 5, text: 'group 18 is open in pid 300 (qemu-system-x86, VM "win11", user root)', fix: [] },
        ],
        warnings: ['a hot reset of this device also resets 0000:07:02.0'],
        source: 'kernel',
      }),
    ],
    opened: false,
    warnings: ['memlock limit of this process 8M'],
    exitCode: 4,
    outcome: 'not-viable',
    ...o,
  }
}
