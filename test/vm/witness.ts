// Parsers for the ground truth the guest writes (test/vm/guest/witness.sh): pciutils' lspci text and
// the sysfs dump witness.json. Nothing here is shared with lsvfio's own decoders on purpose.

import { readFile } from 'node:fs/promises'
import path from 'node:path'

// ------------------------------------------------------------------------------------------ lspci

export interface LspciRegion {
  /** BAR number 0-5; the expansion ROM is 6, as in VFIO's region indices */
  index: number
  kind: 'mem' | 'io' | 'rom'
  /** null for <unassigned>, <ignored>, <invalid-64bit-slot> */
  start: bigint | null
  /** null when lspci printed no [size=] */
  size: bigint | null
  is64: boolean
  prefetch: boolean
  /** memory/I/O decode off in COMMAND (ROM: enable bit clear) */
  disabled: boolean
  /** ROM enabled but COMMAND.Mem off */
  disabledByCmd: boolean
  /** known to the OS but not programmed in the device */
  virtual: boolean
  unassigned: boolean
  ignored: boolean
}

export interface LspciMsi {
  enabled: boolean
  /** vectors enabled now, and the maximum the device supports ("Count=1/4") */
  count: number
  max: number
  maskable: boolean
  is64: boolean
}

export interface LspciMsix {
  enabled: boolean
  /** table size */
  count: number
  masked: boolean
  table: { bar: number; offset: number } | null
  pba: { bar: number; offset: number } | null
}

export interface LspciCapability {
  offset: number
  extended: boolean
  /** extended capabilities print a version: "[100 v2]" */
  version: number | null
  /** capability ID from the config bytes (null when those bytes were not dumped) */
  id: number | null
  /** lspci's text after "] ", e.g. "MSI: Enable- Count=1/1 Maskable- 64bit+" */
  name: string
  /** indented continuation lines, raw */
  details: string[]
  msi?: LspciMsi
  msix?: LspciMsix
  express?: { version: number; type: string }
}

export interface LspciDevice {
  /** DDDD:BB:DD.F (lspci -D) */
  address: string
  /** 24-bit class code: base, sub, prog-if */
  classCode: number
  className: string
  vendorId: number
  deviceId: number
  revision: number
  subsystem: { vendorId: number; deviceId: number } | null
  driverInUse: string | null
  kernelModules: string[]
  iommuGroup: number | null
  physicalSlot: string | null
  command: { io: boolean; mem: boolean; busMaster: boolean } | null
  interrupt: { pin: string; irq: number } | null
  bus: { primary: number; secondary: number; subordinate: number } | null
  regions: LspciRegion[]
  /** null: "Capabilities: <access denied>" (lspci not run as root) */
  capabilities: LspciCapability[] | null
  /** bytes of the hex dump (64, 256 or 4096), empty without -x */
  config: Uint8Array
  /** lines this parser does not know, for debugging (empty on the captured fixtures) */
  other: string[]
}

const HEADER_RE =
  /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.*) \[([0-9a-f]{4})\]: (.*) \[([0-9a-f]{4}):([0-9a-f]{4})\]( \(rev ([0-9a-f]{2})\))?( \(prog-if ([0-9a-f]{2})(?: \[.*\])?\))?$/
/** lspci lines that are understood but carry nothing the comparisons need */
const KNOWN_UNINTERPRETED =
  /^(Status|Latency|Secondary status|BridgeCtl|DeviceName|I\/O behind bridge|Memory behind bridge|Prefetchable memory behind bridge|BIST result|Flags):? /
const SIZE_UNITS: Record<string, bigint> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n }

function parseSize(s: string): bigint | null {
  const m = /\[size=(\d+)([KMGT]?)\]/.exec(s)
  if (m === null) return null
  return BigInt(m[1] ?? '0') * (SIZE_UNITS[m[2] ?? ''] ?? 1n)
}

function hexOrNull(s: string): bigint | null {
  return /^[0-9a-f]+$/.test(s) ? BigInt(`0x${s}`) : null
}

