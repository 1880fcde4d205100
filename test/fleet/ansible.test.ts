// The Ansible fact and playbook (contrib/ansible) with the real ansible-core (test/fleet/setup.sh): the
// setup module returns lsvfio's verdicts as ansible_local.lsvfio; the playbook passes on a ready host and
// fails on one that is not, naming the device and lsvfio's fix. The hosts are captured snapshots, given to
// the fact through LSVFIO_FROM (and the built lsvfio through LSVFIO).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
const FACTS = path.join(REPO, 'contrib/ansible')
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const why = !built ? 'no build (npm run build)' : !have('ansible') ? 'ansible-core missing: bash test/fleet/setup.sh' : ''
const env = (dir: string | null): NodeJS.ProcessEnv => ({
  ...process.env,
  LSVFIO: BIN,
  ...(dir === null ? {} : { LSVFIO_FROM: path.join(FIX, dir, 'snapshot.json') }),
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
  ANSIBLE_NOCOLOR: '1',
})
const checkJson = (dir: string): JsonCheckDocument =>
  JSON.parse(spawnSync(process.execPath, [BIN, '--from', path.join(FIX, dir, 'snapshot.json'), 'check', '--json'], { encoding: 'utf8' }).stdout) as JsonCheckDocument

function playbook(dir: string): { status: number | null; out: string } {
  const r = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', '-e', `lsvfio_fact_path=${FACTS}`, path.join(FACTS, 'vfio-ready.yml')], { env: env(dir), encoding: 'utf8' })
  return { status: r.status, out: r.stdout + r.stderr }
}

describe.skipIf(why !== '')(`Ansible fact and playbook${why === '' ? '' : ` (skipped: ${why})`}`, () => {
  it("ansible -m setup returns lsvfio's verdicts as ansible_local.lsvfio", { timeout: 180_000 }, () => {
    const r = spawnSync('ansible', ['localhost', '-m', 'setup', '-a', `filter=ansible_local fact_path=${FACTS}`], { env: env('x86-6.1'), encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const json = r.stdout.slice(r.stdout.indexOf('{'))
    const fact = (JSON.parse(json) as { ansible_facts: { ansible_local: { lsvfio: JsonCheckDocument } } }).ansible_facts.ansible_local.lsvfio
    const direct = checkJson('x86-6.1')
    expect(fact.kind).toBe('check')
    expect(fact.verdicts).toEqual(direct.verdicts)
    expect(fact.outcome).toBe('busy')
    expect(fact.time).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('the fact exits 0 with {"error": …} when lsvfio cannot judge the host', () => {
    const r = spawnSync(path.join(FACTS, 'lsvfio.fact'), { env: { ...env(null), LSVFIO_FROM: '/nonexistent.json' }, encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ error: 'lsvfio check exited 1: lsvfio: cannot read snapshot /nonexistent.json: ENOENT; give the path of a file saved with lsvfio --save' })
    const missing = spawnSync(path.join(FACTS, 'lsvfio.fact'), { env: { ...env(null), LSVFIO: '/nonexistent/lsvfio"\\' }, encoding: 'utf8' })
    expect(missing.status).toBe(0)
    expect((JSON.parse(missing.stdout) as { error: string }).error).toMatch(/^lsvfio check exited 127: /)
  })

  it('the playbook passes on a ready host (x86-6.12-cdev)', { timeout: 180_000 }, () => {
    const r = playbook('x86-6.12-cdev')
    expect(r.status, r.out).toBe(0)
    expect(r.out).toMatch(/ok=3 +changed=0 +unreachable=0 +failed=0/)
  })

  it('the playbook fails on a host that is not ready (x86-6.1), naming the device and the fix; busy is fine', { timeout: 180_000 }, () => {
    const r = playbook('x86-6.1')
    expect(r.status, r.out).toBe(2)
    expect(r.out).toContain('"msg": "0000:07:01.0 (group 18, driver vfio-pci) is not ready: not-viable: group 18 is not viable: 0000:07:02.0 is bound to virtio-pci. Fix: driverctl set-override 0000:07:02.0 vfio-pci"')
    // 00:04.0 is held by a process (busy): in use, not broken
    expect(r.out).toMatch(/ok: \[localhost\] => \(item=0000:00:04\.0\)/)
    expect(r.out).toMatch(/failed=1/)
  })
})
