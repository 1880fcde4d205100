// Device-specific ACS answers the kernel gives instead of reading the ACS registers
// (drivers/pci/quirks.c, pci_dev_acs_enabled[]). Only the multi-function endpoints that the vendors
// state do no peer-to-peer between their functions (pci_quirk_mf_endpoint_acs) are listed: the root
// port quirks (Intel PCH, AMD, Qualcomm …) depend on chipset registers or ACPI tables sysfs does not
// show, so a group they split shows up as a disagreement with the kernel instead of a guess.

const MF_ENDPOINT: Readonly<Record<number, readonly number[]>> = {
  // Solarflare SFC9020, SFL9021
  0x1924: [0x0903, 0x0923],
  // Intel 82576/82580/82575/I350/82571/I219/X540/X550 families …
  0x8086: [
    0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558,
    0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527, 0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, 0x10a7, 0x10a9, 0x10d6, 0x1521, 0x1522,
    0x1523, 0x1524, 0x105e, 0x105f, 0x1060, 0x10d9, 0x15b7, 0x15b8,
  ],
  // Emulex BE3-R, Skyhawk-R
  0x19a2: [0x0710],
  0x10df: [0x0720],
}

/** The quirk's name when the kernel answers for this device without its ACS registers. */
export function acsQuirk(vendorId: number, deviceId: number): string | null {
  return MF_ENDPOINT[vendorId]?.includes(deviceId) === true ? 'pci_quirk_mf_endpoint_acs' : null
}
