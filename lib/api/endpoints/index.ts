/** Every /api/v1 endpoint, in the order the OpenAPI document lists them. */
import type { Endpoint } from "../endpoint";
import { listAlerts } from "./alerts";
import { listAudit } from "./audit";
import { fleetSummary, getHost, listHosts, listSites } from "./fleet";
import { cancelRestore, getRestore, listRestores, startRestore } from "./restores";
import { getHostVerification } from "./verify";

export const ENDPOINTS = [
  fleetSummary,
  listHosts,
  getHost,
  getHostVerification,
  listSites,
  listAlerts,
  listRestores,
  startRestore,
  getRestore,
  cancelRestore,
  listAudit,
] as unknown as readonly Endpoint[];
