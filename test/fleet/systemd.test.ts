// The systemd units (contrib/systemd) pass systemd-analyze verify, installed as the README says: the
// ExecStart path pointed at the lsvfio that is installed (here the built one). A broken timer fails.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = path.resolve(import.meta.dirname, '../..')
const UNITS = path.join(REPO, 'contrib/systemd')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const have = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0

function verify(edit: (name: string, text: string) => string): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-units-'))
  try {
    const files = readdirSync(UNITS).map((n) => {
      writeFileSync(path.join(dir, n), edit(n, readFileSync(path.join(UNITS, n), 'utf8').replaceAll('/usr/local/bin/lsvfio', BIN)))
      return path.join(dir, n)
    })
    // --man=no: the man page is checked below, from the package's files
    const r = spawnSync('systemd-analyze', ['--man=no', 'verify', ...files], { encoding: 'utf8' })
    return { status: r.status, out: r.stdout + r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe.skipIf(!have)(`systemd units${have ? '' : ' (skipped: systemd-analyze missing: bash test/fleet/setup.sh)'}`, () => {
  it('metrics and nfd: service + timer every minute, verified', () => {
    expect(readdirSync(UNITS).sort()).toEqual(['lsvfio-metrics.service', 'lsvfio-metrics.timer', 'lsvfio-nfd.service', 'lsvfio-nfd.timer'])
    const r = verify((_, t) => t)
    expect([r.status, r.out]).toEqual([0, ''])
    for (const t of ['lsvfio-metrics.timer', 'lsvfio-nfd.timer']) expect(readFileSync(path.join(UNITS, t), 'utf8')).toMatch(/^OnCalendar=minutely$/m)
    expect(readFileSync(path.join(UNITS, 'lsvfio-metrics.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/local\/bin\/lsvfio metrics --output \/var\/lib\/prometheus\/node-exporter\/lsvfio\.prom$/m)
    expect(existsSync(path.join(REPO, 'man/lsvfio.8'))).toBe(true)
  })

  it('systemd-analyze verify is not a rubber stamp', () => {
    const r = verify((n, t) => (n === 'lsvfio-metrics.timer' ? t.replace('OnCalendar=minutely', 'OnCalendar=every so often') : t))
    expect(r.status).not.toBe(0)
    expect(r.out).toMatch(/Failed to parse calendar specification/)
  })
})