/** "Region 2: Memory at e0000000 (64-bit, prefetchable) [size=256M]", "Expansion ROM at ... [disabled]" */
export function parseRegionLine(line: string): LspciRegion | null {
  let rest = line.trim()
  let index: number
  let virtual = false
  const region = /^Region (\d+): (.*)$/.exec(rest)
  if (region !== null) {
    index = Number(region[1])
    rest = region[2] ?? ''
  } else if (/^(\[virtual\] )?Expansion ROM at /.test(rest)) {
    index = 6
  } else {
    return null
  }
  // pciutils < 3.10 puts [virtual] first, later versions after the address
  if (rest.startsWith('[virtual] ')) {
    virtual = true
    rest = rest.slice('[virtual] '.length)
  }
  if (rest.includes('[virtual]')) virtual = true
  const addr = /^(Memory|I\/O ports|Expansion ROM) at (\S+)/.exec(rest)
  if (addr === null) return null
  const what = addr[1]
  const where = addr[2] ?? ''
  const kind = what === 'I/O ports' ? 'io' : what === 'Memory' ? 'mem' : 'rom'
  const mem = /\((32-bit|64-bit|low-1M|type 3), (non-)?prefetchable\)/.exec(rest)
  return {
    index,
    kind,
    start: hexOrNull(where),
    size: parseSize(rest),
    is64: mem?.[1] === '64-bit',
    prefetch: mem !== null && mem[2] === undefined,
    disabled: / \[disabled\]/.test(rest),
    disabledByCmd: rest.includes('[disabled by cmd]'),
    virtual,
    unassigned: where === '<unassigned>',
    ignored: where === '<ignored>',
  }
}

/** "Control: I/O+ Mem- ..." → whether NAME is followed by + */
function flag(text: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  return new RegExp(`(?:^|\\s)${esc}\\+`).test(text)
}

function parseCapHeader(line: string): Omit<LspciCapability, 'id' | 'details'> | null {
  const m = /^Capabilities: \[([0-9a-f]+)(?: v(\d+))?\] (.*)$/.exec(line.trim())
  if (m === null) return null
  const offset = parseInt(m[1] ?? '0', 16)
  const name = m[3] ?? ''
  const cap: Omit<LspciCapability, 'id' | 'details'> = {
    offset,
    extended: offset >= 0x100,
    version: m[2] === undefined ? null : Number(m[2]),
    name,
  }
  const msi = /^MSI: Enable([+-]) Count=(\d+)\/(\d+) Maskable([+-]) 64bit([+-])/.exec(name)
  if (msi !== null) {
    cap.msi = {
      enabled: msi[1] === '+',
      count: Number(msi[2]),
      max: Number(msi[3]),
      maskable: msi[4] === '+',
      is64: msi[5] === '+',
    }
  }
  const msix = /^MSI-X: Enable([+-]) Count=(\d+) Masked([+-])/.exec(name)
  if (msix !== null) {
    cap.msix = { enabled: msix[1] === '+', count: Number(msix[2]), masked: msix[3] === '+', table: null, pba: null }
  }
  const exp = /^Express \(v(\d+)\) (.*?)(, MSI [0-9a-f]+)?$/.exec(name)
  if (exp !== null) cap.express = { version: Number(exp[1]), type: exp[2] ?? '' }
  return cap
}

function parseHexdump(lines: readonly string[]): Uint8Array {
  const bytes: number[] = []
  for (const l of lines) {
    const m = /^([0-9a-f]{2,3}):((?: [0-9a-f]{2}){16})$/.exec(l)
    if (m === null) continue
    const at = parseInt(m[1] ?? '0', 16)
    if (at !== bytes.length) throw new Error(`hexdump gap at ${m[1]}: have ${bytes.length} bytes`)
    for (const b of (m[2] ?? '').trim().split(' ')) bytes.push(parseInt(b, 16))
  }
  return Uint8Array.from(bytes)
}

