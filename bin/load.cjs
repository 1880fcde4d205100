// @ts-check
// Starts lsvfio: the one-file bundle dist/cli/lsvfio.cjs when the build made it, else the ES modules tsc
// wrote (dist/cli/main.js). CommonJS on purpose (bin/package.json): an ES module entry costs the ESM
// loader's start-up on every run.
//
// Which one: scripts/bundle.mjs ends both the bundle and tsc's main.js with the same build id. tsc run
// alone later rewrites main.js without it, so the modules are newer and win; an installed copy has both
// files from one build whatever order npm extracted them in.
//
// V8's code cache spares compiling the bundle again on every start. It is only valid for one bundle, V8
// and CPU, and V8 trusts its bytes (a corrupt cache is a fatal error, not a rejection), so a cache is
// used only when its header names this build, CPU and Node, it has the length the header says, its
// owner could have written the bundle anyway (or is us), no one else can write it and its bytes have the
// checksum the header gives (ours: V8's own check needs node:v8, whose loading costs more than the cache
// saves). A damaged cache is then not used, quietly. The build ships a cache for
// the Node that built it; any other Node writes its own on its first run under $XDG_CACHE_HOME/lsvfio
// (or ~/.cache/lsvfio), never into the install directory.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const dir = path.join(__dirname, '..', 'dist', 'cli')
const bundleFile = path.join(dir, 'lsvfio.cjs')

/** The build id at the end of a file from scripts/bundle.mjs, or null. */
function buildId(/** @type {string} */ text) {
  return /\/\/# lsvfio-build ([0-9a-f]{16})\n$/.exec(text.slice(-48))?.[1] ?? null
}

/** The bundle's source and build id when it is the newest build, else null. */
function bundle() {
  let source
  try {
    source = fs.readFileSync(bundleFile, 'latin1') // ASCII (scripts/bundle.mjs): latin1 is the cheap decoding
  } catch {
    return null
  }
  const id = buildId(source)
  if (id === null) return null
  try {
    if (buildId(fs.readFileSync(path.join(dir, 'main.js'), 'latin1')) !== id) return null
  } catch {
    // no modules beside it: the bundle is all there is
  }
  return { source, id }
}

/** FNV-1a over the bytes, as 8 hex digits: finds a damaged cache before V8 trusts it. */
function checksum(/** @type {Uint8Array} */ b) {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** Reads a cache file if `key` heads it, its checksum is right and it is safe to hand to V8. */
function readCache(/** @type {string} */ file, /** @type {string} */ key, /** @type {number[]} */ owners) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const st = fs.fstatSync(fd)
    const head = key.length + 9 // the key, then the checksum and a newline
    if (!st.isFile() || !owners.includes(st.uid) || (st.mode & 0o022) !== 0 || st.size <= head) return undefined
    const buf = Buffer.allocUnsafe(st.size)
    if (fs.readSync(fd, buf, 0, st.size, 0) !== st.size || buf.toString('latin1', 0, key.length) !== key) return undefined
    const data = buf.subarray(head)
    return buf.toString('latin1', key.length, head) === `${checksum(data)}\n` ? data : undefined
  } catch {
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}

/** The per-user cache directory, or null without a home. */
function userCacheDir() {
  const env = process.env
  const base = env.XDG_CACHE_HOME !== undefined && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : env.HOME !== undefined && path.isAbsolute(env.HOME) ? path.join(env.HOME, '.cache') : null
  return base === null ? null : path.join(base, 'lsvfio')
}

/** Writes the cache atomically: a reader sees the old file or the whole new one. */
function writeCache(/** @type {string} */ file, /** @type {string} */ key, /** @type {Buffer} */ data, /** @type {number} */ mode) {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}${checksum(data)}\n`, 'latin1'), data]), { mode })
    fs.renameSync(tmp, file)
  } catch {
    // a cache is an optimisation: a read-only or full disk just means the next start compiles again
    fs.rmSync(tmp, { force: true })
  }
}

/** Creates our own cache directory; null when it is not ours alone (then we neither read nor write it). */
function ownDir(/** @type {string | null} */ d, /** @type {boolean} */ create) {
  if (d === null) return null
  try {
    if (create) fs.mkdirSync(d, { recursive: true, mode: 0o700 })
    const st = fs.statSync(d)
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0 ? d : null
  } catch {
    return null
  }
}

function runBundle(/** @type {{ source: string, id: string }} */ b) {
  const vm = require('node:vm')
  const key = `lsvfio-v8-cache 2 ${b.id} ${process.arch} ${process.version}\n`
  const me = process.getuid?.() ?? -1
  const writeTo = process.env.LSVFIO_WRITE_CODE_CACHE
  const userDir = userCacheDir()
  const userFile = `${b.id}-${process.arch}-${process.version}.cache`
  let cachedData
  if (writeTo === undefined) {
    let bundleOwner = me
    try {
      bundleOwner = fs.statSync(bundleFile).uid
    } catch {
      // read a moment ago: only a concurrent removal gets here
    }
    // The user's own first: it exists only where the shipped one did not fit or was rejected.
    const d = ownDir(userDir, false)
    if (d !== null) cachedData = readCache(path.join(d, userFile), key, [me])
    cachedData ??= readCache(path.join(dir, 'lsvfio.cache'), key, [me, bundleOwner])
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${b.source}\n})`, { filename: bundleFile, cachedData })
  if (writeTo !== undefined || cachedData === undefined || script.cachedDataRejected === true) {
    // After the run, so that every function it compiled is in the cache.
    process.on('exit', () => {
      const target = writeTo ?? (ownDir(userDir, true) === null ? null : path.join(userDir ?? '', userFile))
      // the build's cache ships in a public install; a user's own cache stays theirs
      if (target !== null) writeCache(target, key, script.createCachedData(), writeTo === undefined ? 0o600 : 0o644)
    })
  }
  const m = { exports: {} }
  script.runInThisContext()(m.exports, require('node:module').createRequire(bundleFile), m, bundleFile, dir)
}

const b = bundle()
if (b !== null) runBundle(b)
else if (fs.existsSync(path.join(dir, 'main.js'))) import('../dist/cli/main.js')
else {
  process.stderr.write(`lsvfio: not built (${dir} has neither lsvfio.cjs nor main.js): run npm run build\n`)
  process.exitCode = 1
}
