import { it } from 'vitest'
import { bootGuest } from './harness.js'
it('boot', async () => {
  const r = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/lsvfio.sh', keep: ['0000:07:02.0'] })
  console.log(JSON.stringify({ out: r.outDir, rc: r.rc, ms: r.bootMs, retried: r.retried }))
}, 600000)
