// Where vfio-pci's answers differ between kernel versions. Each rule is read in the kernel's sources
// (drivers/vfio/pci/vfio_pci_core.c) and measured in the VM suite on 6.1, 6.12 and 7.3; a version
// between measured ones that the sources do not settle gives null (not predicted).
import type { HostFacts } from './facts.js'

const atLeast = (k: readonly [number, number], major: number, minor: number): boolean => k[0] > major || (k[0] === major && k[1] >= minor)

/** ERR IRQ: up to 6.12 only PCI Express devices have it (EINVAL otherwise); 7.3 answers count 1 for every
 * device. true: available, false: EINVAL, null: not known for this kernel. */
export function errIrqRule(h: HostFacts, pcie: boolean): boolean | null {
  if (pcie) return true
  if (h.kernel === null) return null
  if (!atLeast(h.kernel, 6, 13)) return false
  if (atLeast(h.kernel, 7, 3)) return true
  return null
}

/** MSI-X without NORESIZE (has_dyn_msix, since 6.5): on x86 the vector domain allocates dynamically,
 * with and without interrupt remapping (measured on 6.12 and 7.3; 6.1 always NORESIZE). */
export function msixResizeRule(h: HostFacts): boolean | null {
  if (h.kernel === null) return null
  if (!atLeast(h.kernel, 6, 5)) return false
  if (h.x86 === true) return true
  return null
}