/** Capability IDs from config bytes: u8 at the offset, u16 for extended capabilities. */
export function fillCapabilityIds(dev: LspciDevice, config: Uint8Array = dev.config): void {
  for (const c of dev.capabilities ?? []) {
    if (c.extended) {
      const lo = config[c.offset]
      const hi = config[c.offset + 1]
      c.id = lo === undefined || hi === undefined ? null : lo | (hi << 8)
    } else {
      c.id = config[c.offset] ?? null
    }
  }
}

/** Parses `lspci -vvv -nn -k -D [-x…]` output (pciutils 3.9 wording) into one record per device. */
export function parseLspci(text: string): LspciDevice[] {
  const blocks = text.split(/\n(?=[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] )/)
  const out: LspciDevice[] = []
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l !== '')
    const head = lines[0]
    if (head === undefined) continue
    const h = HEADER_RE.exec(head)
    if (h === null) throw new Error(`not an lspci -nn -D device line: ${head}`)
    const dev: LspciDevice = {
      address: h[1] ?? '',
      classCode: (parseInt(h[3] ?? '0', 16) << 8) | parseInt(h[10] ?? '00', 16),
      className: h[2] ?? '',
      vendorId: parseInt(h[5] ?? '0', 16),
      deviceId: parseInt(h[6] ?? '0', 16),
      revision: parseInt(h[8] ?? '00', 16),
      subsystem: null,
      driverInUse: null,
      kernelModules: [],
      iommuGroup: null,
      physicalSlot: null,
      command: null,
      interrupt: null,
      bus: null,
      regions: [],
      capabilities: [],
      config: new Uint8Array(0),
      other: [],
    }
    const hexLines: string[] = []
    let cap: LspciCapability | null = null
    let lastTop = ''
    for (const line of lines.slice(1)) {
      if (/^[0-9a-f]{2,3}: /.test(line)) {
        hexLines.push(line)
        continue
      }
      if (line.startsWith('\t\t')) {
        if (cap !== null) {
          const d = line.trim()
          cap.details.push(d)
          const vt = /^(Vector table|PBA): BAR=(\d+) offset=([0-9a-f]+)/.exec(d)
          if (vt !== null && cap.msix !== undefined) {
            const loc = { bar: Number(vt[2]), offset: parseInt(vt[3] ?? '0', 16) }
            if (vt[1] === 'PBA') cap.msix.pba = loc
            else cap.msix.table = loc
          }
        } else if (!KNOWN_UNINTERPRETED.test(lastTop)) {
          dev.other.push(line)
        }
        continue
      }
      const l = line.trim()
      lastTop = l
      cap = null
      let m: RegExpExecArray | null
      if ((m = /^Subsystem: .*\[([0-9a-f]{4}):([0-9a-f]{4})\]$/.exec(l)) !== null) {
        dev.subsystem = { vendorId: parseInt(m[1] ?? '0', 16), deviceId: parseInt(m[2] ?? '0', 16) }
      } else if ((m = /^Kernel driver in use: (\S+)$/.exec(l)) !== null) {
        dev.driverInUse = m[1] ?? null
      } else if ((m = /^Kernel modules: (.*)$/.exec(l)) !== null) {
        dev.kernelModules = (m[1] ?? '').split(', ')
      } else if ((m = /^IOMMU group: (\d+)$/.exec(l)) !== null) {
        dev.iommuGroup = Number(m[1])
      } else if ((m = /^Physical Slot: (.*)$/.exec(l)) !== null) {
        dev.physicalSlot = m[1] ?? null
      } else if (l.startsWith('Control: ')) {
        dev.command = { io: flag(l, 'I/O'), mem: flag(l, 'Mem'), busMaster: flag(l, 'BusMaster') }
      } else if ((m = /^Interrupt: pin (.) routed to IRQ (\d+)$/.exec(l)) !== null) {
        dev.interrupt = { pin: m[1] ?? '?', irq: Number(m[2]) }
      } else if ((m = /^Bus: primary=([0-9a-f]{2}), secondary=([0-9a-f]{2}), subordinate=([0-9a-f]{2})/.exec(l)) !== null) {
        dev.bus = { primary: parseInt(m[1] ?? '0', 16), secondary: parseInt(m[2] ?? '0', 16), subordinate: parseInt(m[3] ?? '0', 16) }
      } else if (l === 'Capabilities: <access denied>') {
        dev.capabilities = null
      } else if (l.startsWith('Capabilities: [')) {
        const c = parseCapHeader(l)
        if (c === null) throw new Error(`${dev.address}: unparsed capability line: ${l}`)
        cap = { ...c, id: null, details: [] }
        dev.capabilities?.push(cap)
      } else {
        const r = parseRegionLine(l)
        if (r !== null) dev.regions.push(r)
        else if (!KNOWN_UNINTERPRETED.test(l)) dev.other.push(line)
      }
    }
    dev.config = parseHexdump(hexLines)
    fillCapabilityIds(dev)
    out.push(dev)
  }
  return out
}

