// xmpp.js ships no type declarations; these cover the parts xmpp-rest uses.

declare module "@xmpp/xml" {
  export type Node = Element | string;
  export type Attrs = Record<string, string | undefined>;

  export class Element {
    constructor(name: string, attrs?: Attrs);
    name: string;
    attrs: Record<string, string>;
    children: Node[];
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    findNS(prefix?: string): string | undefined;
    getAttr(name: string, xmlns?: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    append(...nodes: Node[]): Element;
    c(name: string, attrs?: Attrs): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    text(val?: string): string;
    attr(name: string, val?: string): string | undefined;
    remove(el: Element | string, xmlns?: string): Element;
    clone(): Element;
    toString(): string;
  }

  export class Parser {}

  export function escapeXML(s: string): string;
  export function escapeXMLText(s: string): string;

  interface XmlFactory {
    (name: string, attrs?: Attrs | null, ...children: (Node | Node[] | null | undefined)[]): Element;
    Element: typeof Element;
  }
  const xml: XmlFactory;
  export default xml;
}

declare module "@xmpp/component-core" {
  import type { EventEmitter } from "node:events";
  import type { Element } from "@xmpp/xml";

  export class Component extends EventEmitter {
    constructor(options: { service: string; domain: string });
    status: string;
    timeout: number;
    options: { service: string; domain: string };
    socket: unknown;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string; timeout?: number }): Promise<Element>;
    authenticate(id: string, password: string): Promise<void>;
    send(el: Element): Promise<void>;
    disconnect(timeout?: number): Promise<void>;
  }
}
