// The arm64 harness's failure path: a guest that dies before writing its rc file is booted once more,
// then reported with the serial log (the happy path is arm64.test.ts).
import { describe, expect, it } from 'vitest'
import { Arm64BootError, arm64Available, bootArm64 } from './harness.js'

const avail = arm64Available()

describe.skipIf(!avail.ok)(`arm64 harness${avail.ok ? '' : ` (skipped: ${avail.why})`}`, () => {
  it('a guest that panics is retried once, then reported with its serial log', async () => {
    const err = await bootArm64({ scenario: 'test/vm/arm64/guest/panic.sh', bind: [], timeoutMs: 60_000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Arm64BootError)
    const msg = (err as Arm64BootError).message
    expect(msg).toMatch(/attempt 1: no rc file .*; attempt 2: no rc file/)
    expect(msg).toContain('Kernel panic')
  }, 150_000)
})
