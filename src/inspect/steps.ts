// Gathering written once for both ways of running it: a generator yields each call that may block
// (kernel/sys.ts Step), and either runs it at once, or waits for many independent generators' calls
// together, each on a worker thread, resuming them in a fixed order so the work between the calls (and
// what --save records) comes in the same order as when run one by one.
import type { Step } from '../kernel/sys.js'

export type Steps<T> = Generator<Step<unknown>, T, unknown>

/** Yields one step and hands back its result, typed. */
export function* step<R>(s: Step<R>): Generator<Step<unknown>, R, unknown> {
  return (yield s) as R
}

/** Runs every step at once, on this thread. */
export function runSync<T>(g: Steps<T>): T {
  let s = g.next()
  while (!s.done) s = g.next(s.value.run())
  return s.value
}

/** At most this many generators wait at once (koffi queues at most 256 calls; libuv runs as many
 * as its pool has threads). */
const WINDOW = 32

/**
 * Runs the generators side by side: each advances until it yields, its step is started, and once all
 * started steps are answered each is resumed, in the order given. Results in the order given.
 */
export async function runTogether<T>(gens: readonly Steps<T>[]): Promise<T[]> {
  const out: T[] = []
  for (let at = 0; at < gens.length; at += WINDOW) out.push(...(await window(gens.slice(at, at + WINDOW))))
  return out
}

async function window<T>(gens: readonly Steps<T>[]): Promise<T[]> {
  const done = new Map<number, T>()
  let waiting = new Map<number, Promise<unknown>>()
  const advance = (i: number, input: unknown): void => {
    const s = (gens[i] as Steps<T>).next(input)
    if (s.done) done.set(i, s.value)
    else waiting.set(i, s.value.start())
  }
  gens.forEach((_, i) => advance(i, undefined))
  while (waiting.size > 0) {
    const now = [...waiting.entries()]
    waiting = new Map()
    const answers = await Promise.all(now.map(([, p]) => p))
    now.forEach(([i], k) => advance(i, answers[k]))
  }
  return gens.map((_, i) => done.get(i) as T)
}
