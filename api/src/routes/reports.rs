//! `GET /reports/sla`: the SLA report of a service review (issue 23), as JSON or CSV.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use app::reports::TicketCounts;
use app::reports::{GroupBy, GroupKey, SlaFigures, SlaGroup, SlaQuery, SlaReport};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::service_review::{met_percent, DurationStats};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::http::tabular;
use crate::http::validation;
use crate::state::{long_read, AppState};

/// How the report's tickets are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportGrouping {
    /// One group per service (availability against its target in each).
    #[default]
    Service,
    /// One group per priority, P1 to P4.
    Priority,
    /// One group per local month of the working calendar.
    Month,
}

/// What the report covers.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct SlaReportQuery {
    /// Start of the period (inclusive, RFC 3339). Default: the start of last month in the
    /// working calendar.
    pub from: Option<DateTime<Utc>>,
    /// End of the period (exclusive, RFC 3339); at most 1,096 days after `from`. Default: the
    /// start of this month (or now, when that is not after `from`).
    pub to: Option<DateTime<Utc>>,
    /// Provider staff: only this company (default: every company). A customer sees only their
    /// own company; another company is not found.
    #[param(
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
        example = "OCN-1001"
    )]
    #[validate(length(max = 32))]
    pub customer_number: Option<String>,
    /// Only this service (another company's service is not found).
    #[param(max_length = 64, pattern = "^[!-~]{1,64}$", example = "SVC-0001")]
    #[validate(length(max = 64))]
    pub service_id: Option<String>,
    /// `service` (default), `priority` or `month` (the type of the report's `group_by`).
    pub group_by: Option<ReportGrouping>,
}

/// A group's tickets: those raised in the group's stretch of the period, as they stand now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketFigures {
    pub raised: i64,
    /// Resolved (or since closed).
    pub resolved: i64,
    /// Neither resolved, closed nor cancelled.
    pub open: i64,
    /// Cancelled: judged on no target.
    pub cancelled: i64,
}

/// How tickets did against one target.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetFigures {
    pub met: i64,
    pub breached: i64,
    /// Not yet decided: no response (or not resolved) yet, and not yet due.
    pub pending: i64,
    /// `100 × met / (met + breached)`, two decimals; null when none is decided.
    #[schema(minimum = 0, maximum = 100)]
    pub met_percent: Option<f64>,
}

/// Mean and nearest-rank percentiles of durations, in seconds; null without any.
#[derive(Debug, Serialize, ToSchema)]
pub struct DurationFigures {
    /// How many tickets the figures are of.
    pub count: i64,
    pub mean_seconds: Option<f64>,
    pub p50_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

/// Outages of the group's services over the group's stretch (up to now).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutageFiguresView {
    /// Downtime, summed over the services: each service's service-down tickets (logging to
    /// resolution, or now) and the major incidents covering it, overlaps counted once, net of
    /// customer pauses and of planned works; whole minutes.
    #[schema(minimum = 0)]
    pub downtime_minutes: i64,
    /// Time inside announced planned-works windows, summed over the services; not downtime.
    #[schema(minimum = 0)]
    pub planned_works_minutes: i64,
    /// One service: `100 × (1 − downtime / stretch)`, four decimals; null for several.
    #[schema(minimum = 0, maximum = 100)]
    pub availability_percent: Option<f64>,
    /// One service: its availability target, if it has one.
    pub availability_target: Option<f64>,
    /// One service with a target: whether the availability reaches it.
    pub target_met: Option<bool>,
    /// One service, when the stretch is exactly one whole month: the credit `SLA_CREDIT_TABLE`
    /// gives, in percent of the monthly charge.
    pub service_credit_percent: Option<f64>,
}