/** lspci.txt (-xxx) with config and extended capability IDs completed from lspci-xxxx.txt */
export async function loadLspci(outDir: string): Promise<LspciDevice[]> {
  const devs = parseLspci(await readFile(path.join(outDir, 'lspci.txt'), 'utf8'))
  let full: LspciDevice[] = []
  try {
    full = parseLspci(await readFile(path.join(outDir, 'lspci-xxxx.txt'), 'utf8'))
  } catch {
    return devs
  }
  for (const d of devs) {
    const f = full.find((x) => x.address === d.address)
    if (f !== undefined && f.config.length > d.config.length) {
      d.config = f.config
      fillCapabilityIds(d)
    }
  }
  return devs
}

// ------------------------------------------------------------------------------------------ sysfs

/** include/linux/ioport.h */
export const IORESOURCE = {
  IO: 0x100,
  MEM: 0x200,
  PREFETCH: 0x2000,
  READONLY: 0x4000,
  MEM_64: 0x100000,
  DISABLED: 0x10000000,
  UNSET: 0x20000000,
  /** PCI ROM: bit 0 of the flags = ROM enable */
  ROM_ENABLE: 0x1,
} as const

export interface SysfsResource {
  /** line number: 0-5 BARs, 6 ROM, then SR-IOV BARs or bridge windows */
  index: number
  start: bigint
  end: bigint
  flags: number
  /** end - start + 1, or 0 for an empty line */
  size: bigint
  kind: 'mem' | 'io' | 'none'
  prefetch: boolean
  is64: boolean
  disabled: boolean
  unset: boolean
}

/** One line of /sys/bus/pci/devices/X/resource: "0x<start> 0x<end> 0x<flags>". */
export function parseSysfsResourceLine(line: string, index: number): SysfsResource {
  const m = /^0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+)$/.exec(line.trim())
  if (m === null) throw new Error(`not a sysfs resource line: ${line}`)
  const start = BigInt(`0x${m[1] ?? '0'}`)
  const end = BigInt(`0x${m[2] ?? '0'}`)
  const flags = Number(BigInt(`0x${m[3] ?? '0'}`) & 0xffffffffn)
  const empty = start === 0n && end === 0n
  return {
    index,
    start,
    end,
    flags,
    size: empty ? 0n : end - start + 1n,
    kind: flags & IORESOURCE.IO ? 'io' : flags & IORESOURCE.MEM ? 'mem' : 'none',
    prefetch: (flags & IORESOURCE.PREFETCH) !== 0,
    is64: (flags & IORESOURCE.MEM_64) !== 0,
    disabled: (flags & IORESOURCE.DISABLED) !== 0,
    unset: (flags & IORESOURCE.UNSET) !== 0,
  }
}

export function parseSysfsResource(text: string): SysfsResource[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => parseSysfsResourceLine(l, i))
}

// ------------------------------------------------------------------------------------------ witness.json

