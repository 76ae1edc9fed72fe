declare module 'fontkit' {
  export function openSync(path: string): unknown;
}

declare module 'xliff' {
  /** An inline element: { Standalone: { id, 'equiv-text' } }, { GenericSpan: { id, contents } }, … */
  export type XliffInline = Record<string, Record<string, unknown> & { id?: string; contents?: XliffValue }>;
  /** A lone inline element is read as the element itself, not a one-item array. */
  export type XliffValue = string | XliffInline | (string | XliffInline)[];
  export interface XliffUnit {
    source: XliffValue;
    target?: XliffValue;
    note?: string | string[];
    additionalAttributes?: Record<string, string>;
  }
  export interface XliffJs {
    resources: Record<string, Record<string, XliffUnit>>;
    sourceLanguage: string;
    targetLanguage?: string;
  }
  const xliff: {
    js2xliff(js: XliffJs, options?: object): Promise<string>;
    xliff2js(xml: string, options?: object): Promise<XliffJs>;
    jsToXliff12(js: XliffJs, options?: object): Promise<string>;
    xliff12ToJs(xml: string, options?: object): Promise<XliffJs>;
  };
  export default xliff;
}
