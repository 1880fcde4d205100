// What lsvfio explains about a host, beyond what it lists: why a group is not viable, who holds VFIO
// nodes open, what opening a device resets, whether the host is ready, and per-device verdicts for
// `lsvfio check`. Plain data; everything here is gathered without opening /dev/vfio.
import type { IsolationBreak, PcieDiagnosis } from './pcie.js'

/** RLIMIT_MEMLOCK in bytes; null means unlimited. */
export interface Memlock {
  soft: bigint | null
  hard: bigint | null
}

/** Who a process runs as, from /proc/PID/status. */
export interface Credentials {
  pid: number | null
  /** Effective uid and gid, and the supplementary groups: what the kernel checks on open(). */
  uid: number
  gid: number
  groups: readonly number[]
  user: string | null
  /** From CapEff: root without these (a container) cannot do what root usually can. */
  capabilities: { dacOverride: boolean; sysRawio: boolean; ipcLock: boolean }
  memlock: Memlock | null
}

export type HeldKind = 'group' | 'noiommu-group' | 'container' | 'cdev' | 'iommufd' | 'device'

/** One open fd on a VFIO node, as /proc/PID/fd shows it. */
export interface HeldFd {
  fd: number
  /** The link target: /dev/vfio/12, /dev/iommu, anon_inode:[vfio-device] … */
  target: string
  kind: HeldKind
  /** The IOMMU group of a group node. */
  group: number | null
  /** The device of a cdev node, or of a device fd when fdinfo names it (kernel ≥ 6.18). */
  device: string | null
}

export interface Holder {
  pid: number
  comm: string | null
  uid: number | null
  user: string | null
  /** QEMU's -name (guest=NAME or NAME) from /proc/PID/cmdline. */
  vmName: string | null
  fds: readonly HeldFd[]
  memlock: Memlock | null
  /** /proc/PID/status VmLck and VmPin in bytes: memory pinned for DMA is counted in one of them. */
  vmLck: bigint | null
  vmPin: bigint | null
  /** CAP_IPC_LOCK lifts RLIMIT_MEMLOCK for VFIO type1 pinning. */
  ipcLock: boolean | null
}

export interface HolderScan {
  holders: readonly Holder[]
  /** Processes looked at (all numeric /proc entries except lsvfio itself). */
  scanned: number
  /** Processes whose fds could not be read (another user's, without root): their holds are invisible. */
  hidden: number
}

export type FindingLevel = 'ok' | 'info' | 'warn' | 'bad'

/** One host readiness fact, judged, with the commands that would change it. */
export interface Finding {
  /** Stable id: iommu, interrupt-remapping, noiommu, modules, iommufd, cdev, memlock, holders, reset-on-open, and the rules' (diagnose/rules.ts: group-node) */
  id: string
  level: FindingLevel
  text: string
  fix: readonly string[]
}

export interface Readiness {
  iommu: { enabled: boolean; instances: readonly string[]; cmdline: readonly string[] }
  /** From /proc/interrupts (IR-… and ITS irq chips) and the command line; unknown when nothing tells. */
  interruptRemapping: { state: 'enabled' | 'disabled' | 'unknown'; evidence: string; allowUnsafeType1: boolean | null; allowUnsafeIommufd: boolean | null }
  /** enable_unsafe_noiommu_mode: available when the parameter exists (CONFIG_VFIO_NOIOMMU). */
  noiommu: { available: boolean; enabled: boolean | null; nodes: readonly string[] }
  modules: { loaded: readonly string[]; missing: readonly string[] }
  iommufd: { loaded: boolean; node: boolean }
  /** Whether the kernel offers /dev/vfio/devices/vfioN (CONFIG_VFIO_DEVICE_CDEV). */
  cdev: 'available' | 'unavailable' | 'unknown'
  findings: readonly Finding[]
  /** What an arm64 host's readiness rests on; absent on other architectures. */
  arm64?: Arm64Readiness
}

/** An SMMU instance under /sys/class/iommu and the driver that registered it. */
export interface SmmuInstance {
  /** smmu3.0x0000000009050000 (arm-smmu-v3), smmu.0x… (arm-smmu) */
  name: string
  version: 'v3' | 'v1/v2' | null
  /** The platform device it sits on (9050000.smmuv3, arm-smmu-v3.0.auto) and its driver. */
  device: string | null
  driver: string | null
}

/** An MSI controller as /proc/interrupts or the device tree shows it. */
export interface MsiController {
  kind: 'its' | 'gicv2m' | 'other'
  /** irq chip name (ITS-MSI, MSI, GICv2m-PCI-MSIX-…) or DT node path */
  name: string
  source: '/proc/interrupts' | 'device tree'
  /** Whether its irq domain carries IRQ_DOMAIN_FLAG_ISOLATED_MSI (the GIC ITS does, GICv2m does not). */
  isolated: boolean
}

