// The command line: the only file that imports commander. Parses argv into CliOptions, never exits.
import { Argument, Command, CommanderError, Option } from 'commander'
import { UsageError } from '../errors.js'
import { ALL, parseGroup, parseId, parseSlot, type Selection } from '../inspect/selection.js'
import { completionScript, type CompletionSpec } from './completion.js'
import type { CliOptions, ColorWhen } from './options.js'

export const RESET_WARNING =
  'By default lsvfio opens nothing: regions, IRQs and reset are predicted from sysfs and marked predicted. ' +
  '--open asks the kernel instead: opening a vfio-pci device fd makes the kernel reset it (when it has a reset ' +
  'method) on open and again on close, and takes DMA ownership of its group for a moment; lsvfio names the ' +
  'devices it will reset before it starts. A group in use by a VM is never opened (EBUSY).'

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
    // Options of the listing go before a subcommand; check has its own.
    .enablePositionalOptions()
    .action(() => {})
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
  p.addOption(opt('--open', 'ask the kernel: open each idle VFIO group and device (RESETS those with a reset method; named first)', other).default(false))
  p.addOption(opt('--no-open', 'sysfs only, the default: open nothing under /dev/vfio or /dev/iommu', other))
  p.addOption(opt('--via <path>', 'how to reach devices: group (container), cdev (/dev/vfio/devices + iommufd) or auto', other).choices(['auto', 'group', 'cdev']).default('auto'))
  p.addOption(opt('--save <file>', 'record every sysfs read and raw ioctl reply of this run to FILE', other))
  p.addOption(opt('--from <file>', 'replay a snapshot saved with --save instead of this host', other).conflicts('save'))
  p.addOption(opt('--sysfs-root <dir>', 'read /sys, /dev and /proc below DIR (tests, benchmarks); opens nothing', other).conflicts('from'))
  addSubcommands(p)
  return p
}

export const CHECK_EXIT_HELP = `Exit status of check (the first device that is not ready decides):
  0 ready           every selected device can be passed through now
  1 fatal           usage error, no sysfs, unreadable snapshot
  2 other           --open: the kernel refused for another reason (shown)
  3 not-bound       not bound to vfio-pci (or another VFIO driver)
  4 not-viable      a member of its IOMMU group is on a host driver
  5 busy            its group or device is open in another process
  6 permission      this user cannot open the group, container or cdev node
  7 no-iommu        no IOMMU active, or the device is in no IOMMU group
  8 noiommu-only    only in a no-IOMMU group: no DMA isolation, not for VMs
  9 unsafe-interrupts  no interrupt remapping and allow_unsafe_interrupts off
 10 vf-token        a VF of a PF owned by vfio-pci: needs the PF's vf_token
 11 no-match        the selection matched no device to check`

