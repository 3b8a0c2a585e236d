// The TypeScript side of the generated-client gate (scripts/client-gate.sh): a frontend team's
// first session with the API, written only against the types openapi-typescript generated from
// the committed openapi.yaml (`./schema`), with openapi-fetch. tsc --strict checks it; no cast,
// no `any`. Run against a demo server: SA_URL is its address.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];
type IncidentView = components["schemas"]["IncidentView"];

const baseUrl = process.env.SA_URL ?? "http://127.0.0.1:8080";
const password = process.env.SA_DEMO_PASSWORD ?? "demo-password-2026";
const api = createClient<paths>({ baseUrl });

let step = "";
function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    throw new Error(`${step}: ${what}`);
  }
}

function begin(name: string): void {
  step = name;
  console.log(`ts: ${name}`);
}

/** A problem the server answered, with what the step expected of it. */
function expectProblem(error: Problem | undefined, status: number, code: string): Problem {
  check(error !== undefined, `expected a ${status} ${code} problem, got success`);
  check(error.status === status && error.code === code, `expected ${status} ${code}, got ${error.status} ${error.code}: ${error.detail}`);
  return error;
}

function etagOf(response: Response): string {
  const etag = response.headers.get("ETag");
  check(etag !== null, "no ETag on the answer");
  return etag;
}

async function token(email: string): Promise<string> {
  const { data, error } = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "password", email, password },
  });
  check(error === undefined && data !== undefined, `sign-in of ${email}: ${error?.code}`);
  check(data.token_type === "Bearer" && data.expires_in > 0, "a bearer token");
  return data.access_token;
}

