// PCI config space through the VFIO CONFIG region: vfio-pci's virtualized view. Marks which ranges are
// emulated (from what vfio-pci virtualizes) or differ from the device's own config as sysfs shows it.
import type { Vfio } from '../kernel/vfio.js'
import type { ConfigSpace, Probe, Region } from '../model/types.js'

type Range = ConfigSpace['virtualized'][number]

// Header fields vfio-pci emulates for every device (drivers/vfio/pci/vfio_pci_config.c).
const HEADER: readonly Range[] = [
  { offset: 0x04, size: 4, what: 'command/status (emulated bits)' },
  { offset: 0x10, size: 24, what: 'BARs (emulated)' },
  { offset: 0x30, size: 4, what: 'expansion ROM BAR (emulated)' },
  { offset: 0x3c, size: 2, what: 'interrupt line/pin (emulated)' },
]

// Capabilities whose registers vfio-pci emulates: id → (name, length of the emulated part).
const CAPS: Readonly<Record<number, { name: string; size: number }>> = {
  0x01: { name: 'power management', size: 8 },
  0x05: { name: 'MSI', size: 24 },
  0x10: { name: 'PCI Express', size: 60 },
  0x11: { name: 'MSI-X', size: 4 },
}

/** Walks the standard capability list (bounded, loop-checked like lspci's been_there[]). */
export function capList(bytes: Uint8Array): { offset: number; id: number }[] {
  const out: { offset: number; id: number }[] = []
  if (bytes.length < 0x40 || ((bytes[6] ?? 0) & 0x10) === 0) return out
  const seen = new Set<number>()
  let p = (bytes[0x34] ?? 0) & 0xfc
  while (p >= 0x40 && p + 1 < bytes.length && !seen.has(p)) {
    seen.add(p)
    out.push({ offset: p, id: bytes[p] ?? 0 })
    p = (bytes[p + 1] ?? 0) & 0xfc
  }
  return out
}

function diffRanges(a: Uint8Array, b: Uint8Array): Range[] {
  const out: Range[] = []
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue
    const last = out[out.length - 1]
    if (last !== undefined && last.offset + last.size === i) last.size++
    else out.push({ offset: i, size: 1, what: 'differs from the device (sysfs config)' })
  }
  return out
}

export function virtualized(bytes: Uint8Array, sysfs: Uint8Array | null): Range[] {
  const list = capList(bytes)
  const starts = list.map((c) => c.offset).sort((a, b) => a - b)
  const caps = list.flatMap((c) => {
    const k = CAPS[c.id]
    // A capability ends where the next one (in address order) begins.
    const next = starts.find((o) => o > c.offset) ?? bytes.length
    return k === undefined ? [] : [{ offset: c.offset, size: Math.min(k.size, next - c.offset, bytes.length - c.offset), what: `${k.name} capability (emulated)` }]
  })
  const known = [...HEADER.filter((r) => r.offset < bytes.length), ...caps]
  const diff = sysfs === null ? [] : diffRanges(bytes, sysfs).filter((d) => !known.some((k) => d.offset >= k.offset && d.offset + d.size <= k.offset + k.size))
  return [...known, ...diff].sort((x, y) => x.offset - y.offset)
}

/** Reads up to `length` bytes of the CONFIG region (never past its size). */
export function readConfig(v: Vfio, fd: number, region: Region, length: number, sysfs: Uint8Array | null, path: string): Probe<ConfigSpace> {
  const n = Number(region.size < BigInt(length) ? region.size : BigInt(length))
  const r = v.read(fd, region.offset, n, `pread CONFIG ${n} bytes`, path)
  if (!r.ok) return r
  return { ok: true, value: { bytes: r.value, virtualized: virtualized(r.value, sysfs) } }
}
