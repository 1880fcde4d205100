// The check and completion subcommands: parsing, the exit status through the real binary on a fake
// tree, and the completion scripts driven by bash (and zsh, when installed) as a user would.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildProgram, completionSpec, parseArgs } from '../../src/cli/program.js'
import { UsageError } from '../../src/errors.js'
import { CHECK_EXIT, CHECK_EXIT_HELP } from '../../src/cli/exit.js'
import { proc, rawLinks, self } from '../helpers/fake-proc.js'
import { makeTree, pciDevice } from '../helpers/fake-sysfs.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('parseArgs: check and completion', () => {
  it('check takes its own selection, --json, --open, -q, and a device as argument', () => {
    const r = parseArgs(['check', '-s', '01:00.0', '--json'], '0')
    expect(r.kind === 'run' && r.options).toMatchObject({ command: 'check', format: 'json', quiet: false, gather: { open: false, configBytes: 0 }, selection: { slot: { bus: 1, dev: 0, fn: 0 } } })
    const p = parseArgs(['check', '0000:07:01.0', '--open', '-q'], '0')
    expect(p.kind === 'run' && p.options).toMatchObject({ command: 'check', quiet: true, gather: { open: true }, selection: { slot: { domain: 0, bus: 7, dev: 1, fn: 0 } } })
    // --sysfs-root never opens, as in the listing.
    const t = parseArgs(['check', '--open', '--sysfs-root', '/tmp/x'], '0')
    expect(t.kind === 'run' && t.options.command === 'check' && t.options.gather.open).toBe(false)
    // Where the host comes from may also come first, as for the listing.
    expect(parseArgs(['--from', 'snap.json', '--color', 'never', 'check', '-q'], '0')).toMatchObject({ kind: 'run', options: { command: 'check', source: { from: 'snap.json' }, color: 'never', quiet: true } })
    expect(parseArgs([], '0')).toMatchObject({ kind: 'run', options: { command: 'list', format: 'text' } })
  })

  it('refuses what makes no sense, saying where to look', () => {
    expect(() => parseArgs(['--json', 'check'], '0')).toThrow(new UsageError('options of the listing (--json) cannot go before "check"; put them after it (see lsvfio check --help)'))
    expect(() => parseArgs(['--from', 'x.json', 'completion', 'bash'], '0')).toThrow(/cannot go before "completion"/)
    expect(() => parseArgs(['check', '01:00.0', '-s', '02:00.0'], '0')).toThrow(/either as an argument or with -s/)
    expect(() => parseArgs(['check', '-v'], '0')).toThrow(/unknown option '-v' \(see lsvfio check --help\)/)
    expect(() => parseArgs(['completion', 'tcsh'], '0')).toThrow(/Allowed choices are bash, zsh, fish/)
    expect(() => parseArgs(['chekc'], '0')).toThrow(UsageError)
  })

  it('check --help lists every exit status, and the main help the subcommands', () => {
    const h = parseArgs(['check', '--help'], '0')
    expect(h.kind === 'exit' && h.out).toContain(CHECK_EXIT_HELP)
    for (const [kind, code] of Object.entries(CHECK_EXIT)) expect(CHECK_EXIT_HELP).toMatch(new RegExp(`^\\s*${code} ${kind}\\s`, 'm'))
    const main = parseArgs(['--help'], '0')
    expect(main.kind === 'exit' && main.out).toMatch(/check \[options\] \[device\]/)
    expect(main.kind === 'exit' && main.out).toMatch(/completion <shell>/)
    expect(main.kind === 'exit' && main.out).toContain('lsvfio check has its own')
  })
})

describe('documentation', () => {
  it('the man page and the README give every exit status of check with its class', () => {
    const man = readFileSync(path.join(REPO, 'man/lsvfio.8'), 'utf8')
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8')
    for (const [kind, code] of Object.entries(CHECK_EXIT)) {
      expect(man, kind).toMatch(new RegExp(`^\\.B ${code}\\n${kind}:`, 'm'))
      expect(readme, kind).toMatch(new RegExp(`^\\| ${code} \\| ${kind}:`, 'm'))
    }
    expect(man).toContain('.SS lsvfio completion bash|zsh|fish')
  })
})

