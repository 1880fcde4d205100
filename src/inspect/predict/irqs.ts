// VFIO_DEVICE_GET_IRQ_INFO predicted from sysfs, as vfio_pci_core.c answers it (vfio_pci_get_irq_count,
// vfio_pci_ioctl_get_irq_info, vfio_config_init for the virtual interrupt pin).
import { pciIrqName } from '../../kernel/ids.js'
import type { Device, PredictedIrq } from '../../model/types.js'
import type { DeviceFacts, HostFacts } from './facts.js'
import { errIrqRule, msixResizeRule } from './kernel-rules.js'

/** vfio_pci_nointx(): Intel NICs whose INTx masking is broken; vfio-pci hides their pin (unless nointxmask). */
function brokenIntx(vendor: number, device: number): boolean {
  if (vendor !== 0x8086) return false
  return device === 0x1572 || device === 0x1574 || (device >= 0x1580 && device <= 0x1581) || (device >= 0x1583 && device <= 0x158b) || (device >= 0x37d0 && device <= 0x37d2) || device === 0x1563
}

function intxCount(d: Device, f: DeviceFacts, h: HostFacts, why: string[]): number | undefined {
  const c = f.config
  if (c === null) return void why.push('INTx count: config space not readable (needs root)')
  if (c.pin === 0) return 0
  // The virtual pin is 0 for a VF, for a broken-masking device, and when pdev->irq is 0 (not connected).
  if (f.virtfn === true) return 0
  if (f.virtfn === null) return void why.push('INTx count: whether it is a VF is not readable')
  if (h.nointxmask === false && brokenIntx(d.pci?.vendorId ?? 0, d.pci?.deviceId ?? 0)) return 0
  if (h.nointxmask === null && brokenIntx(d.pci?.vendorId ?? 0, d.pci?.deviceId ?? 0)) return void why.push('INTx count: vfio_pci nointxmask not readable')
  // pdev->irq is routed when the device is enabled: 0 in sysfs now does not say what it will be at open.
  if (f.irq === null) return void why.push('INTx count: sysfs irq not readable')
  if (f.irq === 0) return void why.push('INTx count: no IRQ routed to the pin yet (sysfs irq is 0)')
  return 1
}

export function predictIrqs(d: Device, f: DeviceFacts, h: HostFacts, why: string[]): PredictedIrq[] {
  const c = f.config
  const name = (i: number): string => pciIrqName(i) ?? `irq ${i}`
  const noresize = ['eventfd', 'noresize']
  const out: PredictedIrq[] = []
  const intx = intxCount(d, f, h, why)
  out.push({ index: 0, name: name(0), ...(intx === undefined ? {} : { count: intx }), flagNames: ['eventfd', 'maskable', 'automasked'] })
  if (c === null) {
    why.push('MSI, MSI-X, ERR: config space not readable (needs root)')
    out.push({ index: 1, name: name(1), flagNames: noresize }, { index: 2, name: name(2) }, { index: 3, name: name(3) })
  } else {
    // MSI: 1 << Multiple Message Capable; MSI-X: Table Size + 1; 0 without the capability.
    out.push({ index: 1, name: name(1), count: c.msi === null ? 0 : 1 << c.msi.multipleMessageCapable, flagNames: noresize })
    const resize = c.msix === null ? false : msixResizeRule(h)
    if (resize === null) why.push('MSI-X flags: whether MSI-X can grow (has_dyn_msix) depends on the interrupt domain')
    out.push({ index: 2, name: name(2), count: c.msix === null ? 0 : c.msix.tableSize, ...(resize === null ? {} : { flagNames: resize ? ['eventfd'] : noresize }) })
    const err = errIrqRule(h, c.pcie !== null)
    if (err === null) why.push('ERR: this kernel version has not been measured for conventional PCI devices')
    out.push(err === null ? { index: 3, name: name(3) } : err ? { index: 3, name: name(3), available: true, count: 1, flagNames: noresize } : { index: 3, name: name(3), available: false })
  }
  out.push({ index: 4, name: name(4), available: true, count: 1, flagNames: noresize })
  return out
}
