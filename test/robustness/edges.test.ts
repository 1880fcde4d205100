// Clean edges of the real process (spawned bin): a reader that goes away (lsvfio | head -1), Ctrl-C in
// the middle of a run, and bad input of every kind: one clear line on stderr, the documented exit
// status (lsvfio(8): 1 fatal, 2 partial, 130 interrupted), never a stack trace.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTree, type GenTree } from '../../bench/gen-tree.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures/x86-6.12/snapshot.json')
const tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-edges-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const STACK = /^\s+at .+[:(]/m

function lsvfio(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('a closed pipe', () => {
  it('lsvfio … | head -1: head gets its line, lsvfio ends quietly with its own status (EPIPE is no error)', () => {
    // -vvv --hexdump -xxxx is > 100 KiB: more than a pipe holds, so lsvfio is still writing when head exits.
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" --from "${FIX}" --open -vvv --hexdump -xxxx | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' })
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1)
    expect(r.stderr).toBe('rc=0\n') // the run's own status (a busy group is a state, not a failure), and nothing else
  })
})

describe('Ctrl-C during a run', () => {
  let tree: GenTree
  beforeAll(() => {
    tree = generateTree(2048)
  }, 120_000)
  afterAll(() => tree.cleanup())

  it('SIGINT ends the run at once with status 130, writes nothing half-done, prints no stack trace', async () => {
    const save = path.join(tmp, 'interrupted.json')
    // A whole run over 2,048 functions first, to time it: the signal then lands half-way, inside the
    // synchronous gathering (output is written only at the end, so an empty stdout proves it).
    const t0 = performance.now()
    const full = spawnSync(process.execPath, [BIN, '--sysfs-root', tree.root, '-vv'], { encoding: 'utf8', maxBuffer: 1 << 28 })
    const half = Math.round((performance.now() - t0) / 2)
    expect(full.status).toBe(0)
    const child = spawn(process.execPath, [BIN, '--sysfs-root', tree.root, '-vv', '--save', save], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    await new Promise((r) => setTimeout(r, half))
    child.kill('SIGINT')
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])))
    // Node's default SIGINT action: killed by the signal, which a shell reports as 128 + 2.
    expect(code === 130 || signal === 'SIGINT').toBe(true)
    expect(stdout).toBe('')
    expect(stderr).not.toMatch(STACK)
    expect(existsSync(save)).toBe(false)
    expect(full.stdout.length).toBeGreaterThan(10_000)
    // The shell's view: 130.
    const sh = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" --sysfs-root "${tree.root}" -vv > /dev/null & pid=$!; sleep ${half / 1000}; kill -INT $pid; wait $pid; echo $?`], { encoding: 'utf8' })
    expect(sh.stdout.trim()).toBe('130')
  }, 60_000)
})

