// Holds src/kernel/abi (LAYOUTS, vfio-uapi.ts) against the installed kernel headers through
// native/vfio-abi-check.c. Mismatches fail; what our tables have and the header lacks is listed as
// "newer than installed header"; what the C program prints and our tables lack fails.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import * as ioc from '../../src/kernel/abi/ioc.js'
import { LAYOUTS } from '../../src/kernel/abi/structs.js'
import * as uapi from '../../src/kernel/abi/vfio-uapi.js'

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'vfio-abi-check.c')
const CC = process.env['CC'] ?? 'cc'
const CFLAGS = ['-std=gnu11', '-Wall', '-Wextra', '-Werror']

type Table = Record<string, number>
interface CheckOutput {
  header: number
  headerVersion: string
  iommufdHeader: boolean
  sizes: Table
  aligns: Table
  offsets: Table
  fieldSizes: Table
  consts: Table
}

/** Why the check cannot run here, or null when a compiler and a new-enough header are present. */
function unavailable(): string | null {
  const version = spawnSync(CC, ['--version'], { encoding: 'utf8' })
  if (version.error || version.status !== 0) return `no C compiler (${CC})`
  const macros = spawnSync(CC, ['-dM', '-E', '-x', 'c', '-'], { input: '#include <linux/version.h>\n#include <linux/vfio.h>\n', encoding: 'utf8' })
  if (macros.status !== 0) return 'no <linux/vfio.h> (install linux-libc-dev or kernel headers)'
  const code = /#define LINUX_VERSION_CODE (\d+)/.exec(macros.stdout)?.[1]
  if (code !== undefined && Number(code) < 0x060100) return `installed <linux/vfio.h> is older than 6.1 (LINUX_VERSION_CODE ${code})`
  return null
}

const skipReason = unavailable()
if (skipReason !== null) console.info(`layout.test: skipped, ${skipReason}`)

let workdir: string | null = null
let cached: CheckOutput | null = null

