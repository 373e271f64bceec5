export declare const TEMPLATE_OPTIONS: { noEscape: boolean; strict: boolean };
export declare const TEMPLATE_SUFFIX: string;
export declare function templateModule(text: string): string;