describe('bad input: one clear line, exit 1, no stack trace', () => {
  const write = (name: string, text: string): string => {
    const f = path.join(tmp, name)
    writeFileSync(f, text)
    return f
  }
  const fifo = (): string => {
    const f = path.join(tmp, `fifo-${Math.random().toString(36).slice(2)}`)
    expect(spawnSync('mkfifo', [f]).status).toBe(0)
    return f
  }
  const sparse = (name: string, size: number): string => {
    const f = write(name, '')
    truncateSync(f, size) // a hole: no disk used
    return f
  }
  const snapshot = (patch: (d: Record<string, unknown>) => void): string => {
    const d = JSON.parse(spawnSync('cat', [FIX], { encoding: 'utf8' }).stdout) as Record<string, unknown>
    patch(d)
    return JSON.stringify(d)
  }
  const cases: [string, () => string[], RegExp][] = [
    ['unknown option', () => ['--frobnicate'], /unknown option '--frobnicate'/],
    ['unknown short option', () => ['-q'], /unknown option '-q'/],
    ['-s with too many colons', () => ['-s', '1:2:3:4'], /too many ':'/],
    ['-s with a bad function', () => ['-s', '01:00.9'], /function/],
    ['-s with a huge bus', () => ['-s', '1ff:00.0'], /out of range/],
    ['-d without a colon', () => ['-d', '8086'], /expected \[vendor\]:\[device\]/],
    ['-d with a 5-digit id', () => ['-d', '12345:'], /vendor/],
    ['-g not a number', () => ['-g', 'twelve'], /IOMMU group number/],
    ['--read-region without a number', () => ['--read-region', 'CONFIG:x'], /not a number/],
    ['--read-region of a BAR without -s', () => ['--read-region', 'BAR0'], /side effects/],
    ['-xxxxx', () => ['-xxxxx'], /more than four are not defined/],
    ['-vvvv', () => ['-vvvv'], /at most -vvv/],
    ['--color purple', () => ['--color', 'purple'], /Allowed choices/],
    ['--from a missing file', () => ['--from', path.join(tmp, 'nope.json')], /cannot read snapshot .*ENOENT/],
    ['--from a directory', () => ['--from', tmp], /cannot read snapshot .*not a regular file \(a directory\)/],
    // A FIFO with no writer: opened without blocking and refused by fstat, so the run cannot hang.
    ['--from a FIFO with no writer', () => ['--from', fifo()], /cannot read snapshot .*not a regular file \(a FIFO\)/],
    ['--from /dev/zero', () => ['--from', '/dev/zero'], /cannot read snapshot \/dev\/zero: not a regular file \(a character device\)/],
    ['--from a 1 GB file', () => ['--from', sparse('big.json', 2 ** 30)], /cannot read snapshot .*1073741824 bytes, more than the 128 MiB a snapshot may have/],
    ['--from a snapshot nested 100,000 deep', () => ['--from', write('deep.json', snapshot((d) => (d.argv = 'DEEP')).replace('"DEEP"', '['.repeat(100_000) + ']'.repeat(100_000)))], /nested more than 32 levels deep/],
    ['--read-region of the VGA region without -s', () => ['--read-region', 'VGA'], /reading the VGA region can have side effects on the device; name the device with -s/],
    ['--read-region of a device-specific region without -s', () => ['--read-region', '9'], /reading a device-specific region can have side effects/],
    ['--from F check --save X', () => ['--from', FIX, 'check', '--save', path.join(tmp, 's.json')], /--from and --save cannot be used together/],
    ['--save X check --from F', () => ['--save', path.join(tmp, 's.json'), 'check', '--from', FIX], /--from and --save cannot be used together/],
    ['--sysfs-root D check --from F', () => ['--sysfs-root', tmp, 'check', '--from', FIX], /--from and --sysfs-root cannot be used together/],
    ['--from given before and after check', () => ['--from', FIX, 'check', '--from', FIX], /--from is given both before and after "check"/],
    ['--from an empty file', () => ['--from', write('empty.json', '')], /not a usable lsvfio snapshot \(invalid JSON/],
    ['--from a truncated snapshot', () => ['--from', write('cut.json', snapshot(() => {}).slice(0, 5000))], /not a usable lsvfio snapshot \(invalid JSON/],
    ['--from another JSON file', () => ['--from', path.join(REPO, 'package.json')], /format is undefined/],
    ['--from a newer snapshot version', () => ['--from', write('v9.json', snapshot((d) => (d.version = 9)))], /version 9; this lsvfio reads versions 1 and 2/],
    ['--from a snapshot with a huge fd', () => ['--from', write('huge.json', snapshot((d) => ((d.open as Record<string, unknown>)['/dev/vfio/vfio rw'] = 1e300)))], /open entry .* is not an integer/],
    ['--from a snapshot with a corrupt sysfs record', () => ['--from', write('stat.json', snapshot((d) => ((d.fs as Record<string, unknown>)['stat /sys/module/vfio'] = { v: '{' })))], /cannot read \/sys\/module\/vfio: EPROTO/],
    ['--from with --save', () => ['--from', FIX, '--save', path.join(tmp, 's.json')], /cannot be used with/],
  ]
  it.each(cases)('%s', (_name, args, message) => {
    const r = lsvfio(args())
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    const lines = r.stderr.split('\n').filter((l) => l !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^lsvfio: /)
    expect(lines[0]).toMatch(message)
    expect(r.stderr).not.toMatch(STACK)
    expect(r.stderr).not.toMatch(/internal error/)
  })
})
