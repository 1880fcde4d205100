// Vendor, device and class names from the system's pci.ids (as lspci uses). Parsed lazily and only
// as far as needed: most runs name a handful of devices.
import { readFileSync } from 'node:fs'

export interface NameDb {
  vendor(v: number): string | null
  device(v: number, d: number): string | null
  /** classCode is 24-bit: base<<16 | sub<<8 | prog-if */
  className(classCode: number): string | null
}

export const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids']

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0')

export class PciIds implements NameDb {
  private vendors = new Map<string, string>()
  private devices = new Map<string, string>()
  private classes = new Map<string, string>()

  constructor(text: string) {
    let vendor = ''
    let cls = ''
    let sub = ''
    let inClasses = false
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue
      if (line.startsWith('C ')) {
        inClasses = true
        cls = line.slice(2, 4)
        this.classes.set(cls, line.slice(6).trim())
        continue
      }
      if (!inClasses) {
        if (line[0] !== '\t') {
          vendor = line.slice(0, 4)
          this.vendors.set(vendor, line.slice(6).trim())
        } else if (line[1] !== '\t') {
          this.devices.set(vendor + line.slice(1, 5), line.slice(7).trim())
        }
      } else if (line[0] === '\t' && line[1] !== '\t') {
        sub = line.slice(1, 3)
        this.classes.set(cls + sub, line.slice(5).trim())
      } else if (line.startsWith('\t\t')) {
        this.classes.set(cls + sub + line.slice(2, 4), line.slice(6).trim())
      } else if (line[0] !== '\t') {
        inClasses = false
      }
    }
  }

  vendor(v: number): string | null {
    return this.vendors.get(hex(v, 4)) ?? null
  }

  device(v: number, d: number): string | null {
    return this.devices.get(hex(v, 4) + hex(d, 4)) ?? null
  }

  className(c: number): string | null {
    const base = hex(c >> 16, 2)
    const sub = hex((c >> 8) & 0xff, 2)
    return this.classes.get(base + sub) ?? this.classes.get(base) ?? null
  }
}

/** The first readable pci.ids, or null: names are a nicety and never fail a run. */
export function loadSystemPciIds(paths: readonly string[] = PCI_IDS_PATHS): NameDb | null {
  for (const p of paths) {
    try {
      return new PciIds(readFileSync(p, 'latin1'))
    } catch {
      // try the next location
    }
  }
  return null
}
