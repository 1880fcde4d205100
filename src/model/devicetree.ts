// A device's device-tree `reg` and `interrupts`, decoded as Linux decodes them (of_translate_address,
// of_irq_parse_one), with the kernel's own answer beside the decoding where sysfs has one.

/** Where a value comes from: the kernel's own answer (device name, /sys/kernel/irq) or lsvfio's decoding of the DT. */
export type DtSource = 'kernel' | 'devicetree'

export interface OfReg {
  index: number
  /** reg-names entry */
  name: string | null
  /** The raw cells: the parent bus's #address-cells then #size-cells. */
  cells: readonly number[]
  /** Address and size on the parent bus; null when they do not fit 64 bits (a PCI child's phys.hi/mid/lo). */
  address: bigint | null
  size: bigint | null
  /** CPU physical address through the ancestors' `ranges`; null when not translatable. */
  cpuAddress: bigint | null
  /** The bus type Linux reads the entry with: default, default-flags (3 address cells), pci, isa (additive). */
  bus?: 'default' | 'default-flags' | 'pci' | 'isa'
  /** The flags cell of a bus that has one (PCI phys.hi, ISA space, a 3-cell bus's first cell); null otherwise. */
  flags?: number | null
  /** Why cpuAddress is null, e.g. 'no window of /soc/bus@0 ranges covers it'; null when translated. */
  untranslatable?: string | null
  /** Whether Linux makes it a resource (of_address_count stops at the first entry that fails): VFIO region index = this index. */
  resource?: boolean
  /** 'kernel' when the kernel's answer (the device name's address, of_device_make_bus_id) confirmed cpuAddress. */
  source?: DtSource
}

/** The kernel's mapping of an interrupt: /sys/kernel/irq/N. */
export interface KernelIrq {
  /** Linux IRQ number */
  virq: number
  hwirq: number
  /** 'edge' or 'level' as /sys/kernel/irq/N/type says */
  type: string | null
  /** chip_name; null when empty (GICv2 and gpio chips print theirs only in /proc/interrupts) */
  chip: string | null
}

export interface OfInterrupt {
  index: number
  /** interrupt-names entry */
  name: string | null
  /** DT path of the interrupt controller the specifier resolves to (after any interrupt-map); null when it does not resolve. */
  controller: string | null
  /** The specifier cells as the node writes them (#interrupt-cells of its interrupt parent). */
  cells: readonly number[]
  /** Decoded when the controller is an Arm GIC. */
  gic: GicInterrupt | null
  /** The controller's compatible strings (additive). */
  controllerCompatible?: readonly string[]
  /** Interrupt nexus nodes (interrupt-map) the specifier went through, in order (additive). */
  nexus?: readonly string[]
  /** The specifier the controller receives: cells after interrupt-map translation (additive). */
  controllerCells?: readonly number[]
  /** Why of_irq_parse_one fails for this entry; null when it resolves (additive). */
  unresolved?: string | null
  /** The kernel's mapping found in /sys/kernel/irq; null when not mapped yet (vfio-platform maps on open) or not attributable. */
  kernel?: KernelIrq | null
  /** 'kernel' when /sys/kernel/irq confirmed the hardware IRQ and its trigger, else 'devicetree'. */
  source?: DtSource
}

export interface GicInterrupt {
  kind: 'SPI' | 'PPI' | 'ESPI' | 'EPPI'
  number: number
  /** The GIC's interrupt ID: SPI n = 32+n, PPI n = 16+n, ESPI n = 4096+n, EPPI n = 1056+n. */
  hwirq: number
  /** edge-rising, edge-falling, edge-both, level-high, level-low or none */
  trigger: string
}
