// The command line: the only file that imports commander. Parses argv into CliOptions, never exits.
import { Command, CommanderError, Option } from 'commander'
import { UsageError } from '../errors.js'
import { ALL, parseGroup, parseId, parseSlot, type Selection } from '../inspect/selection.js'
import type { CliOptions, ColorWhen } from './options.js'

export const RESET_WARNING =
  'By default lsvfio opens every VFIO group and device it shows. Opening a vfio-pci device fd makes the kernel ' +
  'reset the device (and again on close), and takes DMA ownership of its group for a moment. Use --no-open on ' +
  'a host whose idle devices must not be touched; a group in use by a VM is never opened (EBUSY).'

export type ParseResult = { kind: 'run'; options: CliOptions } | { kind: 'exit'; code: number; out: string }

const count = (_: string, prev: number): number => prev + 1

export function buildProgram(version: string): Command {
  const p = new Command('lsvfio')
    .description('List VFIO on this host: IOMMU groups, their devices and drivers, and for VFIO devices the flags, regions, capabilities, IRQs and reset support the kernel reports.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(false)
  const opt = (flags: string, desc: string, group: string): Option => new Option(flags, desc).helpGroup(group)
  const modes = 'Basic display modes:'
  const display = 'Display options:'
  const select = 'Selection of devices:'
  const other = 'Other options:'
  p.addOption(opt('-t, --tree', 'show a tree: group, device, regions and IRQs', modes).conflicts('json'))
  p.addOption(opt('--json', 'machine-readable JSON (everything gathered; ignores -v); schema in lsvfio(8)', modes))
  p.addOption(opt('-v, --verbose', 'more detail: -v regions and IRQs, -vv everything decoded, -vvv raw values too', display).argParser(count).default(0))
  p.addOption(opt('-n, --numeric', 'show PCI IDs as numbers (-nn: names and numbers)', display).argParser(count).default(0))
  p.addOption(opt('--color <when>', 'colour: auto, always or never', display).choices(['auto', 'always', 'never']).default('auto'))
  p.addOption(opt('--ascii', 'draw trees with ASCII characters', display))
  p.addOption(opt('-x, --hex', "config space through VFIO's CONFIG region in lspci's -x layout (-x 64, -xxx 256, -xxxx 4096 bytes)", display).argParser(count).default(0))
  p.addOption(opt('--hexdump', 'every raw kernel reply, each field and capability header labelled at its offset', display))
  p.addOption(opt('--read-region <spec>', 'dump INDEX[:OFFSET[:LENGTH]] of a region (CONFIG, ROM; a BAR only with -s/-g: reading device registers can have side effects)', display))
  p.addOption(opt('-s, --slot <sel>', 'devices in [[[[domain]:]bus]:][dev][.fn], or a platform device name', select))
  p.addOption(opt('-d, --id <sel>', 'devices with [vendor]:[device][:class[:prog-if]] (hex)', select))
  p.addOption(opt('-g, --group <N>', 'IOMMU group N only', select))
  p.addOption(opt('--driver <name>', 'devices bound to this driver only (e.g. vfio-pci)', select))
  p.addOption(opt('--no-open', 'sysfs only: open nothing under /dev/vfio, so no device is reset', other))
  p.addOption(opt('--via <path>', 'how to reach devices: group (container), cdev (/dev/vfio/devices + iommufd) or auto', other).choices(['auto', 'group', 'cdev']).default('auto'))
  p.addOption(opt('--save <file>', 'record every sysfs read and raw ioctl reply of this run to FILE', other))
  p.addOption(opt('--from <file>', 'replay a snapshot saved with --save instead of this host', other).conflicts('save'))
  p.addOption(opt('--sysfs-root <dir>', 'read /sys, /dev and /proc below DIR (tests, benchmarks); opens nothing', other).conflicts('from'))
  return p
}

interface Raw {
  tree?: boolean
  json?: boolean
  verbose: number
  numeric: number
  color: ColorWhen
  ascii?: boolean
  hex: number
  hexdump?: boolean
  readRegion?: string
  slot?: string
  id?: string
  group?: string
  driver?: string
  open: boolean
  via: 'auto' | 'group' | 'cdev'
  save?: string
  from?: string
  sysfsRoot?: string
}

export function parseArgs(argv: readonly string[], version: string): ParseResult {
  const p = buildProgram(version)
  try {
    p.parse(argv as string[], { from: 'user' })
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { kind: 'exit', code: 0, out: p.helpInformation() + helpAfter() }
      if (e.code === 'commander.version') return { kind: 'exit', code: 0, out: version + '\n' }
      throw new UsageError(e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ') + ' (see lsvfio --help)')
    }
    throw e
  }
  const o = p.opts<Raw>()
  const slot = o.slot === undefined ? { slot: null, name: null } : parseSlot(o.slot)
  const selection: Selection = {
    ...ALL,
    ...slot,
    id: o.id === undefined ? null : parseId(o.id),
    group: o.group === undefined ? null : parseGroup(o.group),
    driver: o.driver ?? null,
  }
  if (o.verbose > 3) throw new UsageError('at most -vvv')
  if (o.hex === 2 || o.hex > 4) throw new UsageError('-x shows 64 bytes, -xxx 256 and -xxxx 4096 (as lspci); -xx and more than four are not defined')
  const readRegion = o.readRegion === undefined ? null : parseRegionSpec(o.readRegion)
  if (readRegion !== null && readRegion.index <= 5 && o.slot === undefined && o.group === undefined) {
    throw new UsageError(`--read-region ${o.readRegion}: reading a BAR can have side effects on the device; name the device with -s (or -g)`)
  }
  return {
    kind: 'run',
    options: {
      selection,
      gather: { open: o.open && o.sysfsRoot === undefined, via: o.via, configBytes: o.hex >= 4 ? 4096 : 256, readRegion },
      format: o.json ? 'json' : o.tree ? 'tree' : 'text',
      verbose: o.verbose as 0 | 1 | 2 | 3,
      numeric: Math.min(o.numeric, 2) as 0 | 1 | 2,
      color: o.color,
      ascii: o.ascii ?? false,
      hex: o.hex,
      hexdump: o.hexdump ?? false,
      from: o.from ?? null,
      save: o.save ?? null,
      sysfsRoot: o.sysfsRoot ?? null,
    },
  }
}

const REGION_NAMES: Record<string, number> = { BAR0: 0, BAR1: 1, BAR2: 2, BAR3: 3, BAR4: 4, BAR5: 5, ROM: 6, CONFIG: 7 }
const MAX_READ = 65536

/** INDEX[:OFFSET[:LENGTH]]; INDEX a number or BAR0…BAR5/ROM/CONFIG; OFFSET and LENGTH decimal or 0x-hex. */
export function parseRegionSpec(spec: string): { index: number; offset: bigint; length: number } {
  const [i = '', off = '0', len = '256', extra] = spec.split(':')
  const bad = (why: string): never => {
    throw new UsageError(`--read-region ${spec}: ${why}; expected INDEX[:OFFSET[:LENGTH]], e.g. CONFIG, ROM:0:64 or 0:0x100:32`)
  }
  if (extra !== undefined) bad("too many ':'")
  const num = (s: string, what: string): bigint => (/^(0x[0-9a-f]+|\d+)$/i.test(s) ? BigInt(s) : bad(`${what} "${s}" is not a number`))
  const index = REGION_NAMES[i.toUpperCase()] ?? Number(num(i, 'index'))
  const length = num(len, 'length')
  if (length === 0n || length > BigInt(MAX_READ)) bad(`length must be 1 to ${MAX_READ}`)
  return { index, offset: num(off, 'offset'), length: Number(length) }
}

function wrap(text: string, width = 78): string {
  const out: string[] = []
  let line = ''
  for (const w of text.split(' ')) {
    if (line !== '' && line.length + 1 + w.length > width) {
      out.push(line)
      line = w
    } else line = line === '' ? w : `${line} ${w}`
  }
  return [...out, line].join('\n')
}

function helpAfter(): string {
  return `\n${wrap('WARNING: ' + RESET_WARNING)}\n\nExit status: 0 all gathered; 1 fatal (usage, no sysfs, no VFIO, bad snapshot);\n2 output produced but something could not be read. See lsvfio(8).\n`
}
