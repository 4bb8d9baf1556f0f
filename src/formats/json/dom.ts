/** Small helpers over @xmpp/xml elements, shared by the field mappings. */
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../../stanza/ns.js";

export type AttrValues = Record<string, string | number | boolean | undefined>;

/** An element with only the attributes that have a value. */
export function el(name: string, attrs: AttrValues = {}, ...children: (Element | string)[]) {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) clean[key] = String(value);
  }
  return xml(name, clean, ...children);
}

/** A child element holding text, or nothing when there is no text to hold. */
export function textEl(name: string, text: string | undefined, attrs: AttrValues = {}) {
  return text === undefined ? undefined : el(name, attrs, ...(text === "" ? [] : [text]));
}

export function appendAll(parent: Element, children: (Element | undefined)[]): Element {
  for (const child of children) if (child) parent.append(child);
  return parent;
}

/** The namespace an element is in; the stanza's own namespace reads as "". */
export function nsOf(element: Element): string {
  const ns = element.getNS();
  return ns === undefined || ns === NS.client ? "" : ns;
}

export function child(parent: Element, name: string, ns: string): Element | undefined {
  return parent.getChildElements().find((c) => c.getName() === name && nsOf(c) === ns);
}

export function children(parent: Element, name: string, ns: string): Element[] {
  return parent.getChildElements().filter((c) => c.getName() === name && nsOf(c) === ns);
}

/** Text of a child in the parent's namespace (or "" namespace for stanza children). */
export function childText(parent: Element, name: string, ns = nsOf(parent)): string | undefined {
  const found = child(parent, name, ns);
  return found ? found.getText() : undefined;
}

export function attr(element: Element, name: string): string | undefined {
  const value = element.attrs[name];
  return typeof value === "string" ? value : undefined;
}

export function intAttr(element: Element, name: string): number | undefined {
  return toInt(attr(element, name));
}

export function toInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[-+]?\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** XML Schema boolean. */
export function toBool(text: string | undefined): boolean | undefined {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  return undefined;
}

/** Drops undefined members so JSON output has no `"x": undefined` noise. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** Sets a key read from XML as an own property, even `__proto__`. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
