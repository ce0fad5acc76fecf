/** Tiny helpers for component tests in happy-dom: render, act, and type like a person. */
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  container: HTMLElement;
  root: Root;
  unmount(): void;
}

export async function render(node: ReactNode): Promise<Rendered> {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => root.render(node));
  return {
    container,
    root,
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Sets a form control's value through the native setter, as typing would, and fires the events. */
export async function typeInto(element: Element, value: string): Promise<void> {
  const prototype =
    element instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')!.set!;
  await act(async () => {
    setter.call(element, value);
    element.dispatchEvent(new Event('input', { bubbles: true }));
    element.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

export function byLabel(container: HTMLElement, text: string): HTMLElement {
  for (const label of container.querySelectorAll('label')) {
    if (label.textContent?.trim() === text && label.htmlFor) {
      const control = container.ownerDocument.getElementById(label.htmlFor);
      if (control) return control;
    }
  }
  const aria = container.querySelector(`[aria-label="${text}"]`);
  if (aria) return aria as HTMLElement;
  throw new Error(`no control labelled "${text}"`);
}

export function allByLabel(container: HTMLElement, text: string): HTMLElement[] {
  return [...container.querySelectorAll('label')]
    .filter((label) => label.textContent?.trim() === text && label.htmlFor)
    .map((label) => container.ownerDocument.getElementById(label.htmlFor)!)
    .filter(Boolean);
}

export { act };