function runCheck(): CheckOutput {
  if (cached) return cached
  workdir = mkdtempSync(join(tmpdir(), 'lsvfio-abi-'))
  const exe = join(workdir, 'vfio-abi-check')
  const build = spawnSync(CC, [...CFLAGS, '-o', exe, SOURCE], { encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`${CC} ${CFLAGS.join(' ')} failed:\n${build.stderr}`)
  const run = spawnSync(exe, [], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`vfio-abi-check exited ${run.status}: ${run.stderr}`)
  cached = JSON.parse(run.stdout) as CheckOutput
  return cached
}

/** What the preprocessor sees in the headers the C file includes: macro names, struct tags, enum names. */
function headerInventory(): { macros: Set<string>; structs: Set<string>; enums: Set<string> } {
  const dm = spawnSync(CC, ['-dM', '-E', SOURCE], { encoding: 'utf8' })
  const pp = spawnSync(CC, ['-E', SOURCE], { encoding: 'utf8' })
  const macros = new Set([...dm.stdout.matchAll(/^#define (\w+)/gm)].map((m) => m[1] ?? ''))
  const structs = new Set([...pp.stdout.matchAll(/\bstruct\s+(\w+)\s*\{/g)].map((m) => m[1] ?? ''))
  const enums = new Set<string>()
  for (const body of pp.stdout.matchAll(/\benum\b[^{;]*\{([^}]*)\}/g)) {
    for (const item of (body[1] ?? '').split(',')) {
      const name = /^\s*([A-Za-z_]\w*)/.exec(item)?.[1]
      if (name) enums.add(name)
    }
  }
  return { macros, structs, enums }
}

/** Every numeric constant our TS tables export, by C name (ioc.ts's _IOC_* field widths are ours, not uapi). */
const OUR_CONSTS: Table = Object.fromEntries(
  Object.entries({ ...ioc, ...uapi }).filter((e): e is [string, number] => typeof e[1] === 'number' && !e[0].startsWith('_IOC')),
)

// C prints int-typed constants signed: (1 << 31) and VFIO_PCI_DEVID_NOT_OWNED (-1) live in __u32 fields.
const asU32 = (v: number): number => (v >= -0x8000_0000 && v <= 0xffff_ffff ? v >>> 0 : v)

const split = (key: string): [string, string] => {
  const dot = key.indexOf('.')
  return [key.slice(0, dot), key.slice(dot + 1)]
}

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true })
})

describe.skipIf(skipReason !== null)(`native/vfio-abi-check.c against the installed headers${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it(`compiles with ${CFLAGS.join(' ')} and prints JSON`, () => {
    const out = runCheck()
    console.info(`layout.test: installed <linux/vfio.h> ${out.headerVersion}, <linux/iommufd.h> ${out.iommufdHeader ? 'present' : 'absent'}`)
    expect(Object.keys(out.sizes).length).toBeGreaterThan(40)
    expect(Object.keys(out.consts).length).toBeGreaterThan(150)
  })

  it('struct sizes match LAYOUTS (a struct that only grew since the header is reported, not failed)', () => {
    const out = runCheck()
    const problems: string[] = []
    const grew: string[] = []
    for (const [name, size] of Object.entries(out.sizes)) {
      const ours = LAYOUTS[name]
      if (!ours) {
        problems.push(`struct ${name}: printed by the C check but not in LAYOUTS`)
        continue
      }
      if (ours.size === size) continue
      const present = Object.entries(ours.fields).filter(([f]) => `${name}.${f}` in out.offsets)
      const missing = Object.keys(ours.fields).filter((f) => !(`${name}.${f}` in out.offsets))
      const end = Math.max(0, ...present.map(([, l]) => l.offset + l.size))
      const align = out.aligns[name] ?? 1
      if (missing.length > 0 && size < ours.size && Math.ceil(end / align) * align === size) {
        grew.push(`struct ${name}: sizeof ${size} in the installed header, ${ours.size} in LAYOUTS (adds ${missing.join(', ')})`)
      } else problems.push(`struct ${name}: sizeof ${size} in the installed header, ${ours.size} in LAYOUTS`)
    }
    if (grew.length) console.info(`layout.test: newer than installed header:\n  ${grew.join('\n  ')}`)
    expect(problems).toEqual([])
  })

  it('field offsets and sizes match LAYOUTS', () => {
    const out = runCheck()
    const problems: string[] = []
    for (const [key, offset] of Object.entries(out.offsets)) {
      const [s, f] = split(key)
      const ours = LAYOUTS[s]?.fields[f]
      if (!ours) problems.push(`${key}: printed by the C check but not in LAYOUTS`)
      else if (ours.offset !== offset) problems.push(`${key}: offset ${offset} in the installed header, ${ours.offset} in LAYOUTS`)
    }
    for (const [key, size] of Object.entries(out.fieldSizes)) {
      const [s, f] = split(key)
      const ours = LAYOUTS[s]?.fields[f]
      if (ours && ours.size !== size) problems.push(`${key}: size ${size} in the installed header, ${ours.size} in LAYOUTS`)
    }
    // flexible array members have no sizeof: the C check prints only their offset
    for (const key of Object.keys(out.offsets)) {
      const [s, f] = split(key)
      if (!(key in out.fieldSizes) && LAYOUTS[s]?.fields[f]?.size !== 0) problems.push(`${key}: flexible in the header, sized in LAYOUTS`)
    }
    expect(problems).toEqual([])
  })

  it('constants match vfio-uapi.ts', () => {
    const out = runCheck()
    const problems: string[] = []
    for (const [name, value] of Object.entries(out.consts)) {
      const ours = OUR_CONSTS[name]
      if (ours === undefined) problems.push(`${name}: printed by the C check but not exported by vfio-uapi.ts`)
      else if (asU32(ours) !== asU32(value)) problems.push(`${name}: ${value} (0x${asU32(value).toString(16)}) in the installed header, ${ours} (0x${asU32(ours).toString(16)}) in vfio-uapi.ts`)
    }
    expect(problems).toEqual([])
  })

  it('the C check prints every LAYOUTS struct and uapi macro the installed header defines', () => {
    const out = runCheck()
    const { macros, structs, enums } = headerInventory()
    const problems: string[] = []
    for (const name of Object.keys(LAYOUTS)) {
      if (structs.has(name) && !(name in out.sizes)) problems.push(`struct ${name} is in the installed header but the C check does not print it`)
    }
    for (const name of Object.keys(OUR_CONSTS)) {
      if (macros.has(name) && !(name in out.consts)) problems.push(`${name} is #defined in the installed header but the C check does not print it`)
    }
    // Enum members cannot be #ifdef'd, so the C check leaves out those added after 6.1: note only.
    const unchecked = Object.keys(OUR_CONSTS).filter((n) => enums.has(n) && !(n in out.consts))
    if (unchecked.length) console.info(`layout.test: enum values in the header the C check cannot guard, not compared: ${unchecked.join(' ')}`)
    expect(problems).toEqual([])
  })

  it('lists what our tables hold and the installed header lacks', () => {
    const out = runCheck()
    const newer: string[] = []
    for (const [name, s] of Object.entries(LAYOUTS)) {
      if (!(name in out.sizes)) {
        newer.push(`struct ${name}`)
        continue
      }
      for (const f of Object.keys(s.fields)) if (!(`${name}.${f}` in out.offsets)) newer.push(`${name}.${f}`)
    }
    for (const name of Object.keys(OUR_CONSTS)) if (!(name in out.consts)) newer.push(name)
    if (newer.length) console.info(`layout.test: newer than installed header (${out.headerVersion}), not checked (${newer.length}): ${newer.join(' ')}`)
    // Sanity: the baseline the C file promises (6.1) is always checked.
    for (const must of ['vfio_region_info', 'vfio_iommu_type1_info_cap_migration', 'vfio_pci_hot_reset_info']) expect(out.sizes).toHaveProperty(must)
    for (const must of ['VFIO_DEVICE_GET_INFO', 'VFIO_PCI_NUM_REGIONS', 'VFIO_REGION_TYPE_PCI_VENDOR_TYPE']) expect(out.consts).toHaveProperty(must)
  })
})
