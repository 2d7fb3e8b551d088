// Types for the dependency-free build helpers, for the TypeScript scripts that import them.
export declare const BUILD_HASH_FILE: string;
export declare function buildInputsHash(root: string, extraIgnores?: string[]): string;
export declare function readBuildHash(root: string): string | null;
export declare function hasBuild(root: string): boolean;
export declare function buildIsFresh(root: string, hash?: string): boolean;
export declare function nextBuild(root: string, options?: { scope?: string; extraIgnores?: string[]; env?: Record<string, string> }): Promise<boolean>;
