// The process boundary: the only file that reads argv/env, writes stdout/stderr and sets the exit code.
//
// Output goes through fs.writeSync on fds 1 and 2, not process.stdout: creating those streams loads
// net and the stream machinery for a pipe (a measurable part of every start-up), and a synchronous write
// turns a closed pipe (lsvfio | head -1) into an EPIPE we can end on quietly, at once.
//
// SIGINT: no JavaScript handler (most of a run is synchronous, so it could only run after it). Node's
// default action is kept instead: the process ends at once (status 130 in the shell), and the kernel closes
// every fd it held, which is exactly the release a normal close does (vfio-pci resets on release as on
// close). Nothing is half-written: output and --save files are written only after the run.
import { fstatSync, readFileSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hostname as osHostname } from 'node:os'
import { EnvironmentError, EXIT, LsvfioError } from '../errors.js'
import { safe } from '../render/safe.js'
import { createStyle } from '../render/style.js'
import { compactSnapshot } from '../snapshot/compact.js'
import { composeHost } from './compose.js'
import { parseArgs } from './program.js'
import { runConcurrently } from './run.js'
import { savedLine, writeSnapshotFile } from './save.js'
import { colorLevel, localeIsUtf8 } from './terminal.js'
import { writeAtomic } from './write-atomic.js'

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** isatty(1) without loading node:tty (and net) when stdout is a pipe or a file. */
function stdoutIsTty(): boolean {
  try {
    const st = fstatSync(1)
    // Loading node:tty brings net and streams: skip it for pipes, files and the
    // memory devices (major 1: /dev/null and friends), none of which is a terminal.
    if (!st.isCharacterDevice() || Math.floor(st.rdev / 256) % 4096 === 1) return false
    const tty = createRequire(import.meta.url)('node:tty') as { isatty(fd: number): boolean }
    return tty.isatty(1)
  } catch {
    return false
  }
}

/** Thrown when the reader went away: the run ends quietly with its own exit status. */
class PipeClosed extends Error {}

let pause: Int32Array | null = null

/** Characters encoded and written at a time: one buffer of the whole output (80 MB of JSON at scale)
 * costs far more to allocate than the writes themselves. */
const WRITE_CHARS = 1 << 16
let scratch: Buffer | null = null

/** Writes all of `text` in pieces through one reused buffer, never splitting a surrogate pair. */
function writeAll(fd: number, text: string): void {
  if (text.length <= WRITE_CHARS) return writeBytes(fd, Buffer.from(text, 'utf8'))
  scratch ??= Buffer.allocUnsafe(WRITE_CHARS * 3) // UTF-8: at most 3 bytes per UTF-16 unit
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + WRITE_CHARS)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end-- // a high surrogate: keep the pair whole
    const n = scratch.write(text.slice(i, end), 0, 'utf8')
    writeBytes(fd, scratch.subarray(0, n))
    i = end
  }
}

/** Writes all of `buf`; waits on a non-blocking fd that is full (EAGAIN) instead of dropping output. */
function writeBytes(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off, buf.length - off)
    } catch (e: unknown) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EPIPE') throw new PipeClosed()
      if (code !== 'EAGAIN') throw new EnvironmentError(`cannot write the output to fd ${fd}: ${code ?? String(e)}`)
      pause ??= new Int32Array(new SharedArrayBuffer(4))
      Atomics.wait(pause, 0, 0, 1)
    }
  }
}

function say(line: string): void {
  try {
    writeAll(2, `lsvfio: ${safe(line)}\n`)
  } catch {
    // stderr is gone too: nothing left to tell
  }
}

/** Writes the --save file; null, or the one line that says why it could not be written. */
function saveSnapshot(file: string, text: string, force: boolean): string | null {
  try {
    writeSnapshotFile(file, text, force)
    return null
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO'
    const why: Record<string, string> = { EACCES: 'permission denied', EPERM: 'not permitted', ENOENT: 'its directory does not exist', EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is not a directory', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EEXIST: 'it exists; add --force to replace it' }
    return `--save ${file}: cannot write the snapshot: ${code} (${why[code] ?? (e instanceof Error ? e.message : String(e))}); the listing above is complete, give a writable path to save it`
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  const v = version()
  let code: number = EXIT.fatal
  try {
    const parsed = parseArgs(argv, v)
    if (parsed.kind === 'exit') {
      code = parsed.code
      writeAll(1, parsed.out)
      return code
    }
    const parsedOptions = parsed.options
    const now = new Date()
    const given = 'selection' in parsedOptions ? parsedOptions.selection : null
    const { host, recording, notes, selection, replay } = composeHost(parsedOptions.source, `lsvfio ${v}`, argv, now, given)
    const selected = selection === null || !('selection' in parsedOptions) ? parsedOptions : { ...parsedOptions, selection }
    // Box-drawing characters only where the locale can show them.
    const o = selected.command === 'list' && !localeIsUtf8(process.env) ? { ...selected, view: { ...selected.view, ascii: true } } : selected
    for (const line of notes) say(line)
    // A replay or a rooted tree is not this host: no host name for it.
    const hostname = o.source.from === null && o.source.sysfsRoot === null ? osHostname() : null
    const level = colorLevel(o.color, process.env, stdoutIsTty)
    const r = await runConcurrently(host, o, createStyle(level > 0, level === 0 ? 1 : level), { version: v, argv, hostname, now, replay: replay ?? null, early: say })
    code = r.exitCode
    const file = o.command === 'metrics' || o.command === 'nfd' ? o.output : null
    if (file !== null) writeAtomic(file, r.stdout)
    else writeAll(1, r.stdout)
    for (const line of r.stderr) say(line)
    // After the listing: a snapshot that cannot be written does not cost the user what was gathered.
    if (recording !== null && o.source.save !== null) {
      const doc = recording.shareable()
      const failed = saveSnapshot(o.source.save, compactSnapshot(doc), o.source.force === true)
      if (failed !== null) {
        say(failed)
        code = EXIT.fatal
      } else say(savedLine(o.source.save, doc))
    }
    return code
  } catch (e: unknown) {
    // A closed pipe (lsvfio | head -1) is a normal end, not an error.
    if (e instanceof PipeClosed) return code
    if (e instanceof LsvfioError) {
      say(e.message)
      return e.exitCode
    }
    const msg = e instanceof Error ? e.message : String(e)
    say(`internal error: ${msg}; please report it with the command line and, if possible, a --save snapshot`)
    return EXIT.fatal
  }
}

// --open waits on worker threads (kernel/ffi-sys.ts): libuv's pool has 4 unless told before it starts,
// and independent groups should each get one.
process.env.UV_THREADPOOL_SIZE ??= '32'
void main().then((code) => {
  process.exitCode = code
})
