// A small reader of the Prometheus text exposition format for the tests: samples with the label
// escapes undone, HELP and TYPE per family. Strict: a line it does not know is an error.

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The exposition format's samples, with the escapes undone; throws on a line it does not know. */
export function parseExposition(text: string): { samples: Sample[]; help: Map<string, string>; type: Map<string, string> } {
  const samples: Sample[] = []
  const help = new Map<string, string>()
  const type = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (m !== null) {
      ;(m[1] === 'HELP' ? help : type).set(m[2] ?? '', m[3] ?? '')
      continue
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) })
  }
  return { samples, help, type }
}
