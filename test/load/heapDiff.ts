/**
 * `npm run heap-diff -- A.heapsnapshot B.heapsnapshot [--top N] [--paths K]`
 *
 * What a process holds in B that it did not hold in A, from two V8 heap snapshots of the same
 * process (soak `--heap-snapshots DIR`, one per idle checkpoint). V8 keeps object ids stable
 * across the snapshots of one isolate, so "new" = ids in B absent from A: the objects allocated
 * between the two and still reachable at B. Prints one JSON line: per node name (constructor,
 * closure name, `(string)`, `(array)`…) the count and self bytes of new objects, the largest
 * first, and for the top K names a retainer path of one new object (edge names up to a GC root,
 * weak edges skipped); and per name the net change of live count and bytes (B − A), which
 * separates growth from turnover (objects replaced by new ones of the same kind) and the most common nearest-3-retainer chains of all of them, which usually
 * name the map or list that keeps them. `--via EDGE` adds the root paths of new objects held by an
 * edge of that name (e.g. `scoringInput`).
 * Format: https://v8.dev/docs/heap-snapshot — `snapshot.meta.node_fields` / `edge_fields`.
 */
import fs from 'node:fs';
import { parseCliArgs, usageError } from '../../analyzers/src/util/cli.ts';

const USAGE = 'npm run heap-diff -- A.heapsnapshot B.heapsnapshot [--top N] [--paths K] [--via EDGE]';
const { values, positionals } = parseCliArgs(
  { options: { top: { type: 'string', default: '30' }, paths: { type: 'string', default: '8' }, via: { type: 'string' } }, allowPositionals: true },
  USAGE,
);
if (positionals.length !== 2) usageError('give two heap snapshot files', USAGE);
const top = Number(values.top);
const pathsFor = Number(values.paths);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A parsed snapshot with the field offsets looked up. */
function load(file: string) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const N = nf.length;
  const E = ef.length;
  const o = { type: nf.indexOf('type'), name: nf.indexOf('name'), id: nf.indexOf('id'), size: nf.indexOf('self_size'), edges: nf.indexOf('edge_count') };
  const eo = { type: ef.indexOf('type'), name: ef.indexOf('name_or_index'), to: ef.indexOf('to_node') };
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const count = s.nodes.length / N;
  const label = (i: number): string => {
    const t = nodeTypes[s.nodes[i * N + o.type]!]!;
    const name = s.strings[s.nodes[i * N + o.name]!]!;
    if (t === 'object' || t === 'closure' || t === 'native') return t === 'closure' ? `${name || '(anonymous)'}()` : name;
    return `(${t})`;
  };
  return { s, N, E, o, eo, nodeTypes, edgeTypes, count, label };
}

const [a, b] = [load(positionals[0]!), load(positionals[1]!)];
const idsA = new Set<number>();
for (let i = 0; i < a.count; i++) idsA.add(a.s.nodes[i * a.N + a.o.id]!);

const groups = new Map<string, { count: number; bytes: number; sample: number[] }>();
let newCount = 0;
let newBytes = 0;
for (let i = 0; i < b.count; i++) {
  if (idsA.has(b.s.nodes[i * b.N + b.o.id]!)) continue;
  const name = b.label(i);
  const bytes = b.s.nodes[i * b.N + b.o.size]!;
  const g = groups.get(name) ?? { count: 0, bytes: 0, sample: [] };
  g.count++;
  g.bytes += bytes;
  if (g.sample.length < 3) g.sample.push(i);
  groups.set(name, g);
  newCount++;
  newBytes += bytes;
}

// Retainers of B: for each node, the (from node, edge index) pairs pointing at it.
const firstEdge = new Uint32Array(b.count + 1);
for (let i = 0; i < b.count; i++) firstEdge[i + 1] = firstEdge[i]! + b.s.nodes[i * b.N + b.o.edges]!;
const retainers: number[][] = Array.from({ length: b.count }, () => []);
for (let i = 0; i < b.count; i++) {
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e++) {
    const type = b.edgeTypes[b.s.edges[e * b.E + b.eo.type]!];
    if (type === 'weak' || type === 'shortcut') continue;
    retainers[b.s.edges[e * b.E + b.eo.to]! / b.N]!.push(i * 1e7 + e); // node index, edge index
  }
}
const edgeName = (e: number): string => {
  const type = b.edgeTypes[b.s.edges[e * b.E + b.eo.type]!];
  const n = b.s.edges[e * b.E + b.eo.name]!;
  return type === 'element' || type === 'hidden' ? `[${n}]` : b.s.strings[n]!;
};
/**
 * One retainer path of node `start`: breadth-first up the retainers to the nearest synthetic node
 * (GC roots and their groups), printed root first: `Owner.edge → Owner.edge → … → start`.
 */
