// The device's own config space (sysfs `config`, read as root) decoded as far as vfio-pci's answers
// depend on it: the interrupt pin and the MSI, MSI-X, PCI Express and PCI-X capabilities.
// The capability walk is bounded and loop-checked (lspci's been_there).

export interface ConfigFacts {
  /** Interrupt Pin (0x3d): 0 = no INTx. */
  pin: number
  msi: { pos: number; multipleMessageCapable: number } | null
  msix: { pos: number; tableSize: number; tableBir: number } | null
  /** PCI Express capability: pci_is_pcie(); devCap2 for the AtomicOp completer bits. */
  pcie: { pos: number; devCap2: number | null } | null
  /** PCI-X capability with the 266/533 MHz bits of its status (PCI-X mode 2: 4 KiB config space). */
  pcix: { pos: number; mode2: boolean } | null
}

const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8)
const u32 = (b: Uint8Array, o: number): number => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0

/** null when the bytes do not cover the standard header and capability list (an unprivileged 64-byte read),
 * or the chain is looped or runs out of the 256 bytes: nothing is guessed then. */
export function decodeConfig(b: Uint8Array): ConfigFacts | null {
  if (b.length < 256) return null
  const facts: ConfigFacts = { pin: b[0x3d] ?? 0, msi: null, msix: null, pcie: null, pcix: null }
  // Status bit 4: capability list present.
  if ((u16(b, 0x06) & 0x10) === 0) return facts
  const seen = new Set<number>()
  let pos = (b[0x34] ?? 0) & 0xfc
  while (pos !== 0) {
    if (pos < 0x40 || pos > 0xfc || seen.has(pos) || seen.size >= 48) return null
    seen.add(pos)
    const id = b[pos] ?? 0
    // The first of each, as pci_find_capability() finds it.
    if (id === 0x05 && facts.msi === null) facts.msi = { pos, multipleMessageCapable: (u16(b, pos + 2) & 0x000e) >> 1 }
    else if (id === 0x11 && facts.msix === null) facts.msix = { pos, tableSize: (u16(b, pos + 2) & 0x07ff) + 1, tableBir: u32(b, pos + 4) & 0x7 }
    else if (id === 0x10 && facts.pcie === null) facts.pcie = { pos, devCap2: pos + 0x28 <= 256 ? u32(b, pos + 0x24) : null }
    else if (id === 0x07 && facts.pcix === null) facts.pcix = { pos, mode2: (u32(b, pos + 4) & 0xc0000000) !== 0 }
    pos = (b[pos + 1] ?? 0) & 0xfc
  }
  return facts
}
