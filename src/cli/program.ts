// The command line: the only file that imports commander. Parses argv into each command's options
// (options.ts), one parser per option; never exits.
import { Argument, Command, CommanderError, Option } from 'commander'
import { UsageError } from '../errors.js'
import { ALL, parseGroup, parseId, parseSlot, type Selection } from '../inspect/selection.js'
import { completionScript, type CompletionSpec, type Shell } from './completion.js'
import { CHECK_EXIT_HELP } from './exit.js'
import type { CheckOptions, CliOptions, ColorWhen, FleetOptions, ListOptions, Source } from './options.js'

export const RESET_WARNING =
  'By default lsvfio opens nothing: regions, IRQs and reset are predicted from sysfs and marked predicted. ' +
  '--open asks the kernel instead: opening a vfio-pci device fd makes the kernel reset it (when it has a reset ' +
  'method) on open and again on close, and takes DMA ownership of its group for a moment; lsvfio names the ' +
  'devices it will reset before it starts. A group in use by a VM is never opened (EBUSY).'

export type ParseResult = { kind: 'run'; options: CliOptions } | { kind: 'exit'; code: number; out: string }

const count = (_: string, prev: number): number => prev + 1

/** Every option more than one command takes, declared once; each command picks its own by key. */
const SHARED = {
  slot: () => new Option('-s, --slot <sel>', 'devices in [[[[domain]:]bus]:][dev][.fn], or a platform device name'),
  id: () => new Option('-d, --id <sel>', 'devices with [vendor]:[device][:class[:prog-if]] (hex)'),
  group: () => new Option('-g, --group <N>', 'the devices of IOMMU group N only'),
  driver: () => new Option('--driver <name>', 'devices bound to this driver only (e.g. vfio-pci)'),
  via: () => new Option('--via <path>', 'how to reach devices when opening: group (container), cdev (/dev/vfio/devices + iommufd) or auto').choices(['auto', 'group', 'cdev']).default('auto'),
  color: () => new Option('--color <when>', 'colour: auto, always or never (--color alone: always)').choices(['auto', 'always', 'never']).default('auto'),
  save: () => new Option('--save <file>', 'record every sysfs read and raw ioctl reply of this run to FILE'),
  force: () => new Option('--force', 'with --save: replace FILE if it exists'),
  from: () => new Option('--from <file>', 'read a snapshot saved with --save instead of this host').conflicts('save'),
  sysfsRoot: () => new Option('--sysfs-root <dir>', 'read /sys, /dev and /proc below DIR (tests, benchmarks); opens nothing').conflicts('from'),
} as const
type SharedKey = keyof typeof SHARED

const SELECT: readonly SharedKey[] = ['slot', 'id', 'group', 'driver']
const SOURCE: readonly SharedKey[] = ['save', 'force', 'from', 'sysfsRoot']
/** What may also come before a subcommand (lsvfio --from FILE check): where the host comes from, and colour. */
const BEFORE_SUBCOMMAND: readonly string[] = ['from', 'save', 'force', 'sysfsRoot', 'color']

function addShared(c: Command, group: string, keys: readonly SharedKey[]): void {
  for (const k of keys) c.addOption(SHARED[k]().helpGroup(group))
}

function subcommand(p: Command, name: string, description: string): Command {
  return p.command(name).description(description).exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).allowExcessArguments(false).action(() => {})
}

