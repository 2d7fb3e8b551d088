// Types for lentResponse.mjs (plain JavaScript so the server wrapper runs it without a build step).
import type { IncomingMessage, ServerResponse } from "node:http";
export declare const LENT_RESPONSE_HEADER: string;
export declare function lendResponse(req: IncomingMessage, res: ServerResponse): void;
export declare function takeLentResponse(headers: { get(name: string): string | null }): ServerResponse | null;
