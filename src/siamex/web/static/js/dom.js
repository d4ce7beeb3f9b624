// Elements built from data without innerHTML: every text the exchange or a member sent is set
// as text, so nothing it holds can run in the page.

/** An element: `h("td", {class: "up"}, "32.25", child)`. Attributes starting with "on" are
 * listeners; `null`, `false` and `undefined` attributes and children are left out. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Show an answer in a result element: its kind ("ok" or "error") and what it says. Each
 * answer is counted (`data-shown`), so that the same text given again is a new answer. */
export function showAnswer(element, kind, ...parts) {
  element.dataset.kind = kind;
  element.dataset.shown = String(Number(element.dataset.shown ?? 0) + 1);
  fill(element, ...parts);
}

/** Show a refusal: its code, then `prefix` (a refusal made on the page says it was not sent),
 * then the sentence. */
export function showRefusal(element, refusal, prefix = "") {
  showAnswer(element, "error", h("span", {class: "code"}, refusal.code), " ", prefix, refusal.text);
}

/** A select of `values`, each its own label. */
export function select(name, id, values) {
  return h("select", {name, id}, values.map((value) => h("option", {value}, value)));
}

/** Set a cell's text and class, flashing it when the text changed. */
export function setCell(cell, text, className = "") {
  const changed = cell.textContent !== text;
  if (changed) cell.textContent = text;
  const wanted = className || "";
  if (cell.dataset.kind !== wanted) {
    if (cell.dataset.kind) cell.classList.remove(cell.dataset.kind);
    if (wanted) cell.classList.add(wanted);
    cell.dataset.kind = wanted;
  }
  if (changed && cell.dataset.live === "1") flash(cell);
}

const FLASH = [{backgroundColor: "#3a3f4b"}, {backgroundColor: "transparent"}];
const flashing = new WeakMap();

/** Flash a changed cell: an animation of its own, restarted without forcing a layout (a
 * class toggled back on would need one per cell, every frame of a busy market) and without
 * asking the document for its animations (a walk of them all). */
function flash(cell) {
  flashing.get(cell)?.cancel();
  flashing.set(cell, cell.animate(FLASH, {duration: 600, easing: "ease-out"}));
}

/** Offer a text as a downloaded file. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const link = h("a", {href: url, download: name});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
