"""The Python side of the generated-client gate (scripts/client-gate.sh).

A partner's first session with the API, written only against the client openapi-python-client
generated from the committed openapi.yaml (the package `sa_client`). mypy --strict checks it:
no cast, no Any, no untyped dict for a documented field. Run against a demo server: SA_URL is
its address.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import sys
import time

from sa_client import AuthenticatedClient, Client
from sa_client.api.auth import issue_token
from sa_client.api.escalations import escalate
from sa_client.api.health import live
from sa_client.api.incidents import (
    close_incident,
    download_attachment,
    export_incidents,
    get_incident,
    list_incidents,
    list_updates,
    post_update,
    raise_incident,
    reopen_incident,
    transition_incident,
    upload_attachment,
)
from sa_client.api.maintenance_requests import submit_maintenance_request
from sa_client.api.planned_works import list_planned_works, planned_works_ics
from sa_client.api.reports import sla_report
from sa_client.models import (
    AttachmentUpload,
    AttachmentView,
    CloseIncident,
    CreateMaintenanceRequest,
    EscalatedBy,
    EscalateRequest,
    IncidentView,
    ListIncidentsPriority,
    PasswordGrant,
    PasswordGrantType,
    PostUpdate,
    Problem,
    ReportGrouping,
    RaiseIncident,
    RaiseIncidentImpact,
    ReopenIncident,
    ReporterInput,
    ResolutionBody,
    ServiceOwnerBody,
    SlaReportView,
    TransitionRequest,
    TransitionRequestTo,
)
from sa_client.types import UNSET, File, Response

BASE_URL = os.environ.get("SA_URL", "http://127.0.0.1:8080")
PASSWORD = os.environ.get("SA_DEMO_PASSWORD", "demo-password-2026")

step = ""


def begin(name: str) -> None:
    global step
    step = name
    print(f"py: {name}", flush=True)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(f"{step}: {what}")


def incident(answer: Response[IncidentView | Problem], status: int = 200) -> IncidentView:
    """The ticket of a successful answer, or the failure with the problem the server gave."""
    parsed = answer.parsed
    if isinstance(parsed, Problem):
        raise AssertionError(f"{step}: {parsed.status} {parsed.code}: {parsed.detail}")
    check(answer.status_code == status and parsed is not None, f"answered {answer.status_code}")
    assert parsed is not None
    return parsed


def problem(parsed: object, status: int, code: str) -> Problem:
    """The problem a refusal carries, typed, with its extension members."""
    check(isinstance(parsed, Problem), f"expected a {status} {code} problem, got {parsed!r}")
    assert isinstance(parsed, Problem)
    check(parsed.status == status and parsed.code == code, f"expected {status} {code}, got {parsed.status} {parsed.code}")
    return parsed


def etag(answer: Response[IncidentView | Problem]) -> str:
    tag = answer.headers.get("ETag")
    check(tag is not None, "no ETag on the answer")
    assert tag is not None
    return tag


def sign_in(email: str) -> AuthenticatedClient:
    answer = issue_token.sync_detailed(
        client=Client(base_url=BASE_URL),
        body=PasswordGrant(grant_type=PasswordGrantType.PASSWORD, email=email, password=PASSWORD),
    )
    parsed = answer.parsed
    if isinstance(parsed, Problem) or parsed is None:
        raise AssertionError(f"sign-in of {email}: {answer.status_code}")
    check(parsed.token_type == "Bearer" and parsed.expires_in > 0, "a bearer token")
    return AuthenticatedClient(base_url=BASE_URL, token=parsed.access_token)


def main() -> None:
    begin("public operations need no token")
    check(live.sync_detailed(client=Client(base_url=BASE_URL)).status_code == 200, "health/live answers 200")

    begin("sign in (password grant) as a customer and as the service desk")
    customer = sign_in("bob@acme.example")
    desk = sign_in("agent@demo.example")

    begin("raise an incident with an Idempotency-Key, and retry it")
    key = f"py-flow-{time.time_ns()}"
    raise_body = RaiseIncident(
        service_id="SVC-0001",
        summary="Generated-client flow (Python)",
        description="Raised by tests/clients/flow.py through openapi-python-client.",
        impact=RaiseIncidentImpact.DEGRADED,
        reporter=ReporterInput(name="Bob Example", email="bob@acme.example", phone="+44 20 7946 0001"),
    )
    first = raise_incident.sync_detailed(client=customer, body=raise_body, idempotency_key=key)
    ticket = incident(first, 201)
    check(ticket.status.value == "new" and ticket.priority.value == "P2", "a new P2 ticket")
    again = raise_incident.sync_detailed(client=customer, body=raise_body, idempotency_key=key)
    check(incident(again, 201).ticket_number == ticket.ticket_number, "the retry returns the first ticket")
    check(again.headers.get("Idempotent-Replayed") == "true", "the retry is a replay")

    begin("read it by both reference forms")
    by_dash = incident(get_incident.sync_detailed(ticket.ticket_number, client=customer))
    by_ivr = incident(get_incident.sync_detailed(ticket.ticket_number.replace("-", ""), client=customer))
    check(by_dash.ticket_number == by_ivr.ticket_number == ticket.ticket_number, "the same ticket")

    begin("page through the list")
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        page = list_incidents.sync(
            client=customer,
            limit=1,
            cursor=cursor if cursor is not None else UNSET,
            status="new,acknowledged,in_progress",
            priority=ListIncidentsPriority.P2,
        )
        if isinstance(page, Problem) or page is None:
            raise AssertionError(f"{step}: no page")
        items: list[IncidentView] = page.items
        seen.extend(i.ticket_number for i in items)
        next_cursor = page.next_cursor
        if not isinstance(next_cursor, str):
            break
        cursor = next_cursor
    check(ticket.ticket_number in seen or len(seen) == 3, "the new ticket is listed (newest first)")
    check(len(set(seen)) == len(seen), "no ticket twice")

    begin("timeline: post a public update and read it back")
    posted = post_update.sync_detailed(
        ticket.ticket_number, client=customer, body=PostUpdate(text="Still degraded at 10:05.")
    )
    check(posted.status_code == 201, f"update answered {posted.status_code}")
    timeline = list_updates.sync(ticket.ticket_number, client=customer)
    if isinstance(timeline, Problem) or timeline is None:
        raise AssertionError(f"{step}: no timeline")
    check(any(e.text == "Still degraded at 10:05." for e in timeline.items), "the update is on the timeline")

    begin("attach a traceroute (multipart) and download it byte for byte")
    trace = b"traceroute to 192.0.2.1, 30 hops max\n 1  10.0.0.1  0.41 ms\n 2  * * *\n"
    uploaded = upload_attachment.sync_detailed(
        ticket.ticket_number,
        client=customer,
        body=AttachmentUpload(
            file=File(payload=io.BytesIO(trace), file_name="trace.txt", mime_type="text/plain"),
            description="Traceroute from the CPE",
        ),
    )
    attachment = uploaded.parsed
    if uploaded.status_code != 201 or not isinstance(attachment, AttachmentView):
        raise AssertionError(f"{step}: upload answered {uploaded.status_code} {uploaded.content!r}")
    check(attachment.sha256 == hashlib.sha256(trace).hexdigest(), "the hash is the file's")
    check(attachment.media_type.value == "text/plain", "the type decided from the content")
    downloaded = download_attachment.sync_detailed(ticket.ticket_number, attachment.id, client=customer)
    check(downloaded.status_code == 200 and downloaded.content == trace, "downloaded byte for byte")
    check(
        downloaded.headers.get("content-disposition", "").startswith("attachment"),
        "served as a download",
    )

    begin("export the company's open tickets as CSV and read it with a CSV parser")
    exported = export_incidents.sync_detailed(client=customer, open_=True)
    check(exported.status_code == 200, f"export answered {exported.status_code}")
    check(exported.headers.get("content-type", "").startswith("text/csv"), "served as CSV")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8"))))
    check(
        any(r["ticket_number"] == ticket.ticket_number and r["status"] == ticket.status.value for r in rows),
        "the ticket is a row, as the API shows it",
    )

    begin("the desk works it, with If-Match from the declared ETag; a stale one is 412")

    def desk_moves(
        after: Response[IncidentView | Problem], to: TransitionRequestTo, resolution: ResolutionBody | None = None
    ) -> Response[IncidentView | Problem]:
        """The desk moves the ticket on from the version `after` answered with."""
        body = TransitionRequest(to=to) if resolution is None else TransitionRequest(to=to, resolution=resolution)
        moved = transition_incident.sync_detailed(ticket.ticket_number, client=desk, if_match=etag(after), body=body)
        check(incident(moved).status.value == to.value, f"now {to.value}")
        return moved

    read = get_incident.sync_detailed(ticket.ticket_number, client=desk)
    moved = desk_moves(read, TransitionRequestTo.ACKNOWLEDGED)
    stale = transition_incident.sync_detailed(
        ticket.ticket_number, client=desk, if_match=etag(read),
        body=TransitionRequest(to=TransitionRequestTo.IN_PROGRESS),
    )
    problem(stale.parsed, 412, "precondition_failed")
    moved = desk_moves(moved, TransitionRequestTo.IN_PROGRESS)
    moved = desk_moves(
        moved, TransitionRequestTo.RESOLVED, ResolutionBody(cause="Dirty patch lead", fix="Lead cleaned and reseated")
    )

    begin("the customer reopens it, the desk resolves it again, the customer closes it")
    reopened = reopen_incident.sync_detailed(
        ticket.ticket_number, client=customer, if_match=etag(moved),
        body=ReopenIncident(reason="Degraded again at 11:40."),
    )
    check(incident(reopened).status.value == "in_progress", "reopened")
    resolved = desk_moves(
        reopened, TransitionRequestTo.RESOLVED, ResolutionBody(cause="Faulty optic", fix="Optic replaced")
    )
    closed = close_incident.sync_detailed(
        ticket.ticket_number, client=customer, if_match=etag(resolved),
        body=CloseIncident(reason="Stable since the optic was replaced."),
    )
    check(incident(closed).status.value == "closed", "closed")
    etag(closed)

    begin("escalate a second ticket")
    raise_body.summary = "Second generated-client ticket (Python)"
    raise_body.impact = RaiseIncidentImpact.SERVICE_DOWN
    second = incident(raise_incident.sync_detailed(client=customer, body=raise_body), 201)
    escalation_request = EscalateRequest(
        reason="Circuit down and no estimate yet.",
        escalated_by=EscalatedBy(name="Bob Example", job_title="Network lead", phone="+44 20 7946 0001"),
    )
    # The server requires the person escalating; the type must say so (read with no None check).
    check(escalation_request.escalated_by.name == "Bob Example", "who escalates")
    escalation = escalate.sync(second.ticket_number, client=customer, body=escalation_request)
    if isinstance(escalation, Problem) or escalation is None:
        raise AssertionError(f"{step}: {escalation}")
    check(escalation.level == 1 and len(escalation.ivr_reference) > 0, "level 1, with the IVR reference")

    begin("the SLA report of the last day, as the typed model and as CSV")
    now = datetime.datetime.now(datetime.timezone.utc)
    since = now - datetime.timedelta(days=1)
    until = now + datetime.timedelta(minutes=1)
    report = sla_report.sync(client=customer, from_=since, to=until, group_by=ReportGrouping.SERVICE)
    if not isinstance(report, SlaReportView):
        raise AssertionError(f"{step}: {report!r}")
    check(report.customer_number == "OCN-1001", "the caller's own company")
    ours = [g for g in report.groups if g.service_id == "SVC-0001"]
    check(len(ours) == 1, "one group for the service")
    group = ours[0]
    # The first ticket is closed, the second open: both raised in the last day.
    check(group.tickets.raised >= 2 and group.tickets.resolved >= 1 and group.tickets.open_ >= 1, "the two tickets")
    check(report.totals.tickets.raised == sum(g.tickets.raised for g in report.groups), "the total adds up")
    check(group.time_to_acknowledge.count >= 1, "the first ticket's acknowledgement is timed")
    check(group.outages is not None, "a service's group has its outages")
    csv_answer = customer.get_httpx_client().get(
        "/api/v1/reports/sla",
        params={"from": since.isoformat(), "to": until.isoformat(), "group_by": "service"},
        headers={"Accept": "text/csv"},
    )
    check(csv_answer.status_code == 200, f"the CSV answered {csv_answer.status_code}")
    table = list(csv.DictReader(io.StringIO(csv_answer.text)))
    check(table[-1]["group"] == "total", "the total is the last row")
    row = next(r for r in table if r["group"] == "SVC-0001")
    check(int(row["raised"]) == group.tickets.raised, "the CSV says what the JSON says")

    begin("planned works, as a list and as iCalendar")
    works = list_planned_works.sync_detailed(client=customer)
    check(works.status_code == 200, "planned works listed")
    ics = planned_works_ics.sync_detailed(client=customer)
    check(ics.status_code == 200 and ics.content.startswith(b"BEGIN:VCALENDAR"), "an iCalendar feed")

    begin("a maintenance request: too early is 422 with earliest_allowed_start, then at that time 201")
    tomorrow = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    request = CreateMaintenanceRequest(
        customer_number="OCN-1001",
        service_id="SVC-0001",
        start_at=tomorrow,
        end_at=tomorrow + datetime.timedelta(hours=1),
        description="Router replacement at the London site (Python flow).",
        service_owner=ServiceOwnerBody(name="Sam Owner", email="sam@acme.example", phone="+44 20 7946 0999"),
    )
    early = submit_maintenance_request.sync(client=customer, body=request)
    refusal = problem(early, 422, "too_early")
    earliest = refusal.earliest_allowed_start
    if not isinstance(earliest, datetime.datetime):
        raise AssertionError(f"{step}: the problem does not say when the earliest start is")
    # The earliest start moves on with the clock: leave an hour's margin.
    request.start_at = earliest + datetime.timedelta(hours=1)
    request.end_at = earliest + datetime.timedelta(hours=2)
    accepted = submit_maintenance_request.sync_detailed(client=customer, body=request)
    check(accepted.status_code == 201, f"accepted: {accepted.status_code} {accepted.parsed!r}")

    begin("errors are typed problems: 404, and 422 with errors[]")
    missing = get_incident.sync("1-9999999999", client=customer)
    problem(missing, 404, "not_found")
    raise_body.reporter = ReporterInput(name="Bob Example", email="not-an-address", phone="+44 20 7946 0001")
    invalid = problem(raise_incident.sync(client=customer, body=raise_body), 422, "validation_failed")
    fields = invalid.errors if isinstance(invalid.errors, list) else []
    check(any(f.field == "reporter.email" for f in fields), "errors[] names reporter.email")

    print("py: the whole flow passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
