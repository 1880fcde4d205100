// bin/load.cjs on a copy of the built package: which build it runs, and V8 code caches that are damaged,
// made for another Node, or writable by others. Needs `npm run build`.
import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = path.resolve(import.meta.dirname, '../..')
const SNAP = path.join(REPO, 'test/fixtures/x86-6.12/snapshot.json')
let root = ''
let pkg = ''
let expected = ''
let status: number | null = null

/** A fresh copy of the package (bin, dist, package.json) with the repository's node_modules. */
function copy(): string {
  const d = mkdtempSync(path.join(root, 'pkg-'))
  for (const f of ['bin', 'dist', 'package.json']) cpSync(path.join(REPO, f), path.join(d, f), { recursive: true })
  symlinkSync(path.join(REPO, 'node_modules'), path.join(d, 'node_modules'))
  return d
}

function run(dir: string, home: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'bin/lsvfio.js'), '--from', SNAP], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const userCacheDir = (home: string): string => path.join(home, '.cache/lsvfio')
const userCaches = (home: string): string[] => (existsSync(userCacheDir(home)) ? spawnSync('ls', [userCacheDir(home)], { encoding: 'utf8' }).stdout.split('\n').filter((x) => x !== '') : [])
const buildId = (file: string): string => /\/\/# lsvfio-build ([0-9a-f]{16})\n$/.exec(readFileSync(file, 'utf8'))?.[1] ?? ''

beforeAll(() => {
  if (!existsSync(path.join(REPO, 'dist/cli/lsvfio.cjs'))) throw new Error('no build: run npm run build')
  root = mkdtempSync(path.join(tmpdir(), 'lsvfio-loader-'))
  pkg = copy()
  const r = run(pkg, path.join(root, 'home0'))
  // this fixture recorded a failed probe: exit status 2 (partial)
  expect([0, 2]).toContain(r.status)
  status = r.status
  expected = r.stdout
  expect(expected).toContain('IOMMU group')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('bin/load.cjs', () => {
  it('runs the bundle whatever the files\' times (npm extracts in any order), and writes no cache when the shipped one fits', () => {
    const d = copy()
    const future = new Date(Date.now() + 3600_000)
    utimesSync(path.join(d, 'dist/cli/main.js'), future, future)
    const home = path.join(root, 'home-order')
    // LSVFIO_WRITE_CODE_CACHE is honoured by the bundle path only: the file appearing proves which ran.
    const out = path.join(root, 'order.cache')
    const r = run(d, home, { LSVFIO_WRITE_CODE_CACHE: out })
    expect(r).toEqual({ status, stdout: expected, stderr: '' })
    expect(existsSync(out)).toBe(true)
    expect(run(d, home)).toEqual({ status, stdout: expected, stderr: '' })
    expect(userCaches(home)).toEqual([])
  })

  it('runs the ES modules when tsc rewrote them after the bundle (their build id differs)', () => {
    const d = copy()
    const main = path.join(d, 'dist/cli/main.js')
    writeFileSync(main, readFileSync(main, 'utf8').replace(/\/\/# lsvfio-build [0-9a-f]{16}\n$/, ''))
    const out = path.join(root, 'esm.cache')
    const r = run(d, path.join(root, 'home-esm'), { LSVFIO_WRITE_CODE_CACHE: out })
    expect(r).toEqual({ status, stdout: expected, stderr: '' })
    expect(existsSync(out)).toBe(false)
  })

  it('a corrupt cache gives the normal output (its checksum does not match), and the user gets a good one', () => {
    const d = copy()
    const cache = path.join(d, 'dist/cli/lsvfio.cache')
    const b = readFileSync(cache)
    const header = b.indexOf(10) + 1
    for (let i = header + 64; i < b.length; i += 997) b[i] = (b[i] ?? 0) ^ 0x5a
    writeFileSync(cache, b)
    const home = path.join(root, 'home-corrupt')
    expect(run(d, home)).toEqual({ status, stdout: expected, stderr: '' })
    expect(userCaches(home)).toHaveLength(1)
    // the user's cache is used from now on: not rewritten
    const f = path.join(userCacheDir(home), userCaches(home)[0] ?? '')
    const t = statSync(f).mtimeMs
    expect(run(d, home)).toEqual({ status, stdout: expected, stderr: '' })
    expect(statSync(f).mtimeMs).toBe(t)
    expect(statSync(f).mode & 0o777).toBe(0o600)
  })

  it('a truncated cache, one for another Node, and one others can write are not given to V8', () => {
    const d = copy()
    const cache = path.join(d, 'dist/cli/lsvfio.cache')
    const good = readFileSync(cache)
    writeFileSync(cache, good.subarray(0, good.length >> 1))
    expect(run(d, path.join(root, 'home-trunc'))).toEqual({ status, stdout: expected, stderr: '' })
    writeFileSync(cache, Buffer.concat([Buffer.from(good.toString('latin1', 0, good.indexOf(10)).replace(process.version, 'v0.0.0'), 'latin1'), good.subarray(good.indexOf(10))]))
    const home = path.join(root, 'home-other')
    expect(run(d, home)).toEqual({ status, stdout: expected, stderr: '' })
    expect(userCaches(home)).toEqual([`${buildId(path.join(d, 'dist/cli/lsvfio.cjs'))}-${process.arch}-${process.version}.cache`])
    writeFileSync(cache, good)
    chmodSync(cache, 0o666)
    const home2 = path.join(root, 'home-writable')
    expect(run(d, home2)).toEqual({ status, stdout: expected, stderr: '' })
    expect(userCaches(home2)).toHaveLength(1)
  })

  it('a read-only install without a writable home still runs', () => {
    const d = copy()
    rmSync(path.join(d, 'dist/cli/lsvfio.cache'))
    expect(run(d, '/nonexistent/home')).toEqual({ status, stdout: expected, stderr: '' })
  })

  it('says how to build when there is nothing to run', () => {
    const d = mkdtempSync(path.join(root, 'empty-'))
    cpSync(path.join(REPO, 'bin'), path.join(d, 'bin'), { recursive: true })
    const r = run(d, path.join(root, 'home-empty'))
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^lsvfio: not built .*run npm run build\n$/)
  })
})