/// One group of the report, or (with `group` = `total`) the whole report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaGroupView {
    /// The service id, the priority, the month (`YYYY-MM`), or `total`.
    pub group: String,
    pub service_id: Option<String>,
    pub customer_number: Option<String>,
    pub service_label: Option<String>,
    /// `P1`…`P4`, when grouped by priority.
    #[schema(pattern = "^P[1-4]$", example = "P1")]
    pub priority: Option<String>,
    #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")]
    pub month: Option<String>,
    /// The group's stretch of the period.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tickets: TicketFigures,
    /// First response at or before its due time (met) or after it, or none and overdue.
    pub response: TargetFigures,
    /// Restore clock stopped at resolution by its due time (met), or run past it (breached).
    pub restore: TargetFigures,
    /// Logging to first response.
    pub time_to_acknowledge: DurationFigures,
    /// Logging to resolution of resolved tickets, net of the time the ticket waited for the
    /// customer.
    pub time_to_restore: DurationFigures,
    /// Null for a priority, and for a stretch not yet begun.
    pub outages: Option<OutageFiguresView>,
}

/// How many of the report's services have an availability target, and met it over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetSummaryView {
    pub services: usize,
    pub with_target: usize,
    pub met: usize,
    pub missed: usize,
}

/// The SLA report.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z",
    "as_of": "2026-12-03T09:00:00Z", "time_zone": "Europe/London", "customer_number": "OCN-1001",
    "service_id": null, "group_by": "service",
    "totals": {"group": "total", "service_id": null, "customer_number": null, "service_label": null,
        "priority": null, "month": null, "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z",
        "tickets": {"raised": 4, "resolved": 3, "open": 1, "cancelled": 0},
        "response": {"met": 3, "breached": 1, "pending": 0, "met_percent": 75.0},
        "restore": {"met": 2, "breached": 1, "pending": 1, "met_percent": 66.67},
        "time_to_acknowledge": {"count": 4, "mean_seconds": 780.0, "p50_seconds": 600, "p90_seconds": 1500},
        "time_to_restore": {"count": 3, "mean_seconds": 12000.0, "p50_seconds": 10800, "p90_seconds": 18000},
        "outages": {"downtime_minutes": 180, "planned_works_minutes": 120, "availability_percent": null,
            "availability_target": null, "target_met": null, "service_credit_percent": null}},
    "targets": {"services": 2, "with_target": 2, "met": 1, "missed": 1},
    "groups": [{"group": "SVC-0001", "service_id": "SVC-0001", "customer_number": "OCN-1001",
        "service_label": "London HQ primary", "priority": null, "month": null,
        "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z",
        "tickets": {"raised": 4, "resolved": 3, "open": 1, "cancelled": 0},
        "response": {"met": 3, "breached": 1, "pending": 0, "met_percent": 75.0},
        "restore": {"met": 2, "breached": 1, "pending": 1, "met_percent": 66.67},
        "time_to_acknowledge": {"count": 4, "mean_seconds": 780.0, "p50_seconds": 600, "p90_seconds": 1500},
        "time_to_restore": {"count": 3, "mean_seconds": 12000.0, "p50_seconds": 10800, "p90_seconds": 18000},
        "outages": {"downtime_minutes": 180, "planned_works_minutes": 120, "availability_percent": 99.5833,
            "availability_target": 99.95, "target_met": false, "service_credit_percent": 10.0}}]}))]
pub struct SlaReportView {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When the report was made: open tickets are judged as they stand then.
    pub as_of: DateTime<Utc>,
    /// The working calendar's time zone (months are its local months).
    pub time_zone: String,
    pub customer_number: Option<String>,
    pub service_id: Option<String>,
    pub group_by: ReportGrouping,
    pub totals: SlaGroupView,
    pub targets: TargetSummaryView,
    pub groups: Vec<SlaGroupView>,
}

fn target(met: i64, breached: i64, judged: i64) -> TargetFigures {
    TargetFigures {
        met,
        breached,
        pending: (judged - met - breached).max(0),
        met_percent: met_percent(met, breached),
    }
}

fn durations(d: DurationStats) -> DurationFigures {
    DurationFigures {
        count: d.count as i64,
        mean_seconds: d.mean,
        p50_seconds: d.p50,
        p90_seconds: d.p90,
    }
}