export function buildProgram(version: string): Command {
  const p = new Command('lsvfio')
    .description('List VFIO on this host: IOMMU groups, their devices and drivers, and for VFIO devices the flags, regions, capabilities, IRQs and reset support the kernel reports.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(false)
    // Options of the listing go before a subcommand; each subcommand has its own.
    .enablePositionalOptions()
    .action(() => {})
  const opt = (flags: string, desc: string, group: string): Option => new Option(flags, desc).helpGroup(group)
  const modes = 'Basic display modes:'
  const display = 'Display options:'
  const other = 'Other options:'
  p.addOption(opt('-t, --tree', 'show a tree: group, device, regions and IRQs', modes).conflicts('json'))
  p.addOption(opt('--json', 'machine-readable JSON (everything gathered; ignores -v); schema in lsvfio(8)', modes))
  p.addOption(opt('--table', 'one row per device: address, name, driver, group, viable, ready (as lsvfio check judges it)', modes).conflicts(['json', 'tree']))
  p.addOption(opt('-v, --verbose', 'more detail: -v regions and IRQs, -vv everything decoded, -vvv raw values too', display).argParser(count).default(0))
  p.addOption(opt('-k, --kernel', 'show the driver in use and the kernel modules that could drive each device (from modules.alias, as lspci -k)', display))
  p.addOption(opt('-n, --numeric', 'show PCI IDs as numbers (-nn: names and numbers)', display).argParser(count).default(0))
  addShared(p, display, ['color'])
  p.addOption(opt('--ascii', 'draw trees with ASCII characters', display))
  p.addOption(opt('-i, --id-file <file>', 'PCI ID database to name devices with (pci.ids, plain or .gz), instead of the system\'s', display))
  p.addOption(opt('-x, --hex', "config space through VFIO's CONFIG region in lspci's -x layout (-x 64, -xxx 256, -xxxx 4096 bytes)", display).argParser(count).default(0))
  p.addOption(opt('--hexdump', 'every raw kernel reply, each field and capability header labelled at its offset', display))
  p.addOption(opt('--read-region <spec>', 'dump INDEX[:OFFSET[:LENGTH]] of a region (CONFIG, ROM; a BAR, VGA or device-specific region only with -s/-g: reading device registers can have side effects)', display))
  addShared(p, 'Selection of devices:', SELECT)
  p.addOption(opt('--open', 'ask the kernel: open each idle VFIO group and device (RESETS those with a reset method; named first)', other).default(false))
  p.addOption(opt('--no-open', 'sysfs only, the default: open nothing under /dev/vfio or /dev/iommu', other))
  addShared(p, other, ['via', ...SOURCE])
  const c = subcommand(
    p,
    'check',
    'Is each selected device ready for passthrough? Prints a verdict per device, or the first reason it is not, with the fix; ' +
      'the exit status names the reason. Opens nothing unless --open: safe in `lsvfio check -s 01:00.0 && start-vm`. ' +
      'Without a selection: every device bound to (or overridden to) a VFIO driver.',
  ).argument('[device]', 'the device to check, as with -s')
  const opts = 'Options:'
  addShared(c, opts, SELECT)
  c.addOption(opt('--json', 'the verdicts as JSON (schema/lsvfio-check.schema.json)', opts))
  c.addOption(opt('-q, --quiet', 'print nothing; the exit status is the verdict', opts))
  c.addOption(opt('--open', 'confirm through the kernel by opening each device (this RESETS idle devices)', opts))
  addShared(c, opts, ['via', 'color', ...SOURCE])
  addFleetCommands(p)
  subcommand(p, 'completion', 'print a completion script: eval "$(lsvfio completion bash)", lsvfio completion fish | source, or save it (zsh: in $fpath as _lsvfio)').addArgument(
    new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']),
  )
  return p
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

/** The raw values of the shared options, as commander leaves them. */
interface RawShared {
  slot?: string
  id?: string
  group?: string
  driver?: string
  via: 'auto' | 'group' | 'cdev'
  color: ColorWhen
  save?: string
  force?: boolean
  from?: string
  sysfsRoot?: string
}

interface RawList extends RawShared {
  tree?: boolean
  json?: boolean
  table?: boolean
  verbose: number
  kernel?: boolean
  numeric: number
  ascii?: boolean
  idFile?: string
  hex: number
  hexdump?: boolean
  readRegion?: string
  open: boolean
}

interface RawCheck extends RawShared {
  json?: boolean
  quiet?: boolean
  open?: boolean
}

/** -s (or check's positional device), -d, -g, --driver. */
function selectionOf(o: RawShared, slot = o.slot): Selection {
  return {
    ...ALL,
    ...(slot === undefined ? { slot: null, name: null } : parseSlot(slot)),
    id: o.id === undefined ? null : parseId(o.id),
    group: o.group === undefined ? null : parseGroup(o.group),
    driver: o.driver ?? null,
  }
}

function sourceOf(o: Pick<RawShared, 'from' | 'save' | 'force' | 'sysfsRoot'>): Source {
  if (o.force === true && o.save === undefined) throw new UsageError('--force only says that --save may replace its FILE; give --save FILE too')
  return { from: o.from ?? null, save: o.save ?? null, force: o.force === true, sysfsRoot: o.sysfsRoot ?? null }
}

/** Opening is asked for, and there is a kernel behind the tree (--sysfs-root has none). */
const opens = (asked: boolean, o: RawShared): boolean => asked && o.sysfsRoot === undefined

/** lspci's and GNU's habits commander does not have: `help [command]`, and --color with its WHEN left
 * out meaning always (as ls --color): at the end, before an option or before a command. */
function lspciHabits(argv: readonly string[], p: Command): readonly string[] {
  if (argv[0] === 'help') {
    const c = p.commands.find((x) => x.name() === argv[1])
    if (argv.length > 2 || (argv[1] !== undefined && c === undefined)) throw new UsageError(`help takes one command: ${p.commands.map((x) => x.name()).join(', ')} (see lsvfio --help)`)
    return argv[1] === undefined ? ['--help'] : [argv[1], '--help']
  }
  const bare = (next: string | undefined): boolean => next === undefined || next.startsWith('-') || p.commands.some((c) => c.name() === next)
  return argv.map((a, i) => (a === '--color' && bare(argv[i + 1]) ? '--color=always' : a))
}

export function parseArgs(args: readonly string[], version: string): ParseResult {
  const p = buildProgram(version)
  const argv = lspciHabits(args, p)
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
  if (ran === p) return { kind: 'run', options: listOptions(p.opts<RawList>()) }
  const given = Object.keys(p.opts()).filter((k) => p.getOptionValueSource(k) === 'cli')
  const takes = (k: string): boolean => BEFORE_SUBCOMMAND.includes(k) && ran.options.some((o) => o.attributeName() === k)
  const wrong = given.filter((k) => !takes(k))
  if (wrong.length > 0) throw new UsageError(`options of the listing (${wrong.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(' ')}) cannot go before "${ran.name()}"; put them after it (see lsvfio ${ran.name()} --help)`)
  const flag = (k: string): string => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
  for (const k of given) {
    if (ran.getOptionValueSource(k) === 'cli') throw new UsageError(`${flag(k)} is given both before and after "${ran.name()}"; give it once`)
    ran.setOptionValueWithSource(k, p.getOptionValue(k), 'cli')
  }
  // commander checks conflicts within one command: an option before the subcommand and one after it
  // (lsvfio --from F check --save X) meet only here.
  const set = (k: string): boolean => ran.getOptionValueSource(k) === 'cli'
  for (const [a, b] of [['from', 'save'], ['from', 'sysfsRoot']] as const) {
    if (set(a) && set(b)) throw new UsageError(`${flag(a)} and ${flag(b)} cannot be used together: ${b === 'save' ? 'a replay records nothing new' : '--from replays a snapshot, --sysfs-root reads a tree'} (see lsvfio ${ran.name()} --help)`)
  }
  if (ran.name() === 'completion') return { kind: 'exit', code: 0, out: completionScript(ran.processedArgs[0] as Shell, completionSpec(p)) }
  if (ran.name() === 'metrics' || ran.name() === 'nfd') return { kind: 'run', options: fleetOptions(ran.name() === 'nfd' ? 'nfd' : 'metrics', ran.opts<RawFleet>()) }
  return { kind: 'run', options: checkOptions(ran.opts<RawCheck>(), ran.processedArgs[0] as string | undefined) }
}

function listOptions(o: RawList): ListOptions {
  if (o.verbose > 3) throw new UsageError('at most -vvv')
  if (o.hex > 4) throw new UsageError('-x shows 64 bytes (-xx too, as lspci), -xxx 256 and -xxxx 4096; more than four are not defined')
  const readRegion = o.readRegion === undefined ? null : parseRegionSpec(o.readRegion)
  // CONFIG and ROM are safe to read on any device; a BAR, the VGA region (legacy VGA I/O and memory)
  // and device-specific regions (index 9 on: opregions, migration data) reach the hardware or its driver.
  if (readRegion !== null && readRegion.index !== 6 && readRegion.index !== 7 && o.slot === undefined && o.group === undefined) {
    const what = readRegion.index <= 5 ? 'a BAR' : readRegion.index === 8 ? 'the VGA region' : 'a device-specific region'
    throw new UsageError(`--read-region ${o.readRegion}: reading ${what} can have side effects on the device; name the device with -s (or -g)`)
  }
  const hexdump = o.hexdump ?? false
  return {
    command: 'list',
    source: { ...sourceOf(o), idFile: o.idFile ?? null },
    color: o.color,
    selection: selectionOf(o),
    // The diagnostics search /proc: only for views that show them (a busy group is looked up anyway).
    gather: { open: opens(o.open, o), via: o.via, configBytes: o.hex >= 4 ? 4096 : 256, readRegion, diagnose: o.json === true || o.table === true || o.verbose >= 1, raw: hexdump || o.hex > 0 || readRegion !== null, modules: o.kernel === true },
    view: { verbose: o.verbose as 0 | 1 | 2 | 3, numeric: Math.min(o.numeric, 2) as 0 | 1 | 2, ascii: o.ascii ?? false, kernel: o.kernel === true },
    format: o.json ? 'json' : o.tree ? 'tree' : o.table ? 'table' : 'text',
    // lspci's -xx shows what -x does
    hex: o.hex === 2 ? 1 : o.hex,
    hexdump,
  }
}

function checkOptions(o: RawCheck, device: string | undefined): CheckOptions {
  if (device !== undefined && o.slot !== undefined) throw new UsageError('check: give the device either as an argument or with -s, not both')
  return {
    command: 'check',
    source: sourceOf(o),
    color: o.color,
    selection: selectionOf(o, device ?? o.slot),
    gather: { open: opens(o.open ?? false, o), via: o.via, configBytes: 0, readRegion: null, diagnose: true, raw: false },
    format: o.json === true ? 'json' : 'text',
    quiet: o.quiet ?? false,
  }
}

// `lsvfio metrics` and `lsvfio nfd`: the fleet outputs. Passive always (no --open): safe every minute.
function addFleetCommands(p: Command): void {
  const add = (name: string, desc: string): Command => {
    const c = subcommand(p, name, desc)
    c.addOption(new Option('-o, --output <file>', 'write FILE atomically (a dot-file in its directory, then renamed) instead of stdout').helpGroup('Options:'))
    addShared(c, 'Options:', SOURCE)
    return c
  }
  add('metrics', "Prometheus metrics for node_exporter's textfile collector: host readiness, per device and group readiness (the check verdicts), SR-IOV VFs counted per PF. Opens nothing; exits 0 when written.")
  const nfd = add('nfd', 'A Node Feature Discovery feature file (features.d): IOMMU, interrupt remapping, ready device counts, per vendor:device. Opens nothing; exits 0 when written.')
  nfd.addOption(new Option('--expiry <minutes>', 'minutes until NFD ignores the labels (refresh more often than this)').default('10').helpGroup('Options:'))
}

interface RawFleet {
  output?: string
  save?: string
  force?: boolean
  from?: string
  sysfsRoot?: string
  expiry?: string
}

function fleetOptions(command: 'metrics' | 'nfd', o: RawFleet): FleetOptions {
  const expiry = o.expiry === undefined ? 10 : Number(o.expiry)
  if (!Number.isInteger(expiry) || expiry < 1 || expiry > 525_600) throw new UsageError(`--expiry ${o.expiry ?? ''}: give whole minutes from 1 to 525600 (e.g. --expiry 10)`)
  return { command, source: sourceOf(o), color: 'never', output: o.output ?? null, expiryMinutes: expiry }
}

const REGION_NAMES: Record<string, number> = { BAR0: 0, BAR1: 1, BAR2: 2, BAR3: 3, BAR4: 4, BAR5: 5, ROM: 6, CONFIG: 7, VGA: 8 }
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
