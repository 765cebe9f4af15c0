// @ts-check
/** Small DOM helpers shared by the views. */

/**
 * An element with attributes and children. `null`/`false` children are skipped; attribute values
 * of `false`/`null`/`undefined` leave the attribute out, `true` sets it empty.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attributes]
 * @param {...(Node | string | null | false | undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === false || child === undefined) continue;
    element.append(child);
  }
  return element;
}

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type the element's class, checked, so a renamed id fails loudly
 * @returns {T}
 */
export function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return element;
}

/**
 * Runs `render`, which may replace elements, and puts the keyboard focus back on the element with
 * the same `data-focus-key` if the focused one was replaced: a live update from another member must
 * never throw a keyboard user back to the top of the page.
 * @param {() => void} render
 */
export function keepingFocus(render) {
  const active = document.activeElement;
  const key = active instanceof HTMLElement ? active.dataset.focusKey : undefined;
  render();
  if (key === undefined || (active instanceof HTMLElement && active.isConnected)) return;
  const replacement = document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (replacement instanceof HTMLElement) replacement.focus();
}

/**
 * Shows a message in an element (role=alert or aria-live), or hides it for an empty message.
 * @param {HTMLElement} element
 * @param {string} text
 */
export function showMessage(element, text) {
  element.hidden = text === "";
  element.textContent = text;
}
