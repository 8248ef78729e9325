// A small DOM builder: the app's screens are plain elements, no framework.

export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, unknown>;

/**
 * `tag` with `props` and `children`: `on*` props become listeners, `class` the class name,
 * `true`/`false` add or omit a boolean attribute, anything else an attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value as EventListener);
    } else if (key === 'class') {
      element.className = String(value);
    } else if (key === 'value' && !(element instanceof HTMLInputElement) && 'value' in element) {
      // A select's value is a property; an input's attribute is also what a form reset restores.
      (element as HTMLSelectElement).value = String(value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  element.append(...nodes(children.flat()));
  return element;
}

/** Replace the children of `parent` with `children`. */
export function fill(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren(...nodes(children.flat()));
}

function nodes(children: Child[]): (Node | string)[] {
  return children.filter((c) => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : (c as Node | string)));
}

/** A date and time for people: `2026-12-07 14:05` in the browser's time zone. */
export function when(millis: number): string {
  const at = new Date(millis);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** An account address shortened: `5Grwva…GKutQY`. */
export const shortText = (address: string): string => `${address.slice(0, 6)}…${address.slice(-6)}`;

/** An account address shortened for display, the whole one in its title. */
export function short(address: string): HTMLElement {
  return h('span', { class: 'address', title: address }, shortText(address));
}
