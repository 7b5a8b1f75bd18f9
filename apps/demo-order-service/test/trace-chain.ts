import { buildTraceTree, type TraceNode, type TraceSpan } from '@eventsource/testing/trace-tree';

/** One link of an expected chain: a span by service and name, optionally more conditions. */
export interface ChainLink {
  readonly service: string;
  readonly name: string;
  readonly kind?: TraceSpan['kind'];
  /** `child`: directly under the previous link; `descendant` (default): anywhere below it. */
  readonly relation?: 'child' | 'descendant';
}

function describeLink(link: ChainLink): string {
  return `${link.service} [${link.name}]`;
}

function matches(node: TraceNode, link: ChainLink): boolean {
  return (
    node.span.serviceName === link.service &&
    node.span.name === link.name &&
    (link.kind === undefined || node.span.kind === link.kind)
  );
}

function candidates(node: TraceNode, link: ChainLink): TraceNode[] {
  if (link.relation === 'child') return node.children.filter((child) => matches(child, link));
  const found: TraceNode[] = [];
  const visit = (current: TraceNode) => {
    for (const child of current.children) {
      if (matches(child, link)) found.push(child);
      visit(child);
    }
  };
  visit(node);
  return found;
}

/**
 * The nodes matching `chain` in parent order within one trace, or an error naming the first link
 * that could not be found under the previous one (with the tree's span names, to debug from).
 */
export function findChain(spans: readonly TraceSpan[], chain: readonly ChainLink[]): TraceNode[] {
  const traceIds = new Set(spans.map((span) => span.traceId));
  if (traceIds.size !== 1) throw new Error(`expected one trace, got ${traceIds.size}`);
  const roots = buildTraceTree(spans);
  const search = (node: TraceNode | undefined, index: number): TraceNode[] | undefined => {
    if (index === chain.length) return [];
    const link = chain[index]!;
    const options = node === undefined ? roots.filter((root) => matches(root, link)) : candidates(node, link);
    for (const option of options) {
      const rest = search(option, index + 1);
      if (rest !== undefined) return [option, ...rest];
    }
    return undefined;
  };
  const found = search(undefined, 0);
  if (found !== undefined) return found;
  const names = spans.map((span) => `${span.serviceName} [${span.name}]`).join(', ');
  throw new Error(`chain ${chain.map(describeLink).join(' > ')} not found among: ${names}`);
}