/** witness.json as witness.mjs writes it (raw sysfs text; { error } where a read failed) */
type Raw = string | { error: string } | null

interface RawDevice {
  address: string
  sysfsPath: string
  parent: string
  vendor: Raw
  device: Raw
  subsystemVendor: Raw
  subsystemDevice: Raw
  class: Raw
  revision: Raw
  driver: string | null
  driverOverride: Raw
  iommuGroup: string | null
  iommu?: string | null
  resetMethod: Raw
  irq: Raw
  enable: Raw
  resource: string[] | { error: string } | null
  resourceFiles: string[]
  msiIrqs: { irq: string; mode: Raw }[] | null
  numaNode?: Raw
  config: string | { error: string } | null
}

export interface DevNode {
  name: string
  type: 'char' | 'dir' | 'link' | 'other'
  mode: string
  uid: number
  gid: number
  rdev: string | null
}

interface RawWitness {
  witnessVersion: number
  kernel: { release: string; cmdline: Raw }
  modules: string[]
  moduleParams: Record<string, Record<string, Raw>>
  devices: RawDevice[]
  iommuGroups: { id: number; type: Raw; devices: string[]; reservedRegions: string[] | { error: string } | null }[]
  devVfio: DevNode[] | null
  devVfioDevices: DevNode[] | null
  devIommu: DevNode | null
  iommufd?: { sysModule: boolean; moduleFile: boolean }
  iommus?: { name: string; cap: Raw; ecap: Raw }[]
}

export interface WitnessDevice {
  address: string
  /** parent bridge BDF, or null on a root bus */
  parent: string | null
  vendorId: number
  deviceId: number
  subsystemVendorId: number | null
  subsystemDeviceId: number | null
  classCode: number
  revision: number | null
  driver: string | null
  driverOverride: string | null
  iommuGroup: number | null
  /** the IOMMU unit (dmar0 …); undefined in witnesses that predate it */
  iommu: string | null | undefined
  /** sysfs reset_method, split; [] when the attribute is absent (no method) */
  resetMethods: string[]
  irq: number | null
  resources: SysfsResource[]
  resourceFiles: string[]
  msiIrqs: { irq: number; mode: string }[]
  /** sysfs numa_node as the kernel prints it ("-1": none); undefined in witnesses that predate it */
  numaNode: string | null | undefined
  /** 256 or 4096 bytes as root reads them */
  config: Uint8Array | null
}

export interface WitnessGroup {
  id: number
  type: string | null
  devices: string[]
  reservedRegions: { start: bigint; end: bigint; type: string }[]
}

export interface Witness {
  kernelRelease: string
  cmdline: string
  modules: string[]
  moduleParams: Record<string, Record<string, string>>
  devices: WitnessDevice[]
  groups: WitnessGroup[]
  devVfio: DevNode[]
  devVfioDevices: DevNode[] | null
  devIommu: DevNode | null
  /** undefined in witnesses that predate it */
  iommufd: { sysModule: boolean; moduleFile: boolean } | undefined
  /** IOMMU units with the VT-d CAP/ECAP sysfs shows (null: not VT-d); undefined in older witnesses */
  iommus: { name: string; cap: bigint | null; ecap: bigint | null }[] | undefined
}

function str(v: Raw): string | null {
  return typeof v === 'string' ? v : null
}
function num(v: Raw): number | null {
  const s = str(v)
  return s === null || s === '' ? null : Number(s)
}

