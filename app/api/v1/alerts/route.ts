import { routeHandler } from "@/lib/api/endpoint";
import { listAlerts } from "@/lib/api/endpoints/alerts";

export const dynamic = "force-dynamic";
export const GET = routeHandler(listAlerts);
