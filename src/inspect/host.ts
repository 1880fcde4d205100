// What gathering runs against: a file-system reader and the kernel seam. Chosen in cli/compose.ts.
import type { Sys } from '../kernel/sys.js'
import type { FsReader } from './fs.js'
import type { NameDb } from './pci-ids.js'

export interface Host {
  fs: FsReader
  sys: Sys
  names: NameDb | null
}