/** Typed view of witness.json. */
export function parseWitness(json: string): Witness {
  const raw = JSON.parse(json) as RawWitness
  if (raw.witnessVersion !== 1) throw new Error(`witness.json version ${raw.witnessVersion}, expected 1`)
  const devices = raw.devices.map((d): WitnessDevice => {
    const override = str(d.driverOverride)
    const reset = str(d.resetMethod)
    const res = Array.isArray(d.resource) ? d.resource : []
    return {
      address: d.address,
      parent: /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(d.parent) ? d.parent : null,
      vendorId: num(d.vendor) ?? -1,
      deviceId: num(d.device) ?? -1,
      subsystemVendorId: num(d.subsystemVendor),
      subsystemDeviceId: num(d.subsystemDevice),
      classCode: num(d.class) ?? -1,
      revision: num(d.revision),
      driver: d.driver,
      driverOverride: override === '(null)' ? null : override,
      iommuGroup: d.iommuGroup === null ? null : Number(d.iommuGroup),
      iommu: d.iommu,
      resetMethods: reset === null || reset === '' ? [] : reset.split(' '),
      irq: num(d.irq),
      resources: res.map((l, i) => parseSysfsResourceLine(l, i)),
      resourceFiles: d.resourceFiles,
      msiIrqs: (d.msiIrqs ?? []).map((m) => ({ irq: Number(m.irq), mode: str(m.mode) ?? '?' })),
      numaNode: d.numaNode === undefined ? undefined : str(d.numaNode),
      config: typeof d.config === 'string' ? Uint8Array.from(Buffer.from(d.config, 'hex')) : null,
    }
  })
  const groups = raw.iommuGroups.map(
    (g): WitnessGroup => ({
      id: g.id,
      type: str(g.type),
      devices: g.devices,
      reservedRegions: (Array.isArray(g.reservedRegions) ? g.reservedRegions : []).map((l) => {
        const [s, e, t] = l.split(' ')
        return { start: BigInt(s ?? '0'), end: BigInt(e ?? '0'), type: t ?? '' }
      }),
    }),
  )
  const params: Record<string, Record<string, string>> = {}
  for (const [m, ps] of Object.entries(raw.moduleParams)) {
    params[m] = Object.fromEntries(Object.entries(ps).map(([k, v]) => [k, str(v) ?? '']))
  }
  return {
    kernelRelease: raw.kernel.release,
    cmdline: str(raw.kernel.cmdline) ?? '',
    modules: raw.modules,
    moduleParams: params,
    devices,
    groups,
    devVfio: raw.devVfio ?? [],
    devVfioDevices: raw.devVfioDevices,
    devIommu: raw.devIommu,
    iommufd: raw.iommufd,
    iommus: raw.iommus?.map((u) => ({ name: u.name, cap: hexReg(u.cap), ecap: hexReg(u.ecap) })),
  }
}

/** intel-iommu's cap/ecap attributes: "%llx" */
function hexReg(v: Raw): bigint | null {
  const s = str(v)
  return s !== null && /^[0-9a-f]+$/.test(s) ? BigInt(`0x${s}`) : null
}

export async function loadWitness(outDir: string): Promise<Witness> {
  return parseWitness(await readFile(path.join(outDir, 'witness.json'), 'utf8'))
}

export interface LsEntry {
  mode: string
  uid: number
  gid: number
  major: number | null
  minor: number | null
  name: string
}

/** `ls -ln /dev/vfio` (GNU coreutils): "crw------- 1 0 0 245,   0 Nov 24 07:14 1" */
export function parseDevVfioListing(text: string): LsEntry[] {
  const out: LsEntry[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('total ')) continue
    const m = /^(\S{10})\S?\s+\d+\s+(\d+)\s+(\d+)\s+(?:(\d+),\s*(\d+)|\d+)\s+\S+\s+\d+\s+\S+\s+(.+)$/.exec(line)
    if (m === null) throw new Error(`not an ls -ln line: ${line}`)
    out.push({
      mode: m[1] ?? '',
      uid: Number(m[2]),
      gid: Number(m[3]),
      major: m[4] === undefined ? null : Number(m[4]),
      minor: m[5] === undefined ? null : Number(m[5]),
      name: m[6] ?? '',
    })
  }
  return out
}

/** IOMMU group number → member BDFs, from the witness */
export function groupMembers(w: Witness): Map<number, string[]> {
  return new Map(w.groups.map((g) => [g.id, g.devices]))
}
