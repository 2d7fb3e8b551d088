import { routeHandler } from "@/lib/api/endpoint";
import { listAudit } from "@/lib/api/endpoints/audit";

export const dynamic = "force-dynamic";
export const GET = routeHandler(listAudit);