function addSubcommands(p: Command): void {
  const c = p
    .command('check')
    .description(
      'Is each selected device ready for passthrough? Prints a verdict per device, or the first reason it is not, with the fix; ' +
        'the exit status names the reason. Opens nothing unless --open: safe in `lsvfio check -s 01:00.0 && start-vm`. ' +
        'Without a selection: every device bound to (or overridden to) a VFIO driver.',
    )
    .argument('[device]', 'the device to check, as with -s')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(false)
    .action(() => {})
  c.option('-s, --slot <sel>', 'devices in [[[[domain]:]bus]:][dev][.fn]')
  c.option('-d, --id <sel>', 'devices with [vendor]:[device][:class[:prog-if]]')
  c.option('-g, --group <N>', 'the devices of IOMMU group N')
  c.option('--driver <name>', 'devices bound to this driver')
  c.option('--json', 'the verdicts as JSON (schema/lsvfio-check.schema.json)')
  c.option('-q, --quiet', 'print nothing; the exit status is the verdict')
  c.option('--open', 'confirm through the kernel by opening each device (this RESETS idle devices)')
  c.addOption(new Option('--via <path>', 'with --open: group, cdev or auto').choices(['auto', 'group', 'cdev']).default('auto'))
  c.addOption(new Option('--color <when>', 'colour: auto, always or never').choices(['auto', 'always', 'never']).default('auto'))
  c.option('--save <file>', 'record every read of this run to FILE')
  c.addOption(new Option('--from <file>', 'judge a snapshot saved with --save').conflicts('save'))
  c.addOption(new Option('--sysfs-root <dir>', 'read /sys, /dev and /proc below DIR (tests)').conflicts('from'))
  p.command('completion')
    .description('print a completion script: eval "$(lsvfio completion bash)", or save it (zsh: in $fpath as _lsvfio)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .action(() => {})
}

/** What the completion scripts offer, read from the program itself so they cannot drift. */
export function completionSpec(p: Command): CompletionSpec {
  const opts = (c: Command): CompletionSpec['options'] =>
    c.options
      .filter((o) => o.long !== '--version' && o.long !== '--help')
      .map((o) => ({ long: o.long ?? null, short: o.short ?? null, value: o.required || o.optional, choices: o.argChoices ?? null, help: o.description }))
  return {
    name: p.name(),
    options: opts(p),
    commands: p.commands.map((c) => ({ name: c.name(), help: c.description().split('. ')[0] ?? '', options: opts(c), args: c.registeredArguments.map((a) => a.argChoices ?? null) })),
  }
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
  let ran: Command = p
  p.hook('preAction', (_root, action) => {
    ran = action
  })
  const named = p.commands.find((c) => c.name() === argv.find((a) => !a.startsWith('-')))
  try {
    p.parse(argv as string[], { from: 'user' })
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
        if (named?.name() === 'check') return { kind: 'exit', code: 0, out: named.helpInformation() + '\n' + CHECK_EXIT_HELP + '\n' }
        if (named !== undefined) return { kind: 'exit', code: 0, out: named.helpInformation() }
        return { kind: 'exit', code: 0, out: p.helpInformation() + helpAfter() }
      }
      if (e.code === 'commander.version') return { kind: 'exit', code: 0, out: version + '\n' }
      const see = named === undefined ? 'lsvfio --help' : `lsvfio ${named.name()} --help`
      throw new UsageError(e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ') + ` (see ${see})`)
    }
    throw e
  }
  if (ran !== p) {
    // Where to read the host from and how to colour may come first (lsvfio --from FILE check); the rest belongs to the listing.
    const given = Object.keys(p.opts()).filter((k) => p.getOptionValueSource(k) === 'cli')
    const shared = ran.name() === 'check' ? ['from', 'save', 'sysfsRoot', 'color'] : []
    const wrong = given.filter((k) => !shared.includes(k))
    if (wrong.length > 0) throw new UsageError(`options of the listing (${wrong.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(' ')}) cannot go before "${ran.name()}"; put them after it (see lsvfio ${ran.name()} --help)`)
    if (ran.name() === 'completion') return { kind: 'exit', code: 0, out: completionScript(ran.processedArgs[0] === 'zsh' ? 'zsh' : 'bash', completionSpec(p)) }
    for (const k of given) if (ran.getOptionValueSource(k) !== 'cli') ran.setOptionValueWithSource(k, p.getOptionValue(k), 'cli')
    return { kind: 'run', options: checkOptions(ran) }
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
      // The diagnostics search /proc: only for views that show them (a busy group is looked up anyway).
      gather: { open: o.open && o.sysfsRoot === undefined, via: o.via, configBytes: o.hex >= 4 ? 4096 : 256, readRegion, diagnose: o.json === true || o.verbose >= 1, raw: o.hexdump === true || o.hex > 0 || readRegion !== null },
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

interface RawCheck {
  slot?: string
  id?: string
  group?: string
  driver?: string
  json?: boolean
  quiet?: boolean
  open?: boolean
  via: 'auto' | 'group' | 'cdev'
  color: ColorWhen
  save?: string
  from?: string
  sysfsRoot?: string
}

function checkOptions(c: Command): CliOptions {
  const o = c.opts<RawCheck>()
  const positional = c.processedArgs[0] as string | undefined
  if (positional !== undefined && o.slot !== undefined) throw new UsageError('check: give the device either as an argument or with -s, not both')
  const s = positional ?? o.slot
  const selection: Selection = {
    ...ALL,
    ...(s === undefined ? { slot: null, name: null } : parseSlot(s)),
    id: o.id === undefined ? null : parseId(o.id),
    group: o.group === undefined ? null : parseGroup(o.group),
    driver: o.driver ?? null,
  }
  return {
    command: 'check',
    quiet: o.quiet ?? false,
    selection,
    gather: { open: (o.open ?? false) && o.sysfsRoot === undefined, via: o.via, configBytes: 0, readRegion: null, diagnose: true },
    format: o.json === true ? 'json' : 'text',
    verbose: 0,
    numeric: 0,
    color: o.color,
    ascii: false,
    hex: 0,
    hexdump: false,
    from: o.from ?? null,
    save: o.save ?? null,
    sysfsRoot: o.sysfsRoot ?? null,
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
  return (
    `\n${wrap('NOTE: ' + RESET_WARNING)}\n\n` +
    `Exit status: 0 the output is complete and true (busy, non-viable, permission denied,\n` +
    `no-IOMMU and no VFIO at all are states it shows); 1 fatal (usage, no sysfs, bad\n` +
    `snapshot); 2 something went wrong unexpectedly (EIO, EPROTO, a reply that makes no\n` +
    `sense, a looped capability chain, a failed --read-region). lsvfio check has its own\n` +
    `(lsvfio check --help). See lsvfio(8).\n`
  )
}
