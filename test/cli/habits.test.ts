// lspci's and GNU's habits: help COMMAND, --color[=WHEN], -xx; a replay that says it is one; --save
// failures that name the path and the reason after the listing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHECK_EXIT_HELP } from '../../src/cli/exit.js'
import { parseArgs } from '../../src/cli/program.js'
import { UsageError } from '../../src/errors.js'
import { makeTree, pciDevice } from '../helpers/fake-sysfs.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const SNAP = path.join(REPO, 'test/fixtures/x86-6.12/snapshot.json')
const options = (argv: string[]) => {
  const r = parseArgs(argv, '0')
  if (r.kind !== 'run' || r.options.command === 'metrics' || r.options.command === 'nfd') throw new Error(`not a listing or check: ${argv.join(' ')}`)
  return r.options
}
const list = (argv: string[]) => {
  const o = options(argv)
  if (o.command !== 'list') throw new Error('not the listing')
  return o
}

describe('command-line habits', () => {
  it('help [command] as --help does', () => {
    expect(parseArgs(['help'], '0')).toEqual(parseArgs(['--help'], '0'))
    const h = parseArgs(['help', 'check'], '0')
    expect(h).toEqual(parseArgs(['check', '--help'], '0'))
    expect(h.kind === 'exit' && h.out).toContain(CHECK_EXIT_HELP)
    expect(() => parseArgs(['help', 'frobnicate'], '0')).toThrow(/^help takes one command: check, .*completion \(see lsvfio --help\)$/)
  })

  it('--color alone means always, before an option, a command or at the end; --color=WHEN and --color WHEN as before', () => {
    expect(options(['--color']).color).toBe('always')
    expect(options(['--color', '-v']).color).toBe('always')
    expect(options(['--color', 'never']).color).toBe('never')
    expect(options(['--color=auto']).color).toBe('auto')
    expect(options(['--from', 'x.json', '--color', 'check']).color).toBe('always')
    expect(options(['check', '--color']).color).toBe('always')
    expect(() => parseArgs(['--color', 'purple'], '0')).toThrow(/Allowed choices are auto, always, never/)
  })

  it('-xx shows what -x shows, as in lspci', () => {
    expect(list(['-xx']).hex).toBe(list(['-x']).hex)
    expect(list(['-xxx']).hex).toBe(3)
  })
})

describe.runIf(existsSync(path.join(REPO, 'dist/cli/main.js')))('through the binary', () => {
  const lsvfio = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

  it('a replay says what it replays, when and by what it was recorded, and describes what the recording did', () => {
    const r = lsvfio('--from', SNAP, '--open', '-v')
    const lines = r.stdout.split('\n')
    const created = (JSON.parse(readFileSync(SNAP, 'utf8')) as { created: string }).created.replace('T', ' ').slice(0, 19)
    expect(lines[0]).toBe(`Replay of ${SNAP}: recorded ${created} UTC by lsvfio 0.1.0 on kernel 6.12.117+deb12-amd64; nothing on this host was read or opened`)
    expect(r.stdout).toMatch(/note: the recording opened 3 idle devices with a reset method: vfio-pci reset each on open and again on close \(0000:01:00\.0, 0000:02:00\.0, 0000:03:00\.0\)/)
    expect(r.stdout).not.toMatch(/this run opened/)
    // JSON stays the document alone
    expect(lsvfio('--from', SNAP, '--json').stdout.startsWith('{')).toBe(true)
  })

  it('check says it is a replay too (text only: JSON stays the document, -q prints nothing)', () => {
    const r = lsvfio('--from', SNAP, 'check')
    const created = (JSON.parse(readFileSync(SNAP, 'utf8')) as { created: string }).created.replace('T', ' ').slice(0, 19)
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([`Replay of ${SNAP}: recorded ${created} UTC by lsvfio 0.1.0 on kernel 6.12.117+deb12-amd64; nothing on this host was read or opened`, '', expect.stringMatching(/^0000:00:03\.0  ready/)])
    expect(lsvfio('--from', SNAP, 'check', '--json').stdout.startsWith('{')).toBe(true)
    expect(lsvfio('--from', SNAP, 'check', '-q').stdout).toBe('')
  })

  it('--save to a path that cannot be written: the listing, then one line with the path and the reason, exit 1', () => {
    const t = makeTree({
      '/sys/class/iommu/dmar0/uevent': '',
      '/sys/module/vfio/refcnt': '1\n',
      '/sys/module/vfio_pci/refcnt': '1\n',
      ...pciDevice({ bdf: '0000:00:03.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: 'vfio-pci', group: 1 }),
    })
    const ok = lsvfio('--sysfs-root', t.root)
    expect(ok.status, ok.stderr).toBe(0)
    for (const [file, reason] of [
      ['/nonexistent-dir/snap.json', 'ENOENT \\(its directory does not exist\\)'],
      [REPO, 'EISDIR \\(it is a directory\\)'],
    ] as const) {
      const r = lsvfio('--sysfs-root', t.root, '--save', file)
      expect(r.status, r.stderr).toBe(1)
      expect(r.stdout).toBe(ok.stdout)
      expect(r.stderr).toMatch(new RegExp(`^lsvfio: --save ${file}: cannot write the snapshot: ${reason}; the listing above is complete, give a writable path to save it\\n$`, 'm'))
      expect(r.stderr).not.toMatch(/internal error/)
    }
    t.cleanup()
  })
})
