// Diagnostics and check reports → their JSON DTOs (json-diagnose-types.ts). Pure.
import type { CheckReport, Credentials, Diagnostics, Holder, Isolation, Memlock, Readiness, Verdict } from '../model/diagnostics.js'
import type { AcsState, PcieDiagnosis } from '../model/pcie.js'
import {
  CHECK_SCHEMA_VERSION,
  type JsonCheckDocument,
  type JsonAcs,
  type JsonCredentials,
  type JsonGroupDiagnosis,
  type JsonPcieDiagnosis,
  type JsonDiagnostics,
  type JsonHolder,
  type JsonMemlock,
  type JsonReadiness,
  type JsonVerdict,
} from './json-diagnose-types.js'

export * from './json-diagnose-types.js'

const hex = (n: bigint): string => `0x${BigInt.asUintN(64, n).toString(16)}`
const opt = (n: bigint | null): string | null => (n === null ? null : hex(n))
const memlock = (m: Memlock | null): JsonMemlock | null => (m === null ? null : { soft: opt(m.soft), hard: opt(m.hard) })

export function jsonCredentials(c: Credentials | null): JsonCredentials | null {
  if (c === null) return null
  return { pid: c.pid, uid: c.uid, gid: c.gid, groups: [...c.groups], user: c.user, capabilities: { ...c.capabilities }, memlock: memlock(c.memlock) }
}

export function jsonHolder(h: Holder): JsonHolder {
  return {
    pid: h.pid,
    comm: h.comm,
    uid: h.uid,
    user: h.user,
    vmName: h.vmName,
    fds: h.fds.map((f) => ({ fd: f.fd, target: f.target, kind: f.kind, group: f.group, device: f.device })),
    memlock: memlock(h.memlock),
    vmLck: opt(h.vmLck),
    vmPin: opt(h.vmPin),
    ipcLock: h.ipcLock,
  }
}

export function jsonReadiness(r: Readiness): JsonReadiness {
  return {
    iommu: { enabled: r.iommu.enabled, instances: [...r.iommu.instances], cmdline: [...r.iommu.cmdline] },
    interruptRemapping: { ...r.interruptRemapping },
    noiommu: { available: r.noiommu.available, enabled: r.noiommu.enabled, nodes: [...r.noiommu.nodes] },
    modules: { loaded: [...r.modules.loaded], missing: [...r.modules.missing] },
    iommufd: { ...r.iommufd },
    cdev: r.cdev,
    findings: r.findings.map((f) => ({ id: f.id, level: f.level, text: f.text, fix: [...f.fix] })),
    ...(r.arm64 === undefined
      ? {}
      : {
          arm64: {
            firmware: r.arm64.firmware,
            iort: r.arm64.iort,
            smmus: r.arm64.smmus.map((s) => ({ ...s })),
            smmuDrivers: r.arm64.smmuDrivers === null ? null : [...r.arm64.smmuDrivers],
            msiControllers: r.arm64.msiControllers.map((c) => ({ ...c })),
            passthrough: r.arm64.passthrough,
          },
        }),
  }
}

function jsonIsolation(i: Isolation): NonNullable<JsonGroupDiagnosis['isolation']> {
  const { link, predicted, ...rest } = i
  return {
    ...rest,
    devices: [...i.devices],
    ...(link === undefined ? {} : { link: { ...link, split: { ...link.split } } }),
    ...(predicted === undefined ? {} : { predicted: { members: [...predicted.members], agrees: predicted.agrees } }),
  }
}

const jsonAcs = (a: AcsState | null): JsonAcs | null => (a === null ? null : { ...a, capable: [...a.capable], enabled: [...a.enabled] })

function jsonPcie(p: PcieDiagnosis): JsonPcieDiagnosis {
  return {
    paths: p.paths.map((x) => ({ address: x.address, hops: x.hops.map((h) => ({ ...h, acs: jsonAcs(h.acs) })), owner: x.owner })),
    prediction: p.prediction === null ? null : { ...p.prediction, mismatches: p.prediction.mismatches.map((m) => ({ address: m.address, predicted: [...m.predicted], kernel: [...m.kernel] })) },
    unpredicted: p.unpredicted,
    override: p.override === null ? null : { ...p.override },
  }
}

export function jsonDiagnostics(d: Diagnostics): JsonDiagnostics {
  return {
    self: jsonCredentials(d.self),
    readiness: jsonReadiness(d.readiness),
    holders: { holders: d.holders.holders.map(jsonHolder), scanned: d.holders.scanned, hidden: d.holders.hidden },
    groups: d.groups.map((g) => ({
      id: g.id,
      holders: [...g.holders],
      blockers: g.blockers.map((b) => ({ address: b.address, driver: b.driver, fix: [...b.fix] })),
      isolation: g.isolation === null ? null : jsonIsolation(g.isolation),
      access: g.access === null ? null : g.access.map((a) => ({ path: a.path, ok: a.ok, why: a.why, fix: [...a.fix] })),
    })),
    devices: d.devices.map((x) => ({
      address: x.address,
      group: x.group,
      override: x.override === null ? null : { kind: x.override.kind, text: x.override.text, fix: [...x.override.fix] },
      reset:
        x.reset === null
          ? null
          : {
              methods: x.reset.methods === null ? null : [...x.reset.methods],
              onOpen: x.reset.onOpen,
              hotReset: { possible: x.reset.hotReset.possible, bridge: x.reset.hotReset.bridge, devices: x.reset.hotReset.devices.map((e) => ({ ...e })) },
              kernelAgrees: x.reset.kernelAgrees,
            },
      sriov: x.sriov === null ? null : { ...x.sriov, vfs: [...x.sriov.vfs] },
      numa: { ...x.numa },
      holders: [...x.holders],
    })),
    ...(d.pcie === undefined ? {} : { pcie: jsonPcie(d.pcie) }),
  }
}

const verdict = (v: Verdict): JsonVerdict => ({
  address: v.address,
  group: v.group,
  driver: v.driver,
  ready: v.ready,
  reasons: v.reasons.map((r) => ({ kind: r.kind, code: r.code, text: r.text, fix: [...r.fix] })),
  warnings: [...v.warnings],
  source: v.source,
})

export function toCheckJson(r: CheckReport, d: Diagnostics | undefined, meta: { version: string; argv?: string[]; hostname?: string | null | undefined; now?: Date | undefined }): JsonCheckDocument {
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    kind: 'check',
    tool: { name: 'lsvfio', version: meta.version },
    ...(meta.hostname !== undefined ? { hostname: meta.hostname } : {}),
    ...(meta.now !== undefined ? { time: meta.now.toISOString() } : {}),
    argv: meta.argv === undefined ? null : [...meta.argv],
    opened: r.opened,
    exitCode: r.exitCode,
    outcome: r.outcome,
    verdicts: r.verdicts.map(verdict),
    warnings: [...r.warnings],
    self: jsonCredentials(d?.self ?? null),
    readiness: d === undefined ? null : jsonReadiness(d.readiness),
    holders: d === undefined ? [] : d.holders.holders.map(jsonHolder),
  }
}