describe.skipIf(!built)('lsvfio check through the binary (fake tree)', () => {
  function tree(extra: Record<string, string | { link: string }> = {}): string {
    const t = makeTree({
      '/sys/class/iommu/dmar0/uevent': '',
      '/sys/module/vfio/refcnt': '1\n',
      '/sys/module/vfio_pci/refcnt': '1\n',
      '/proc/interrupts': ' 25:  0  IR-PCI-MSI-0000:00:10.0  0-edge  x\n',
      ...pciDevice({ bdf: '0000:00:03.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: 'vfio-pci', group: 1 }),
      ...pciDevice({ bdf: '0000:00:04.0', vendor: 0x8086, device: 0x10d3, cls: 0x020000, driver: 'e1000e', group: 2 }),
      ...self({ pid: 4242, comm: 'node' }).tree,
      ...extra,
    })
    rawLinks(t.root, { '/proc/self': '4242' })
    cleanups.push(t.cleanup)
    return t.root
  }
  const lsvfio = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

  it('exits with the verdict: 0 ready, 3 not bound, 5 busy, 11 no match; -q prints nothing', () => {
    const root = tree()
    const ready = lsvfio('check', '--sysfs-root', root, '-s', '00:03.0')
    expect([ready.status, ready.stderr]).toEqual([0, ''])
    expect(ready.stdout).toMatch(/^0000:00:03\.0 {2}ready {2}\(group 1, vfio-pci\)\n/)
    expect(lsvfio('check', '--sysfs-root', root, '00:04.0').status).toBe(3)
    expect(lsvfio('check', '--sysfs-root', root, '-s', '09:00.0').status).toBe(11)
    const q = lsvfio('check', '-q', '--sysfs-root', root, '00:04.0')
    expect([q.status, q.stdout]).toEqual([3, ''])
    const held = tree(proc({ pid: 77, comm: 'sleep', fds: { 3: '/dev/vfio/1' } }) as Record<string, string | { link: string }>)
    const busy = lsvfio('check', '--sysfs-root', held, '--json')
    expect(busy.status).toBe(5)
    expect(JSON.parse(busy.stdout)).toMatchObject({ kind: 'check', exitCode: 5, verdicts: [{ address: '0000:00:03.0', reasons: [{ kind: 'busy', text: 'group 1 is open in pid 77 (sleep, user 0)' }] }] })
  })

  it('a usage error is 1, as everywhere', () => {
    expect(lsvfio('check', '--bogus').status).toBe(1)
  })
})

function bashComplete(script: string, line: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-comp-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(path.join(dir, 'c.bash'), script)
  const driver = 'source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _lsvfio; printf "%s\\n" "${COMPREPLY[@]}"'
  return execFileSync('bash', ['-c', driver, 'bash', path.join(dir, 'c.bash'), line], { encoding: 'utf8' }).split('\n').filter((l) => l !== '')
}

describe('completion scripts', () => {
  const script = (shell: string): string => {
    const r = parseArgs(['completion', shell], '0')
    if (r.kind !== 'exit') throw new Error('no script')
    return r.out
  }

  it('bash: options, values, subcommands, and their own options', () => {
    const s = script('bash')
    expect(s).toContain('complete -F _lsvfio lsvfio')
    expect(bashComplete(s, 'lsvfio --co')).toEqual(['--color'])
    expect(bashComplete(s, 'lsvfio --color ')).toEqual(['auto', 'always', 'never'])
    expect(bashComplete(s, 'lsvfio --via c')).toEqual(['cdev'])
    expect(bashComplete(s, 'lsvfio --read-region B').length).toBe(6)
    expect(bashComplete(s, 'lsvfio ch')).toEqual(['check'])
    expect(bashComplete(s, 'lsvfio check --o')).toEqual(['--open'])
    expect(bashComplete(s, 'lsvfio check --j')).toEqual(['--json'])
    // The listing's options are not offered after check.
    expect(bashComplete(s, 'lsvfio check --tr')).toEqual([])
    expect(bashComplete(s, 'lsvfio completion ')).toEqual(['bash', 'zsh', 'fish'])
    // Every option the program has is in the script.
    for (const o of ['--tree', '--json', '--verbose', '--hexdump', '--read-region', '--no-open', '--via', '--save', '--from', '--sysfs-root', '--slot', '--driver']) expect(s).toContain(o)
  })

  it.skipIf(!existsSync('/sys/bus/pci/devices'))('bash: PCI addresses from sysfs, whole even though bash breaks words at ":"', () => {
    const first = execFileSync('ls', ['/sys/bus/pci/devices'], { encoding: 'utf8' }).split('\n')[0] ?? ''
    const prefix = first.slice(0, 9)
    const got = bashComplete(script('bash'), `lsvfio check -s ${prefix}`)
    expect(got).toContain(first.slice(first.lastIndexOf(':') + 1))
    expect(got.every((g) => !g.includes(':'))).toBe(true)
  })

  it('fish: every option of the listing and of each subcommand, each under its own condition', () => {
    const s = script('fish')
    const p = buildProgram('0')
    const specs = completionSpec(p)
    for (const o of specs.options) expect(s, o.long ?? '').toMatch(new RegExp(`^complete -c lsvfio -n 'not __fish_seen_subcommand_from check metrics nfd completion'.* -l ${(o.long ?? '').slice(2)} `, 'm'))
    for (const c of specs.commands) for (const o of c.options) expect(s, `${c.name} ${o.long ?? ''}`).toMatch(new RegExp(`^complete -c lsvfio -n '__fish_seen_subcommand_from ${c.name}'.* -l ${(o.long ?? '').slice(2)} `, 'm'))
    // every quote in a description is escaped: the script is whole single-quoted words
    for (const l of s.split('\n').filter((x) => x.startsWith('complete '))) expect(l.replace(/\\[\\']/g, '').split("'").length % 2, l).toBe(1)
  })

  const fish = spawnSync('fish', ['--version']).status === 0
  it.skipIf(!fish)('fish: parses, and completes values, subcommands and check options in a real fish', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-fish-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'lsvfio.fish')
    writeFileSync(file, script('fish'))
    expect(spawnSync('fish', ['-n', file]).status).toBe(0)
    // complete -C: what fish offers for a command line, one "candidate<TAB>description" per line
    const offered = (line: string): string[] =>
      spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')[0] ?? '')
    expect(offered('lsvfio --color ')).toEqual(['always', 'auto', 'never'])
    expect(offered('lsvfio --via c')).toEqual(['cdev'])
    expect(offered('lsvfio ch')).toEqual(['check'])
    expect(offered('lsvfio completion ')).toEqual(['bash', 'fish', 'zsh'])
    expect(offered('lsvfio check --o')).toEqual(['--open'])
    expect(offered('lsvfio check --tr')).toEqual([])
    expect(offered('lsvfio --ke')).toEqual(['--kernel'])
    expect(offered('lsvfio metrics --')).not.toContain('--tree')
    expect(offered(`lsvfio --from ${path.join(dir, 'lsvfio.f')}`)).toEqual([file])
  }, 20_000)

  const zsh = spawnSync('zsh', ['--version']).status === 0
  it.skipIf(!zsh)('zsh: parses, registers, and completes values and check options in a real zsh', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-zsh-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, '_lsvfio')
    writeFileSync(file, script('zsh'))
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0)
    // Drive an interactive zsh through a pty and read what TAB lists.
    const driver = [
      'zmodload zsh/zpty',
      'zpty z zsh -f -i',
      `zpty -w z 'PS1="%% "; autoload -U compinit; compinit -u -d ${dir}/zcd; source ${file}; zstyle ":completion:*" menu no; print READY-$((6*7))'`,
      "acc=''; for i in {1..100}; do zpty -r -t z chunk && acc+=$chunk; [[ $acc == *READY-42* ]] && break; sleep 0.05; done",
      // TAB TAB lists; ^U clears the line; the marker says the listing is complete.
      `zpty -n -w z "$1"$'\\t\\t\\x15print -- LISTED-$((6*7))\\n'`,
      "acc=''; for i in {1..100}; do zpty -r -t z chunk && acc+=$chunk; [[ $acc == *LISTED-42* ]] && break; sleep 0.05; done",
      'print -r -- "$acc"; zpty -d z',
    ].join('\n')
    const listed = (line: string): string => spawnSync('zsh', ['-c', driver, 'zsh', line], { encoding: 'utf8' }).stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '')
    expect(listed('lsvfio --color ')).toMatch(/always\s+auto\s+never/)
    const check = listed('lsvfio check --')
    expect(check).toMatch(/--open\s+-- confirm through the kernel/)
    expect(check).toMatch(/--quiet\s+-- print nothing/)
    expect(check).not.toMatch(/--hexdump/)
  }, 20_000)
})