fn group_view(
    group: String,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    figures: &SlaFigures,
) -> SlaGroupView {
    let t: TicketCounts = figures.tickets;
    let judged = t.raised - t.cancelled;
    SlaGroupView {
        group,
        service_id: None,
        customer_number: None,
        service_label: None,
        priority: None,
        month: None,
        from,
        to,
        tickets: TicketFigures {
            raised: t.raised,
            resolved: t.resolved,
            open: t.open,
            cancelled: t.cancelled,
        },
        response: target(t.response_met, t.response_breached, judged),
        restore: target(t.restore_met, t.restore_breached, judged),
        time_to_acknowledge: durations(figures.durations.acknowledge),
        time_to_restore: durations(figures.durations.restore),
        outages: figures.outages.as_ref().map(|o| {
            let one = o.availability.as_ref();
            OutageFiguresView {
                downtime_minutes: o.downtime.num_minutes(),
                planned_works_minutes: o.planned_works.num_minutes(),
                availability_percent: one.map(|a| a.availability.percent),
                availability_target: one.and_then(|a| a.target),
                target_met: one.and_then(|a| a.met),
                service_credit_percent: one.and_then(|a| a.credit_percent),
            }
        }),
    }
}

impl SlaReportView {
    fn new(report: SlaReport) -> Self {
        let period = (report.from, report.to);
        let groups = report
            .groups
            .iter()
            .map(|SlaGroup { key, figures }| match key {
                GroupKey::Service(s) => SlaGroupView {
                    service_id: Some(s.service_id.to_string()),
                    customer_number: Some(s.customer_number.to_string()),
                    service_label: Some(s.label.clone()),
                    ..group_view(s.service_id.to_string(), period, figures)
                },
                GroupKey::Priority(p) => SlaGroupView {
                    priority: Some(p.as_str().to_owned()),
                    ..group_view(p.as_str().to_owned(), period, figures)
                },
                GroupKey::Month(m, span) => SlaGroupView {
                    month: Some(m.to_string()),
                    ..group_view(m.to_string(), (span.from, span.to), figures)
                },
            })
            .collect();
        Self {
            from: report.from,
            to: report.to,
            as_of: report.as_of,
            time_zone: report.time_zone,
            customer_number: report.customer_number.map(|c| c.to_string()),
            service_id: report.service_id.map(|s| s.to_string()),
            group_by: match report.group_by {
                GroupBy::Service => ReportGrouping::Service,
                GroupBy::Priority => ReportGrouping::Priority,
                GroupBy::Month => ReportGrouping::Month,
            },
            totals: group_view("total".into(), period, &report.totals),
            targets: TargetSummaryView {
                services: report.targets.services,
                with_target: report.targets.with_target,
                met: report.targets.met,
                missed: report.targets.missed,
            },
            groups,
        }
    }
}

/// The CSV header of the report: one row per group, then the `total` row.
pub const COLUMNS: &[&str] = &[
    "group",
    "service_id",
    "customer_number",
    "service_label",
    "priority",
    "month",
    "from",
    "to",
    "raised",
    "resolved",
    "open",
    "cancelled",
    "response_met",
    "response_breached",
    "response_pending",
    "response_met_percent",
    "restore_met",
    "restore_breached",
    "restore_pending",
    "restore_met_percent",
    "acknowledge_count",
    "acknowledge_mean_seconds",
    "acknowledge_p50_seconds",
    "acknowledge_p90_seconds",
    "restore_count",
    "restore_mean_seconds",
    "restore_p50_seconds",
    "restore_p90_seconds",
    "downtime_minutes",
    "planned_works_minutes",
    "availability_percent",
    "availability_target",
    "target_met",
    "service_credit_percent",
];

