/**
 * Renders Preact elements to a plain tree for the unit specs, without a DOM: each function
 * component is called with its props, so only components without hooks render here (pages pass
 * them `now` and data). Text stays as given; Preact escapes it when it writes the DOM.
 */
import type { ComponentChildren, FunctionComponent, VNode } from 'preact';

/** A rendered element: its tag, its props (attributes and handlers), its children. */
export interface El {
  tag: string;
  props: Record<string, unknown>;
  children: Rendered[];
}
export type Rendered = El | string;

export function render(children: ComponentChildren): Rendered[] {
  if (children === null || children === undefined || typeof children === 'boolean') return [];
  if (typeof children === 'string' || typeof children === 'number' || typeof children === 'bigint')
    return [String(children)];
  if (Array.isArray(children)) return children.flatMap((c: ComponentChildren) => render(c));
  const vnode = children as VNode<Record<string, unknown>>;
  if (typeof vnode.type === 'function') {
    // Fragment too: it returns its children.
    const component = vnode.type as FunctionComponent<Record<string, unknown>>;
    return render(component(vnode.props));
  }
  const { children: inner, ...props } = vnode.props as Record<string, unknown> & {
    children?: ComponentChildren;
  };
  return [{ tag: vnode.type, props, children: render(inner) }];
}

/** The text a browser would show (textContent). */
export const textOf = (nodes: Rendered | Rendered[] | undefined): string =>
  (Array.isArray(nodes) ? nodes : nodes === undefined ? [] : [nodes])
    .map((n) => (typeof n === 'string' ? n : textOf(n.children)))
    .join('');

/** Every element that matches, in document order. */
export function findAll(nodes: Rendered[], match: (e: El) => boolean): El[] {
  const found: El[] = [];
  const walk = (ns: Rendered[]) => {
    for (const n of ns) {
      if (typeof n === 'string') continue;
      if (match(n)) found.push(n);
      walk(n.children);
    }
  };
  walk(nodes);
  return found;
}

/** Elements with this `data-testid`. */
export const byTestId = (nodes: Rendered[], id: string) =>
  findAll(nodes, (e) => e.props['data-testid'] === id);
