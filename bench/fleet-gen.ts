import { generateSnapshot } from './gen-snapshot.js'
import { generateTree } from './gen-tree.js'
const n = Number(process.argv[3] ?? 4096)
if (process.argv[2] === 'tree') console.log(generateTree(n).root)
else console.log(generateSnapshot(n, process.argv[4] ?? `/tmp/fleet/host-${n}.json`))
