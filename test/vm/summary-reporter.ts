// Ends `npm test` with one line that says whether the real-kernel suite ran, and if not, why: a green
// run without the VM must not look like a green run with it.
import type { Reporter, TestModule } from 'vitest/node'
import { vmAvailable } from './harness.js'

export default class VmSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let ran = 0
    let skipped = 0
    let failed = 0
    let files = 0
    for (const m of modules) {
      if (!m.moduleId.includes('/test/vm/')) continue
      files++
      for (const t of m.children.allTests()) {
        const s = t.result().state
        if (s === 'passed') ran++
        else if (s === 'failed') failed++
        else skipped++
      }
    }
    const a = vmAvailable()
    const why = a.ok ? 'some tests are opt-in (LSVFIO_CAPTURE=1) or need more set-up' : a.why
    const line =
      files === 0
        ? 'VM suite: not part of this run (npm test runs it)'
        : ran + failed === 0
        ? `VM suite: NOT RUN (${why}); run bash test/vm/setup.sh, then npm test`
        : `VM suite: ran ${ran + failed} tests on real kernels (${failed} failed), ${skipped} skipped${skipped > 0 ? ` (${why})` : ''}`
    process.stdout.write(`\n${line}\n`)
  }
}