function retainerPath(start: number, maxDepth = 16): string {
  // down.get(n) = the edge by which n retains the node it was reached from, and that node.
  const down = new Map<number, { child: number; edge: number } | null>([[start, null]]);
  let frontier = [start];
  for (let d = 0; d < maxDepth && frontier.length; d++) {
    const next: number[] = [];
    for (const n of frontier) {
      for (const r of retainers[n]!) {
        const from = Math.floor(r / 1e7);
        if (down.has(from)) continue;
        down.set(from, { child: n, edge: r % 1e7 });
        if (b.nodeTypes[b.s.nodes[from * b.N + b.o.type]!] === 'synthetic') {
          const parts: string[] = [];
          for (let cur = from, step = down.get(cur); step; cur = step.child, step = down.get(cur)) parts.push(`${b.label(cur)}.${edgeName(step.edge)}`);
          return `${parts.join(' → ')} → ${b.label(start)}`;
        }
        next.push(from);
      }
    }
    frontier = next;
  }
  return `${b.label(start)} (no root within ${maxDepth} retainers; first retainers: ${retainedBy(start, maxDepth)})`;
}

/** The first `levels` retainers of node i, nearest first: `Owner.edge ← Owner.edge`. */
function retainedBy(i: number, levels: number): string {
  const parts: string[] = [];
  for (let n = i, d = 0; d < levels; d++) {
    const r = retainers[n]![0];
    if (r === undefined) break;
    n = Math.floor(r / 1e7);
    parts.push(`${b.label(n)}.${edgeName(r % 1e7)}`);
  }
  return parts.join(' ← ');
}
/** For the new objects of `name`: their nearest 3 retainers, the most common first. */
function commonRetainers(name: string, limit = 5): { count: number; by: string }[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < b.count; i++) {
    if (idsA.has(b.s.nodes[i * b.N + b.o.id]!) || b.label(i) !== name) continue;
    const k = retainedBy(i, 3);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].sort((x, y) => y[1] - x[1]).slice(0, limit).map(([by, count]) => ({ count, by }));
}

/** `--via EDGE`: retainer paths of up to 3 new objects held by an edge named EDGE. */
function viaPaths(edge: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < b.count && out.length < 3; i++) {
    if (idsA.has(b.s.nodes[i * b.N + b.o.id]!)) continue;
    if (retainers[i]!.some((r) => edgeName(r % 1e7) === edge)) out.push(retainerPath(i, 30));
  }
  return out;
}

/** Live count and self bytes per name in a snapshot. */
function totals(x: ReturnType<typeof load>): Map<string, { count: number; bytes: number }> {
  const m = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < x.count; i++) {
    const t = m.get(x.label(i)) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += x.s.nodes[i * x.N + x.o.size]!;
    m.set(x.label(i), t);
  }
  return m;
}
const [totalsA, totalsB] = [totals(a), totals(b)];
const netGrowth = [...totalsB.entries()]
  .map(([name, t]) => ({ name, count: t.count - (totalsA.get(name)?.count ?? 0), kib: Math.round((t.bytes - (totalsA.get(name)?.bytes ?? 0)) / 1024) }))
  .sort((x, y) => y.kib - x.kib)
  .slice(0, top);

const sorted = [...groups.entries()].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top);
console.log(
  JSON.stringify({
    a: positionals[0],
    b: positionals[1],
    nodesA: a.count,
    nodesB: b.count,
    newObjects: newCount,
    newMiB: Math.round((newBytes / 2 ** 20) * 100) / 100,
    netGrowthByName: netGrowth,
    byName: sorted.map(([name, g]) => ({ name, count: g.count, kib: Math.round(g.bytes / 1024) })),
    ...(values.via ? { via: { edge: values.via, paths: viaPaths(values.via) } } : {}),
    retainerPaths: sorted.slice(0, pathsFor).map(([name, g]) => ({ name, path: retainerPath(g.sample[0]!), commonRetainers: commonRetainers(name) })),
  }, null, 1),
);