fn record(g: &SlaGroupView) -> Vec<String> {
    fn cell<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(|s| tabular::text(s).into_owned())
            .unwrap_or_default()
    };
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let o = g.outages.as_ref();
    let row = vec![
        tabular::text(&g.group).into_owned(),
        text(&g.service_id),
        text(&g.customer_number),
        text(&g.service_label),
        cell(g.priority.as_deref()),
        cell(g.month.as_deref()),
        time(g.from),
        time(g.to),
        g.tickets.raised.to_string(),
        g.tickets.resolved.to_string(),
        g.tickets.open.to_string(),
        g.tickets.cancelled.to_string(),
        g.response.met.to_string(),
        g.response.breached.to_string(),
        g.response.pending.to_string(),
        cell(g.response.met_percent),
        g.restore.met.to_string(),
        g.restore.breached.to_string(),
        g.restore.pending.to_string(),
        cell(g.restore.met_percent),
        g.time_to_acknowledge.count.to_string(),
        cell(g.time_to_acknowledge.mean_seconds),
        cell(g.time_to_acknowledge.p50_seconds),
        cell(g.time_to_acknowledge.p90_seconds),
        g.time_to_restore.count.to_string(),
        cell(g.time_to_restore.mean_seconds),
        cell(g.time_to_restore.p50_seconds),
        cell(g.time_to_restore.p90_seconds),
        cell(o.map(|o| o.downtime_minutes)),
        cell(o.map(|o| o.planned_works_minutes)),
        cell(o.and_then(|o| o.availability_percent)),
        cell(o.and_then(|o| o.availability_target)),
        cell(o.and_then(|o| o.target_met)),
        cell(o.and_then(|o| o.service_credit_percent)),
    ];
    debug_assert_eq!(row.len(), COLUMNS.len());
    row
}

/// SLA report.
///
/// How tickets did against their response and restore targets over a period, how long they
/// took, and how available the services were — grouped by service, priority or local month
/// (`group_by`), with a `total` for the whole report. The tickets are those **raised** in the
/// period (`from` inclusive, `to` exclusive; default: last month), judged as they stand when
/// the report is made (`as_of`); cancelled tickets are counted apart and judged on nothing.
/// Time to restore is net of the time a ticket waited for the customer. Outages are each
/// service's service-down tickets (logging to resolution, or now) and the major incidents
/// covering it, overlaps counted once, net of customer pauses; announced planned works are
/// shown apart and are not downtime. A customer sees only their own company; provider staff
/// any company (`customer_number`) or all. JSON by default; CSV (one row per group, then the
/// `total` row) with `Accept: text/csv`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(SlaReportQuery),
    responses(
        (status = 200, description = "The report.",
            content(
                (SlaReportView = "application/json"),
                (String = "text/csv", example = "group,service_id,customer_number,service_label,priority,month,from,to,raised,...\r\nSVC-0001,SVC-0001,OCN-1001,London HQ primary,,,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,4,...\r\n"),
            ),
            headers(("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"sla-report-<UTC time>.csv\"`"))),
        (status = 404, response = crate::http::error::NotFound),
        (status = 406, response = crate::http::error::NotAcceptable),
    )
)]
#[get("/reports/sla")]
pub async fn sla_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<SlaReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let csv = tabular::wants_csv(&req)?;
    let q = query.into_inner();
    q.validate()?;
    let query = SlaQuery {
        from: q.from,
        to: q.to,
        customer_number: q
            .customer_number
            .as_deref()
            .map(validation::query_customer_number)
            .transpose()?,
        service_id: q
            .service_id
            .as_deref()
            .map(validation::query_service_id)
            .transpose()?,
        group_by: match q.group_by.unwrap_or_default() {
            ReportGrouping::Service => GroupBy::Service,
            ReportGrouping::Priority => GroupBy::Priority,
            ReportGrouping::Month => GroupBy::Month,
        },
    };
    let ctx = state.ctx.clone();
    let report = long_read(&state, move |conn| {
        app::reports::sla_report(conn, &caller, &query, &ctx, app::now())
    })
    .await?;
    let view = SlaReportView::new(report);
    if !csv {
        return Ok(HttpResponse::Ok().json(view));
    }
    let body = tabular::csv_records(
        std::iter::once(COLUMNS.iter().map(|c| c.to_string()).collect())
            .chain(view.groups.iter().map(record))
            .chain(std::iter::once(record(&view.totals))),
    )?;
    Ok(HttpResponse::Ok()
        .content_type(tabular::CSV)
        .insert_header((
            header::CONTENT_DISPOSITION,
            tabular::disposition("sla-report", view.as_of, tabular::Format::Csv),
        ))
        .body(body))
}
