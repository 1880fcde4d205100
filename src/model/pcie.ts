// The PCIe path of a device up to its root port, each hop's ACS (Access Control Services) state, and
// the IOMMU grouping predicted from them the way the kernel groups (pci_device_group), compared with
// the kernel's groups. Plain data.

/** PCIe port type from the PCI Express capability; 'conventional' without one (PCI/PCI-X). */
export type PortType =
  | 'endpoint'
  | 'legacy-endpoint'
  | 'rc-endpoint'
  | 'rc-event-collector'
  | 'root-port'
  | 'upstream-port'
  | 'downstream-port'
  | 'pcie-to-pci-bridge'
  | 'pci-to-pcie-bridge'
  | 'conventional'
  | 'other'

/** ACS control bits, named as lspci names them (ACSCap/ACSCtl). */
export type AcsFlag = 'SV' | 'TB' | 'RR' | 'CR' | 'UF' | 'EC' | 'DT'

export interface AcsState {
  /** Offset of the ACS extended capability in config space. */
  offset: number
  /** Raw ACS Capability and Control registers. */
  cap: number
  ctrl: number
  capable: readonly AcsFlag[]
  enabled: readonly AcsFlag[]
}

/** One PCI function as the grouping rule sees it, from sysfs alone. */
export interface PcieNode {
  address: string
  /** The bridge above (the kernel's bus->self); null on a root bus. */
  parent: string | null
  vendorId: number
  deviceId: number
  /** Header type 1: a PCI-to-PCI bridge or a PCIe port. */
  bridge: boolean
  multifunction: boolean
  /** null when config space past the first 64 bytes is unreadable (not root): type and ACS unknown. */
  type: PortType | null
  /** null: no ACS capability (or unknown when type is null). */
  acs: AcsState | null
  /** The kernel's IOMMU group; null when in none. */
  group: number | null
}

/** What the gathering hands the judgement: every PCI function, and the kernel command line. */
export interface PcieFacts {
  nodes: ReadonlyMap<string, PcieNode>
  /** Functions in sysfs whose config space could not be read at all (a snapshot without it). */
  unreadable: number
  cmdline: string | null
}

/** One hop of a device's path: the device itself first, then each bridge up to the root bus. */
export interface PcieHop {
  address: string
  type: PortType | null
  acs: AcsState | null
  /** Whether the kernel's ACS test (pci_acs_enabled with SV|RR|CR|UF) passes here; null when unknown. */
  isolates: boolean | null
  /** Why, in a few words: "ACS SV+ RR+ CR+ UF+", "no ACS capability", "RR CR capable but disabled" … */
  note: string
}

export type BreakKind = 'no-acs' | 'acs-disabled' | 'pcie-to-pci' | 'conventional' | 'multifunction' | 'unknown'

/** Where isolation stops for a group, and what would split it. */
export interface IsolationBreak {
  /** The bridge or function where isolation stops; null when unknown. */
  at: string | null
  kind: BreakKind
  text: string
  split: { kind: 'other-slot' | 'firmware' | 'nothing' | 'unknown'; text: string }
}

export interface DevicePath {
  address: string
  hops: readonly PcieHop[]
  /** The function whose group this device joins (the kernel's pdev after the alias and ACS walks). */
  owner: string | null
}

export interface GroupMismatch {
  address: string
  predicted: readonly string[]
  kernel: readonly string[]
}

export interface GroupingPrediction {
  /** PCI functions in an IOMMU group that were predicted. */
  devices: number
  /** Kernel groups holding PCI functions. */
  groups: number
  /** Functions whose predicted group has exactly the kernel's members. */
  agree: number
  mismatches: readonly GroupMismatch[]
}

export interface PcieDiagnosis {
  /** Paths of the devices shown (all members of shared groups, every device on -v). */
  paths: readonly DevicePath[]
  /** null when config space is unreadable (not root) or there are no IOMMU groups. */
  prediction: GroupingPrediction | null
  /** Why no prediction was made, when none was. */
  unpredicted: string | null
  /** pcie_acs_override= on the kernel command line: isolation claimed, not enforced. */
  override: { param: string; text: string } | null
}
