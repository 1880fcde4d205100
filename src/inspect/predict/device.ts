// The whole prediction for one vfio-pci device: VFIO_DEVICE_GET_INFO's flags and counts, the regions and
// the IRQs, from sysfs alone. Only devices bound to vfio-pci itself: a variant driver answers its own way.
import type { Device, PredictedView } from '../../model/types.js'
import type { FsReader } from '../fs.js'
import { readDeviceFacts, type BusCensus, type DeviceFacts, type HostFacts } from './facts.js'
import { predictIrqs } from './irqs.js'
import { predictNumRegions, predictRegions, type SmallBars } from './regions.js'

/** PCI_EXP_DEVCAP2_ATOMIC_COMP32/64/128 */
const ATOMIC_COMP = 0x80 | 0x100 | 0x200

/** The reset pci_try_reset_function() does at open: the first method of reset_method that works.
 * null: none works (no RESET flag); undefined: sysfs cannot tell. */
export function resetAtOpen(methods: readonly string[] | null, f: DeviceFacts, why: string[]): string | null | undefined {
  for (const m of methods ?? []) {
    if (m === 'flr' || m === 'af_flr' || m === 'pm' || m === 'device_specific' || m === 'acpi') return m
    if (m === 'bus') {
      // pci_parent_bus_reset(): not on a root bus, and only a device alone on its bus (the list in
      // reset_method was probed when the device appeared, maybe before its siblings).
      if (f.rootBus === null || f.busSiblings === null) return void why.push('reset: the bus siblings are not readable')
      if (!f.rootBus && f.busSiblings === 0) return m
      continue
    }
    // reset_method is a host string: shown only as a plain name.
    return void why.push(/^[a-z0-9_]{1,32}$/.test(m) ? `reset: method "${m}" is not predicted` : 'reset: an unknown method is not predicted')
  }
  return null
}

export function predictDevice(fs: FsReader, d: Device, h: HostFacts, others: SmallBars, census: BusCensus = new Map()): PredictedView | undefined {
  if (d.bus !== 'pci' || d.pci === null || d.driver !== 'vfio-pci' || d.bridge) return undefined
  const f = readDeviceFacts(fs, d, census)
  const why: string[] = []
  const flags: Record<string, boolean> = { pci: true }
  const reset = resetAtOpen(d.resetMethods, f, why)
  if (reset !== undefined) flags['reset'] = reset !== null
  // CAPS: only the AtomicOp completer capability on x86 (6.12+), which needs the device's completer bits.
  const devCap2 = f.config?.pcie?.devCap2
  if (f.config !== null && (f.config.pcie === null || (devCap2 !== null && devCap2 !== undefined && (devCap2 & ATOMIC_COMP) === 0)) && f.virtfn === false) flags['caps'] = false
  else why.push('caps flag: depends on AtomicOp routing to the root port')
  const numRegions = predictNumRegions(d, why)
  return {
    flags,
    ...(reset === undefined ? {} : { resetMethod: reset }),
    ...(numRegions === undefined ? {} : { numRegions }),
    numIrqs: 5,
    regions: predictRegions(d, f, h, others, why),
    irqs: predictIrqs(d, f, h, why),
    unknown: why,
  }
}