export interface Arm64Readiness {
  /** acpi: /sys/firmware/acpi/tables exists; devicetree: /sys/firmware/devicetree/base does (and no ACPI). */
  firmware: 'acpi' | 'devicetree' | 'unknown'
  /** /sys/firmware/acpi/tables/IORT exists (the ACPI table describing SMMUs and ITS routing); null without ACPI. */
  iort: boolean | null
  smmus: readonly SmmuInstance[]
  /** SMMU drivers registered with the kernel (/sys/bus/platform/drivers): arm-smmu-v3, arm-smmu. */
  smmuDrivers: readonly string[] | null
  msiControllers: readonly MsiController[]
  /** Internal: whether /proc/interrupts could be read (not in the JSON). */
  interruptsRead?: boolean
  /** iommu.passthrough on the command line: default domains are identity (VFIO still attaches its own). */
  passthrough: boolean | null
}

/** A member that breaks its group's viability, and the commands that would fix it. */
export interface Blocker {
  address: string
  driver: string
  /** Alternative command lines, as root: driverctl first, then the same through sysfs, then unbinding only.
   * Empty when no member of the group is bound (or overridden) to a VFIO driver: nothing to fix then. */
  fix: readonly string[]
}

export interface Isolation {
  reason: 'multifunction' | 'behind-bridge' | 'no-acs'
  text: string
  /** The bridge the members sit behind (behind-bridge). */
  bridge: string | null
  /** The endpoints that share the group (bridges left out). */
  devices: readonly string[]
  /** The exact link where isolation stops and what would split the group (from each hop's ACS). */
  link?: IsolationBreak
  /** The group predicted from topology and ACS alone for its first member, and whether the kernel agrees. */
  predicted?: { members: readonly string[]; agrees: boolean }
}

/** Whether the current process can open a node, judged from its mode and owner (ACLs not seen). */
export interface NodeAccess {
  path: string
  ok: boolean
  why: string
  fix: readonly string[]
}

export interface GroupDiagnosis {
  id: number
  /** pids holding the group node or a member's cdev */
  holders: readonly number[]
  blockers: readonly Blocker[]
  isolation: Isolation | null
  /** The group node and the container node for the current process; null when the group has no node. */
  access: readonly NodeAccess[] | null
}

export interface OverrideWarning {
  kind: 'bound-elsewhere' | 'unbound' | 'differs'
  text: string
  fix: readonly string[]
}

export interface ResetPrediction {
  /** sysfs reset_method; null when absent (no function reset: the kernel cannot reset it on open). */
  methods: readonly string[] | null
  /** The method the kernel tries first when a VFIO user opens the device (and again on close). */
  onOpen: string | null
  /** Hot (bus/slot) reset from the topology: every device below the parent bridge; possible null when the topology is unknown. */
  hotReset: { possible: boolean | null; bridge: string | null; devices: readonly { address: string; group: number | null; driver: string | null }[] }
  /** Compared with VFIO_DEVICE_GET_PCI_HOT_RESET_INFO when the device was opened; null when not. */
  kernelAgrees: boolean | null
}

export interface Sriov {
  role: 'pf' | 'vf'
  totalVfs: number | null
  numVfs: number | null
  vfs: readonly string[]
  pf: string | null
  pfDriver: string | null
  vfTokenRequired: boolean
  text: string
}

export interface DeviceDiagnosis {
  address: string
  group: number | null
  override: OverrideWarning | null
  reset: ResetPrediction | null
  sriov: Sriov | null
  numa: { node: number | null; cpus: string | null }
  /** pids holding this device's cdev or a device fd that names it */
  holders: readonly number[]
}

export interface Diagnostics {
  self: Credentials | null
  readiness: Readiness
  holders: HolderScan
  groups: readonly GroupDiagnosis[]
  devices: readonly DeviceDiagnosis[]
  /** PCIe paths, ACS per hop, predicted grouping; absent when not gathered. */
  pcie?: PcieDiagnosis
}

export type VerdictKind =
  | 'ready'
  | 'other'
  | 'not-bound'
  | 'not-viable'
  | 'busy'
  | 'permission'
  | 'no-iommu'
  | 'noiommu-only'
  | 'unsafe-interrupts'
  | 'vf-token'
  | 'mdev-inactive'

export interface Reason {
  kind: VerdictKind
  /** The exit status this reason maps to (lsvfio(8), EXIT STATUS of check). */
  code: number
  text: string
  fix: readonly string[]
}

export interface Verdict {
  address: string
  group: number | null
  driver: string | null
  ready: boolean
  /** Every reason found, the one that decides the exit status first; empty when ready. */
  reasons: readonly Reason[]
  warnings: readonly string[]
  /** 'kernel' when --open confirmed it by opening the device, else predicted from sysfs and /proc. */
  source: 'predicted' | 'kernel'
}

export interface CheckReport {
  verdicts: readonly Verdict[]
  opened: boolean
  /** Host-wide warnings worth printing once (hidden holders, memlock). */
  warnings: readonly string[]
  exitCode: number
  /** The verdict kind behind exitCode: 'ready', a reason kind, or 'no-match'. */
  outcome: VerdictKind | 'no-match'
}
