/** Run reports from the backup script, Healthchecks.io-compatible (see lib/ping/handler.ts). */
import { handlePing } from "@/lib/ping/handler";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ slug: string[] }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  return handlePing(request, (await params).slug);
}

export const POST = GET;
export const HEAD = GET;
