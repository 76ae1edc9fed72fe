declare module 'fontkit' {
  export function openSync(path: string): unknown;
}

declare module 'xliff' {
  export interface XliffUnit {
    source: string;
    target?: string;
    note?: string;
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
