// Cycles in the folder graph. Every edge inside a strongly connected component lies on a cycle;
// each such edge is reported once, closed by the shortest way back, so the list stays short and
// names every import that has to go.

/** A cycle as a path whose last node is its first: [a, b, a]. */
export type CyclePath = string[]

function stronglyConnectedComponents(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's algorithm; recursion depth is bounded by the number of folders (a few dozen).
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  let counter = 0
  const connect = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter)
    counter += 1
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!))
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      components.push(component)
    }
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node)
  return components
}

function shortestPath(
  graph: ReadonlyMap<string, ReadonlySet<string>>,
  within: ReadonlySet<string>,
  from: string,
  to: string,
): string[] | undefined {
  const previous = new Map<string, string | undefined>([[from, undefined]])
  const queue = [from]
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head]!
    if (node === to) {
      const path = [node]
      for (let step = previous.get(node); step !== undefined; step = previous.get(step)) path.unshift(step)
      return path
    }
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (within.has(next) && !previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return undefined
}

/** Rotates a cycle to start at its smallest node, so the same cycle found twice compares equal. */
function canonical(cycle: string[]): string {
  const nodes = cycle.slice(0, -1)
  let start = 0
  for (let position = 1; position < nodes.length; position += 1)
    if (nodes[position]! < nodes[start]!) start = position
  const rotated = [...nodes.slice(start), ...nodes.slice(0, start)]
  return [...rotated, rotated[0]!].join(' → ')
}

/** The cycles of a directed graph, each edge of a cycle covered at least once, sorted. */
export function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): CyclePath[] {
  const found = new Map<string, CyclePath>()
  for (const component of stronglyConnectedComponents(graph)) {
    if (component.length < 2) continue
    const members = new Set(component)
    for (const from of [...members].sort()) {
      for (const to of [...(graph.get(from) ?? [])].sort()) {
        if (!members.has(to)) continue
        const back = shortestPath(graph, members, to, from)
        if (back === undefined) continue
        const cycle = [from, ...back]
        const key = canonical(cycle)
        if (!found.has(key)) found.set(key, key.split(' → '))
      }
    }
  }
  return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, cycle]) => cycle)
}
