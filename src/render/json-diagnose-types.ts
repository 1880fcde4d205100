// DTO types of the diagnostics in --json (schema/lsvfio.schema.json, $defs/diagnostics) and of the
// `lsvfio check --json` document (schema/lsvfio-check.schema.json). Byte counts are u64 hex strings.
import type { FindingLevel, HeldKind, VerdictKind } from '../model/diagnostics.js'
import type { AcsFlag, BreakKind, PortType } from '../model/pcie.js'

type U64 = string

export interface JsonMemlock {
  soft: U64 | null
  hard: U64 | null
}

export interface JsonCredentials {
  pid: number | null
  uid: number
  gid: number
  groups: number[]
  user: string | null
  capabilities: { dacOverride: boolean; sysRawio: boolean; ipcLock: boolean }
  memlock: JsonMemlock | null
}

export interface JsonHolder {
  pid: number
  comm: string | null
  uid: number | null
  user: string | null
  vmName: string | null
  fds: { fd: number; target: string; kind: HeldKind; group: number | null; device: string | null }[]
  memlock: JsonMemlock | null
  vmLck: U64 | null
  vmPin: U64 | null
  ipcLock: boolean | null
}

export interface JsonFinding {
  id: string
  level: FindingLevel
  text: string
  fix: string[]
}

export interface JsonReadiness {
  iommu: { enabled: boolean; instances: string[]; cmdline: string[] }
  interruptRemapping: { state: 'enabled' | 'disabled' | 'unknown'; evidence: string; allowUnsafeType1: boolean | null; allowUnsafeIommufd: boolean | null }
  noiommu: { available: boolean; enabled: boolean | null; nodes: string[] }
  modules: { loaded: string[]; missing: string[] }
  iommufd: { loaded: boolean; node: boolean }
  cdev: 'available' | 'unavailable' | 'unknown'
  findings: JsonFinding[]
  arm64?: JsonArm64Readiness
}

export interface JsonArm64Readiness {
  firmware: 'acpi' | 'devicetree' | 'unknown'
  iort: boolean | null
  smmus: { name: string; version: 'v3' | 'v1/v2' | null; device: string | null; driver: string | null }[]
  smmuDrivers: string[] | null
  msiControllers: { kind: 'its' | 'gicv2m' | 'other'; name: string; source: '/proc/interrupts' | 'device tree'; isolated: boolean }[]
  passthrough: boolean | null
}

export interface JsonNodeAccess {
  path: string
  ok: boolean
  why: string
  fix: string[]
}

export interface JsonGroupDiagnosis {
  id: number
  holders: number[]
  blockers: { address: string; driver: string; fix: string[] }[]
  isolation: {
    reason: 'multifunction' | 'behind-bridge' | 'no-acs'
    text: string
    bridge: string | null
    devices: string[]
    link?: JsonIsolationBreak
    predicted?: { members: string[]; agrees: boolean }
  } | null
  access: JsonNodeAccess[] | null
}

export interface JsonDeviceDiagnosis {
  address: string
  group: number | null
  override: { kind: 'bound-elsewhere' | 'unbound' | 'differs'; text: string; fix: string[] } | null
  reset: {
    methods: string[] | null
    onOpen: string | null
    hotReset: { possible: boolean | null; bridge: string | null; devices: { address: string; group: number | null; driver: string | null }[] }
    kernelAgrees: boolean | null
  } | null
  sriov: {
    role: 'pf' | 'vf'
    totalVfs: number | null
    numVfs: number | null
    vfs: string[]
    pf: string | null
    pfDriver: string | null
    vfTokenRequired: boolean
    text: string
  } | null
  numa: { node: number | null; cpus: string | null }
  holders: number[]
}

export interface JsonDiagnostics {
  self: JsonCredentials | null
  readiness: JsonReadiness
  holders: { holders: JsonHolder[]; scanned: number; hidden: number }
  groups: JsonGroupDiagnosis[]
  devices: JsonDeviceDiagnosis[]
  pcie?: JsonPcieDiagnosis
}

export interface JsonAcs {
  offset: number
  cap: number
  ctrl: number
  capable: AcsFlag[]
  enabled: AcsFlag[]
}

export interface JsonPcieHop {
  address: string
  type: PortType | null
  acs: JsonAcs | null
  isolates: boolean | null
  note: string
}

export interface JsonIsolationBreak {
  at: string | null
  kind: BreakKind
  text: string
  split: { kind: 'other-slot' | 'firmware' | 'nothing' | 'unknown'; text: string }
}

export interface JsonPcieDiagnosis {
  paths: { address: string; hops: JsonPcieHop[]; owner: string | null }[]
  prediction: { devices: number; groups: number; agree: number; mismatches: { address: string; predicted: string[]; kernel: string[] }[] } | null
  unpredicted: string | null
  override: { param: string; text: string } | null
}

export const CHECK_SCHEMA_VERSION = 1 as const

export interface JsonReason {
  kind: VerdictKind
  code: number
  text: string
  fix: string[]
}

export interface JsonVerdict {
  address: string
  group: number | null
  driver: string | null
  ready: boolean
  reasons: JsonReason[]
  warnings: string[]
  source: 'predicted' | 'kernel'
}

export interface JsonCheckDocument {
  schemaVersion: typeof CHECK_SCHEMA_VERSION
  kind: 'check'
  tool: { name: 'lsvfio'; version: string }
  /** The host this run read; null for a replay (--from) or a --sysfs-root tree (additive, optional). */
  hostname?: string | null
  /** When the run gathered, ISO 8601 UTC (additive, optional). */
  time?: string
  argv: string[] | null
  opened: boolean
  exitCode: number
  outcome: VerdictKind | 'no-match'
  verdicts: JsonVerdict[]
  warnings: string[]
  self: JsonCredentials | null
  readiness: JsonReadiness | null
  holders: JsonHolder[]
}
