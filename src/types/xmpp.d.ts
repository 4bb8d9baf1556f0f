// xmpp.js ships no type declarations; these cover the parts xmpp-rest uses.

declare module "@xmpp/xml" {
  // The package is CommonJS and Node cannot see its named exports from ESM: values
  // come only through the default export (`xml.Element`); `Element` here is a type.
  export type Node = Element | string;
  export type Attrs = Record<string, string | undefined>;
  export type Element = ElementClass;

  class ElementClass {
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

  interface XmlFactory {
    (
      name: string,
      attrs?: Attrs | null,
      ...children: (Node | Node[] | null | undefined)[]
    ): Element;
    Element: typeof ElementClass;
    escapeXML(s: string): string;
    escapeXMLText(s: string): string;
    /** A streaming parser: `start` (the stream header), `element` (each top-level child), `end`, `error`. */
    Parser: new () => XmlParser;
  }
  interface XmlParser {
    on(event: "start" | "element" | "end", listener: (element: Element) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    write(data: string): void;
  }
  export type Parser = XmlParser;
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
    /** The class each stream (re)open parses with; an instance property overrides the default. */
    Parser: new () => import("@xmpp/xml").Parser;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string; timeout?: number }): Promise<Element>;
    authenticate(id: string, password: string): Promise<void>;
    send(el: Element): Promise<void>;
    /** Writes raw text to the stream (what send() does after serialising). */
    write(text: string): Promise<void>;
    disconnect(timeout?: number): Promise<void>;
  }
}

declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";
  import type { Element } from "@xmpp/xml";

  export interface Client extends EventEmitter {
    status: string;
    jid: { toString(): string } | null;
    timeout: number;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    reconnect: { stop(): void };
  }
  export function client(options: {
    service: string;
    domain: string;
    username: string;
    password: string;
    resource?: string;
  }): Client;
}
