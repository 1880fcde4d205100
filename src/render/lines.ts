// Appending one list of lines to another. push(...lines) passes every line as an argument: past about
// 100,000 of them (an -xxx or --hexdump run over 8,192 functions) V8 throws "Maximum call stack size
// exceeded". Every append whose size grows with the host goes through here.

export function append<T>(into: T[], from: readonly T[]): T[] {
  for (const x of from) into.push(x)
  return into
}