/** A client that signs every request with this bearer token (the `bearer` security scheme). */
function signedIn(bearer: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${bearer}` } });
}

async function main(): Promise<void> {
  begin("public operations need no token");
  const live = await api.GET("/health/live");
  check(live.response.status === 200, "health/live answers 200");

  begin("sign in (password grant) as a customer and as the service desk");
  const customer = signedIn(await token("bob@acme.example"));
  const desk = signedIn(await token("agent@demo.example"));

  begin("raise an incident with an Idempotency-Key, and retry it");
  const key = `ts-flow-${Date.now()}`;
  const raise = {
    service_id: "SVC-0001",
    summary: "Generated-client flow (TypeScript)",
    description: "Raised by tests/clients/flow.ts through openapi-fetch.",
    impact: "degraded" as const,
    reporter: { name: "Bob Example", email: "bob@acme.example", phone: "+44 20 7946 0001" },
  };
  const first = await customer.POST("/api/v1/incidents", {
    params: { header: { "Idempotency-Key": key } },
    body: raise,
  });
  check(first.data !== undefined, `raise answered ${first.response.status}`);
  const ticket: IncidentView = first.data;
  check(ticket.status === "new" && ticket.priority === "P2", "a new P2 ticket");
  const again = await customer.POST("/api/v1/incidents", {
    params: { header: { "Idempotency-Key": key } },
    body: raise,
  });
  check(again.data?.ticket_number === ticket.ticket_number, "the retry returns the first ticket");
  check(again.response.headers.get("Idempotent-Replayed") === "true", "the retry is a replay");

  begin("read it by both reference forms");
  const byDash = await customer.GET("/api/v1/incidents/{ref}", {
    params: { path: { ref: ticket.ticket_number } },
  });
  const byIvr = await customer.GET("/api/v1/incidents/{ref}", {
    params: { path: { ref: ticket.ticket_number.replace("-", "") } },
  });
  check(byDash.data?.ticket_number === ticket.ticket_number, "read by 1-…");
  check(byIvr.data?.ticket_number === ticket.ticket_number, "read by the IVR form");

  begin("page through the list");
  const seen: string[] = [];
  let cursor: string | undefined = undefined;
  for (let page = 0; page < 3; page++) {
    const query: paths["/api/v1/incidents"]["get"]["parameters"]["query"] = {
      limit: 1,
      cursor,
      status: "new,acknowledged,in_progress",
      priority: "P2",
    };
    const list: components["schemas"]["PageOf_IncidentView"] | undefined = (
      await customer.GET("/api/v1/incidents", { params: { query } })
    ).data;
    check(list !== undefined, "a page");
    const items: IncidentView[] = list.items;
    seen.push(...items.map((i) => i.ticket_number));
    const next: string | null | undefined = list.next_cursor;
    if (next === null || next === undefined) {
      break;
    }
    cursor = next;
  }
  check(seen.includes(ticket.ticket_number) || seen.length === 3, "the new ticket is listed (newest first)");
  check(new Set(seen).size === seen.length, "no ticket twice");

  begin("timeline: post a public update and read it back");
  const posted = await customer.POST("/api/v1/incidents/{ref}/updates", {
    params: { path: { ref: ticket.ticket_number } },
    body: { text: "Still degraded at 10:05.", visibility: "public" },
  });
  check(posted.data !== undefined, `update answered ${posted.response.status}`);
  const timeline = await customer.GET("/api/v1/incidents/{ref}/updates", {
    params: { path: { ref: ticket.ticket_number } },
  });
  check(timeline.data?.items.some((e) => e.text === "Still degraded at 10:05.") === true, "the update is on the timeline");

  begin("attach a traceroute (multipart, as a browser's FormData) and download it byte for byte");
  const trace = "traceroute to 192.0.2.1, 30 hops max\n 1  10.0.0.1  0.41 ms\n";
  const uploaded = await customer.POST("/api/v1/incidents/{ref}/attachments", {
    params: { path: { ref: ticket.ticket_number } },
    body: { file: trace, description: "Traceroute from the CPE" },
    bodySerializer(body) {
      const form = new FormData();
      form.append("file", new Blob([body.file], { type: "text/plain" }), "trace.txt");
      if (typeof body.description === "string") form.append("description", body.description);
      return form;
    },
  });
  const attachment = uploaded.data;
  if (attachment === undefined) throw new Error(`${step}: upload answered ${uploaded.response.status}`);
  check(attachment.media_type === "text/plain" && attachment.size === trace.length, "type and size from the content");
  const downloaded = await customer.GET("/api/v1/incidents/{ref}/attachments/{id}/content", {
    params: { path: { ref: ticket.ticket_number, id: attachment.id } },
    parseAs: "text",
  });
  check(downloaded.data === trace, "downloaded byte for byte");
  check(downloaded.response.headers.get("content-disposition")?.startsWith("attachment") === true, "served as a download");

  begin("export the company's open tickets as NDJSON, one ticket a line");
  const exported = await customer.GET("/api/v1/incidents/export", {
    params: { query: { open: true } },
    headers: { Accept: "application/x-ndjson" },
    parseAs: "text",
  });
  check(exported.response.status === 200 && exported.data !== undefined, `export answered ${exported.response.status}`);
  const lines = (exported.data ?? "").trim().split("\n").map((l) => JSON.parse(l) as { ticket_number: string });
  check(lines.some((t) => t.ticket_number === ticket.ticket_number), "the ticket is a line");

  begin("the desk works it, with If-Match from the declared ETag; a stale one is 412");
  let read = await desk.GET("/api/v1/incidents/{ref}", {
    params: { path: { ref: ticket.ticket_number } },
  });
  const staleTag = etagOf(read.response);
  let moved = await desk.POST("/api/v1/incidents/{ref}/transitions", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": staleTag } },
    body: { to: "acknowledged" },
  });
  check(moved.data?.status === "acknowledged", "acknowledged");
  const stale = await desk.POST("/api/v1/incidents/{ref}/transitions", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": staleTag } },
    body: { to: "in_progress" },
  });
  expectProblem(stale.error, 412, "precondition_failed");
  moved = await desk.POST("/api/v1/incidents/{ref}/transitions", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": etagOf(moved.response) } },
    body: { to: "in_progress" },
  });
  check(moved.data?.status === "in_progress", "in progress");
  moved = await desk.POST("/api/v1/incidents/{ref}/transitions", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": etagOf(moved.response) } },
    body: { to: "resolved", resolution: { cause: "Dirty patch lead", fix: "Lead cleaned and reseated" } },
  });
  check(moved.data?.status === "resolved", "resolved");

  begin("the customer reopens it, the desk resolves it again, the customer closes it");
  const reopened = await customer.POST("/api/v1/incidents/{ref}/reopen", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": etagOf(moved.response) } },
    body: { reason: "Degraded again at 11:40." },
  });
  check(reopened.data?.status === "in_progress", "reopened");
  const resolved = await desk.POST("/api/v1/incidents/{ref}/transitions", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": etagOf(reopened.response) } },
    body: { to: "resolved", resolution: { cause: "Faulty optic", fix: "Optic replaced" } },
  });
  check(resolved.data?.status === "resolved", "resolved again");
  const closed = await customer.POST("/api/v1/incidents/{ref}/close", {
    params: { path: { ref: ticket.ticket_number }, header: { "If-Match": etagOf(resolved.response) } },
    body: { reason: "Stable since the optic was replaced." },
  });
  check(closed.data?.status === "closed", "closed");
  etagOf(closed.response);

  begin("escalate a second ticket");
  const second = await customer.POST("/api/v1/incidents", {
    body: { ...raise, summary: "Second generated-client ticket (TypeScript)", impact: "service_down" },
  });
  check(second.data !== undefined, "raised");
  const escalation: components["schemas"]["EscalateRequest"] = {
    reason: "Circuit down and no estimate yet.",
    escalated_by: { name: "Bob Example", job_title: "Network lead", phone: "+44 20 7946 0001" },
  };
  // The server requires the person escalating; the type must say so (read with no undefined check).
  check(escalation.escalated_by.name === "Bob Example", "who escalates");
  const escalated = await customer.POST("/api/v1/incidents/{ref}/escalations", {
    params: { path: { ref: second.data.ticket_number } },
    body: escalation,
  });
  check(escalated.data !== undefined, `escalation answered ${escalated.response.status}: ${escalated.error?.code}`);
  check(escalated.data.level === 1 && escalated.data.ivr_reference.length > 0, "level 1, with the IVR reference");

  begin("the SLA report of the last day, by priority");
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const until = new Date(Date.now() + 60_000).toISOString();
  const report = await customer.GET("/api/v1/reports/sla", {
    params: { query: { from: since, to: until, group_by: "priority" } },
  });
  // The answer is typed as JSON or CSV (both are declared); JSON was asked for.
  const sla = report.data;
  check(sla !== undefined && typeof sla !== "string", `report answered ${report.response.status}: ${report.error?.code}`);
  // The first ticket (degraded: P2) is closed; the second (service down: P1) is open.
  const p1 = sla.groups.find((g) => g.priority === "P1");
  const p2 = sla.groups.find((g) => g.priority === "P2");
  check(p1 !== undefined && p1.tickets.open >= 1, "the open P1 ticket");
  check(p2 !== undefined && p2.tickets.resolved >= 1, "the closed P2 ticket");
  check(p2.time_to_restore.count >= 1 && (p2.time_to_restore.p50_seconds ?? -1) >= 0, "its time to restore");
  check(sla.totals.tickets.raised === sla.groups.reduce((n, g) => n + g.tickets.raised, 0), "the total adds up");

  begin("planned works, as a list and as iCalendar");
  const works = await customer.GET("/api/v1/planned-works");
  check(works.data !== undefined, "planned works listed");
  const ics = await customer.GET("/api/v1/planned-works.ics", {
    parseAs: "text",
  });
  check(typeof ics.data === "string" && ics.data.startsWith("BEGIN:VCALENDAR"), "an iCalendar feed");

  begin("a maintenance request: too early is 422 with earliest_allowed_start, then at that time 201");
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  const request = {
    customer_number: "OCN-1001",
    service_id: "SVC-0001",
    description: "Router replacement at the London site (TypeScript flow).",
    service_owner: { name: "Sam Owner", email: "sam@acme.example", phone: "+44 20 7946 0999" },
  };
  const early = await customer.POST("/api/v1/maintenance-requests", {
    body: { ...request, start_at: tomorrow.toISOString(), end_at: new Date(tomorrow.getTime() + 3600 * 1000).toISOString() },
  });
  const refusal = expectProblem(early.error, 422, "too_early");
  check(refusal.earliest_allowed_start !== undefined, "the problem says when the earliest start is");
  // The earliest start moves on with the clock: leave an hour's margin.
  const start = new Date(new Date(refusal.earliest_allowed_start).getTime() + 3600 * 1000);
  const accepted = await customer.POST("/api/v1/maintenance-requests", {
    body: { ...request, start_at: start.toISOString(), end_at: new Date(start.getTime() + 3600 * 1000).toISOString() },
  });
  check(accepted.data?.status === "submitted", `accepted: ${accepted.response.status} ${accepted.error?.code}`);

  begin("errors are typed problems: 404, and 422 with errors[]");
  const missing = await customer.GET("/api/v1/incidents/{ref}", {
    params: { path: { ref: "1-9999999999" } },
  });
  expectProblem(missing.error, 404, "not_found");
  const invalid = await customer.POST("/api/v1/incidents", {
    body: { ...raise, reporter: { ...raise.reporter, email: "not-an-address" } },
  });
  const fields = expectProblem(invalid.error, 422, "validation_failed").errors ?? [];
  check(fields.some((f) => f.field === "reporter.email"), "errors[] names reporter.email");

  console.log("ts: the whole flow passed");
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
