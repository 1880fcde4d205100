// The package's programmatic API as a Node program gets it: `import('lsvfio')` resolved through
// package.json "exports" to the built dist/index.js (run `npm run build` first; npm test does).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = path.resolve(import.meta.dirname, '..')
const SNAP = path.join(REPO, 'test/fixtures/x86-6.12/snapshot.json')

function node(script: string): { status: number | null; stdout: string; stderr: string } {
  // From the repository root, the package's own name resolves through its "exports" (self-reference).
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("import('lsvfio')", () => {
  it('gives inspect() and check() over a snapshot, typed inventory and verdicts with the diagnostics', () => {
    const r = node(`
      const m = await import('lsvfio')
      const inv = m.inspect({ from: ${JSON.stringify(SNAP)} })
      const report = m.check({ from: ${JSON.stringify(SNAP)}, selection: { group: inv.groups.find((g) => g.devices.some((d) => d.vfioDriver))?.id } })
      console.log(JSON.stringify({
        exports: Object.keys(m).sort(),
        groups: inv.groups.length,
        opened: inv.opened,
        hasDiagnostics: inv.diagnostics !== undefined,
        findings: inv.diagnostics.readiness.findings.map((f) => f.id).includes('iommu'),
        verdicts: report.verdicts.length,
        exitIsNumber: typeof report.exitCode === 'number',
        json: m.toJson(inv, { version: 'api', opened: false }).schemaVersion !== undefined,
      }))
    `)
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({
      exports: ['LsvfioError', 'check', 'diagnose', 'gather', 'inspect', 'judged', 'toJson'],
      groups: expect.any(Number),
      opened: false,
      hasDiagnostics: true,
      findings: true,
      verdicts: expect.any(Number),
      exitIsNumber: true,
      json: true,
    })
    const counts = JSON.parse(r.stdout) as { groups: number; verdicts: number }
    expect(counts.groups).toBeGreaterThan(5)
    expect(counts.verdicts).toBeGreaterThan(0)
  })

  it('refuses a bad selection with an LsvfioError naming the problem', () => {
    const r = node(`
      const m = await import('lsvfio')
      try { m.inspect({ from: ${JSON.stringify(SNAP)}, selection: { slot: '1:2:3:4' } }) } catch (e) { console.log(e instanceof m.LsvfioError, e.message) }
    `)
    expect(r.stdout).toMatch(/^true -s 1:2:3:4: /)
  })
})
