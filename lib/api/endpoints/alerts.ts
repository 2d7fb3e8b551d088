/** Alerts firing now (as Alertmanager reported them to the dashboard), only for hosts in scope. */
import { z } from "zod";
import { firingAlertViews } from "@/lib/alerts/view";
import { defineEndpoint } from "../endpoint";

export const listAlerts = defineEndpoint({
  id: "listAlerts",
  method: "GET",
  path: "/alerts",
  tag: "alerts",
  summary: "Firing alerts about hosts in the token's scope (alerts about no host: admin tokens only)",
  action: "fleet:view",
  response: z.object({
    items: z.array(
      z.object({
        alertname: z.string(),
        severity: z.string().nullable(),
        host: z.string().nullable(),
        site: z.string().nullable(),
        summary: z.string().nullable(),
        description: z.string().nullable(),
        since: z.number().int(),
        sources: z.number().int().describe("How many distinct alerts report this"),
        dashboardHref: z.string().nullable(),
      }),
    ),
  }),
  async handle({ caller }) {
    return {
      items: firingAlertViews(caller.principal, Date.now()).map(({ alertname, severity, host, site, summary, description, since, sources, dashboardHref }) => ({
        alertname,
        severity,
        host,
        site,
        summary,
        description,
        since,
        sources,
        dashboardHref,
      })),
    };
  },
});
