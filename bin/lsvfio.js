#!/usr/bin/env node
// Runs the one-file bundle dist/cli/lsvfio.cjs (npm run build) with V8's code cache when the cache was
// made for this very bundle; without a bundle, the ES modules of dist/cli/main.js. CommonJS on purpose
// (bin/package.json): an ES module entry costs the ESM loader's start-up on every run.
'use strict'
const { readFileSync, statSync, writeFileSync } = require('node:fs')
const path = require('node:path')

const dir = path.join(__dirname, '..', 'dist', 'cli')
const file = path.join(dir, 'lsvfio.cjs')
let source = null
try {
  // A bundle older than tsc's output is stale (tsc was run alone): the modules are the truth then.
  const main = statSync(path.join(dir, 'main.js'), { throwIfNoEntry: false })
  if (main === undefined || statSync(file).mtimeMs >= main.mtimeMs) source = readFileSync(file, 'utf8')
} catch {
  // not bundled: run the modules tsc wrote
}
if (source === null) {
  import('../dist/cli/main.js')
} else {
  const vm = require('node:vm')
  // scripts/bundle.mjs ends the bundle with its hash; the cache starts with the same 16 characters.
  const tag = /\/\/# lsvfio-bundle ([0-9a-f]{16})\n$/.exec(source.slice(-64))?.[1]
  const cacheFile = path.join(dir, 'lsvfio.cache')
  const writeTo = process.env.LSVFIO_WRITE_CODE_CACHE
  // V8's code cache is only valid for the V8 and CPU that made it: a cache built on an x86 host and read
  // by an arm64 node (the arm64 guest shares this checkout) crashes it, so the key names both.
  const key = `${tag} ${process.arch} ${process.version}\n`
  let cachedData
  if (tag !== undefined && writeTo === undefined) {
    try {
      const c = readFileSync(cacheFile)
      if (c.toString('latin1', 0, key.length) === key) cachedData = c.subarray(key.length)
    } catch {
      // no cache: V8 compiles as usual
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData })
  if (writeTo !== undefined && tag !== undefined) {
    // After the run, so that every function it compiled is in the cache.
    process.on('exit', () => writeFileSync(writeTo, Buffer.concat([Buffer.from(key, 'latin1'), script.createCachedData()])))
  }
  const m = { exports: {} }
  script.runInThisContext()(m.exports, require('node:module').createRequire(file), m, file, dir)
}
