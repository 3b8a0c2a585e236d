//! The SLA report (issue 23): how a company's (or every company's) tickets did against their
//! response and restore targets over a period, how long they took, and how available each
//! service was — grouped by service, priority or month.
//!
//! The tickets are those raised in the period, judged as they stand when the report is made.
//! Counts and durations are aggregated in the database (`persistence::reports`); the outages
//! (service-down tickets and major incidents, overlaps merged, customer pauses excused, planned
//! works apart) are merged in the domain (`domain::service_review`) over the few intervals read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use domain::calendar::Month;
use domain::service_review::{monthly_availability, period_availability, PeriodAvailability};
use domain::service_state::{Outage, Span};
use domain::{Caller, CustomerNumber, MajorIncident, PlannedWork, Priority, Service, ServiceId};
use persistence::reports::{self, Grouping, ReportScope};
pub use persistence::reports::{GroupDurations, TicketCounts};
use persistence::services::ServiceFilter;
use persistence::{customers, major_incidents, planned_works};

use crate::{AppError, Conn, Ctx};

/// The longest period one report covers (three years).
pub const MAX_PERIOD_DAYS: i64 = 1_096;

/// How the report's tickets are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Service,
    Priority,
    /// Local months of the working calendar.
    Month,
}

/// What is asked. Without `from` and `to`: last month.
#[derive(Debug, Clone)]
pub struct SlaQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub customer_number: Option<CustomerNumber>,
    pub service_id: Option<ServiceId>,
    pub group_by: GroupBy,
}

/// Downtime and planned-works time of the services a group covers, over the group's stretch
/// of the period (up to now).
#[derive(Debug, Clone, PartialEq)]
pub struct OutageFigures {
    /// Summed over the services (each service's overlapping outages counted once).
    pub downtime: Duration,
    pub planned_works: Duration,
    /// When the group is one service: its availability against its target.
    pub availability: Option<PeriodAvailability>,
}

/// The figures of one group (or of the whole report).
#[derive(Debug, Clone, PartialEq)]
pub struct SlaFigures {
    pub tickets: TicketCounts,
    pub durations: GroupDurations,
    /// None for a priority (an outage is a service's, not a priority's), and for a stretch that
    /// has not begun yet.
    pub outages: Option<OutageFigures>,
}

/// What a group is.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKey {
    Service(Box<Service>),
    Priority(Priority),
    /// The month and its stretch within the period.
    Month(Month, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaGroup {
    pub key: GroupKey,
    pub figures: SlaFigures,
}

/// How many of the report's services have an availability target, and met it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetSummary {
    pub services: usize,
    pub with_target: usize,
    pub met: usize,
    pub missed: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
    pub customer_number: Option<CustomerNumber>,
    pub service_id: Option<ServiceId>,
    pub group_by: GroupBy,
    pub time_zone: String,
    pub totals: SlaFigures,
    pub targets: TargetSummary,
    pub groups: Vec<SlaGroup>,
}

/// One service's outages and planned works in the period, and what they come to.
struct ServiceOutages {
    service: Service,
    whole: PeriodAvailability,
    months: Vec<(Month, PeriodAvailability)>,
}

/// The SLA report the caller may see: a customer's own company only (another company, or
/// another company's service, is not found); the desk any company, or all.
pub fn sla_report(
    conn: &mut Conn,
    caller: &Caller,
    query: &SlaQuery,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<SlaReport, AppError> {
    let (from, to) = period(query, ctx, now)?;
    let customer = match (caller.tenant_scope(), &query.customer_number) {
        (Some(own), Some(asked)) if own != asked => return Err(AppError::NotFound("customer")),
        (Some(own), _) => Some(own.clone()),
        (None, Some(asked)) => {
            customers::get(conn, asked)?;
            Some(asked.clone())
        }
        (None, None) => None,
    };
    let service = match &query.service_id {
        Some(id) => {
            let service = crate::inventory::get_service(conn, caller, id)?;
            if customer
                .as_ref()
                .is_some_and(|c| c != &service.customer_number)
            {
                return Err(AppError::NotFound("service"));
            }
            Some(service)
        }
        None => None,
    };
    // A service's tickets are all its company's: naming the company too lets every read of a
    // desk's one-service report use the company's indexes.
    let scope = ReportScope {
        customer: customer
            .clone()
            .or_else(|| service.as_ref().map(|s| s.customer_number.clone())),
        service: query.service_id.clone(),
        from,
        to,
    };
    let months = months_of(ctx, from, to);
    let grouping = match query.group_by {
        GroupBy::Service => Grouping::Service,
        GroupBy::Priority => Grouping::Priority,
        GroupBy::Month => Grouping::Periods(
            months
                .iter()
                .map(|(m, span)| (m.to_string(), span.from))
                .collect(),
        ),
    };
    let counts = reports::ticket_counts(conn, &scope, &grouping, now)?;
    let (durations, overall) =
        reports::durations(conn, &scope, &grouping, restore_targets(ctx), &counts)?;

    // Outages over the period up to now.
    let end = to.min(now);
    let outages = if from < end {
        let ticket_services: Vec<&str> = match query.group_by {
            GroupBy::Service => counts.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        Some(service_outages(
            conn,
            ctx,
            &scope,
            service.as_ref(),
            &ticket_services,
            Span::new(from, end),
        )?)
    } else {
        None
    };
    let mut targets = TargetSummary::default();
    for s in outages.iter().flatten() {
        targets.services += 1;
        match s.whole.met {
            Some(true) => {
                (targets.with_target, targets.met) = (targets.with_target + 1, targets.met + 1)
            }
            Some(false) => {
                (targets.with_target, targets.missed) =
                    (targets.with_target + 1, targets.missed + 1)
            }
            None => {}
        }
    }
    let one_service = service.is_some();
    let sum = |parts: &mut dyn Iterator<Item = &PeriodAvailability>| {
        parts.fold((Duration::zero(), Duration::zero()), |(d, p), a| {
            (d + a.availability.downtime, p + a.planned_works)
        })
    };
    let totals = SlaFigures {
        tickets: counts
            .values()
            .fold(TicketCounts::default(), |a, b| a.plus(*b)),
        durations: overall,
        outages: outages.as_ref().map(|list| {
            let (downtime, planned_works) = sum(&mut list.iter().map(|s| &s.whole));
            OutageFigures {
                downtime,
                planned_works,
                availability: list
                    .first()
                    .filter(|_| one_service)
                    .map(|s| s.whole.clone()),
            }
        }),
    };
    let figures = |key: &str, outages: Option<OutageFigures>| SlaFigures {
        tickets: counts.get(key).copied().unwrap_or_default(),
        durations: durations.get(key).copied().unwrap_or_default(),
        outages,
    };
    let groups = match query.group_by {
        GroupBy::Service => outages
            .iter()
            .flatten()
            .map(|s| SlaGroup {
                figures: figures(
                    s.service.service_id.as_str(),
                    Some(OutageFigures {
                        downtime: s.whole.availability.downtime,
                        planned_works: s.whole.planned_works,
                        availability: Some(s.whole.clone()),
                    }),
                ),
                key: GroupKey::Service(Box::new(s.service.clone())),
            })
            .collect(),
        GroupBy::Priority => Priority::ALL
            .iter()
            .map(|p| SlaGroup {
                key: GroupKey::Priority(*p),
                figures: figures(p.as_str(), None),
            })
            .collect(),
        GroupBy::Month => months
            .iter()
            .map(|(month, span)| {
                let of_month = outages.as_ref().and_then(|list| {
                    let mut parts = list
                        .iter()
                        .filter_map(|s| s.months.iter().find(|(m, _)| m == month))
                        .map(|(_, a)| a)
                        .peekable();
                    parts.peek()?;
                    let in_month: Vec<&PeriodAvailability> = parts.collect();
                    let (downtime, planned_works) = sum(&mut in_month.iter().copied());
                    Some(OutageFigures {
                        downtime,
                        planned_works,
                        availability: in_month
                            .first()
                            .filter(|_| one_service)
                            .map(|a| (*a).clone()),
                    })
                });
                SlaGroup {
                    key: GroupKey::Month(*month, *span),
                    figures: figures(&month.to_string(), of_month),
                }
            })
            .collect(),
    };
    Ok(SlaReport {
        from,
        to,
        as_of: now,
        customer_number: customer,
        service_id: query.service_id.clone(),
        group_by: query.group_by,
        time_zone: ctx.calendar.zone().to_owned(),
        totals,
        targets,
        groups,
    })
}

/// The period asked for: last month by default; `to` defaults to the start of this month, or
/// now when that is not after `from`.
fn period(
    query: &SlaQuery,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let this_month = ctx.calendar.month_span(ctx.calendar.month_of(now)).0;
    let last_month = ctx
        .calendar
        .month_span(ctx.calendar.month_of(now).previous())
        .0;
    let from = query.from.unwrap_or(last_month);
    let to = query
        .to
        .unwrap_or(if this_month > from { this_month } else { now });
    if to <= from {
        return Err(AppError::invalid("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_PERIOD_DAYS) {
        return Err(AppError::invalid(
            "to",
            format!("a report covers at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The local months `[from, to)` touches, each with its stretch inside the period.
fn months_of(ctx: &Ctx, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(Month, Span)> {
    let mut out = Vec::new();
    let mut month = ctx.calendar.month_of(from);
    loop {
        let (start, end) = ctx.calendar.month_span(month);
        if start >= to {
            break;
        }
        out.push((month, Span::new(start.max(from), end.min(to))));
        month = month.next();
    }
    out
}

fn restore_targets(ctx: &Ctx) -> [(Priority, Duration); 4] {
    [Priority::P1, Priority::P2, Priority::P3, Priority::P4]
        .map(|p| (p, ctx.sla.targets(p).restore))
}

/// Each service of the scope and its outages over `window`: the one service asked for; every
/// service of the company; or, for every company, the services with tickets in the report
/// (`ticket_services`), with outages or with planned works in the window.
fn service_outages(
    conn: &mut Conn,
    ctx: &Ctx,
    scope: &ReportScope,
    service: Option<&Service>,
    ticket_services: &[&str],
    window: Span,
) -> Result<Vec<ServiceOutages>, AppError> {
    let down = reports::down_tickets(
        conn,
        &ReportScope {
            from: window.from,
            to: window.to,
            ..scope.clone()
        },
    )?;
    let majors: Vec<MajorIncident> = major_incidents::active_or_resolved_since(conn, window.from)?
        .into_iter()
        .filter(|m| m.started_at < window.to)
        .collect();
    let (services, works): (Vec<Service>, Vec<PlannedWork>) = match (service, &scope.customer) {
        (Some(one), _) => {
            let ids = std::slice::from_ref(&one.service_id);
            let works = planned_works::on_services_between(conn, ids, window.from, window.to)?;
            (vec![one.clone()], works)
        }
        (None, Some(customer)) => {
            let services = company_services(conn, customer)?;
            let ids: Vec<ServiceId> = services.iter().map(|s| s.service_id.clone()).collect();
            let works = planned_works::on_services_between(conn, &ids, window.from, window.to)?;
            (services, works)
        }
        (None, None) => {
            let works = planned_works::between(conn, window.from, window.to)?;
            let mut ids: BTreeSet<ServiceId> = down.iter().map(|d| d.service_id.clone()).collect();
            ids.extend(
                works
                    .iter()
                    .flat_map(|w| w.affected_services.iter().cloned()),
            );
            for major in &majors {
                for (id, _) in major_incidents::affected(conn, major, None)? {
                    ids.insert(id);
                }
            }
            for key in ticket_services {
                if let Ok(id) = ServiceId::parse(key) {
                    ids.insert(id);
                }
            }
            let ids: Vec<ServiceId> = ids.into_iter().collect();
            (persistence::services::with_ids(conn, &ids)?, works)
        }
    };
    let mut down_by_service: BTreeMap<&str, Vec<Outage>> = BTreeMap::new();
    for d in &down {
        down_by_service
            .entry(d.service_id.as_str())
            .or_default()
            .push(Outage::of_ticket(d.from, d.to, &d.pauses, window.to));
    }
    Ok(services
        .into_iter()
        .map(|service| {
            let id = &service.service_id;
            let region = service.region.as_deref();
            let mut outages = down_by_service.remove(id.as_str()).unwrap_or_default();
            outages.extend(
                majors
                    .iter()
                    .filter(|m| m.covers(id, region))
                    .map(Outage::of_major),
            );
            let windows: Vec<Span> = works
                .iter()
                .filter(|w| w.affected_services.contains(id))
                .map(|w| Span::new(w.start_at, w.end_at))
                .collect();
            let target = service.availability_target.map(|t| t.percent());
            let months = monthly_availability(
                &ctx.calendar,
                &outages,
                &windows,
                window,
                target,
                ctx.credits.as_ref(),
            );
            let mut whole = period_availability(&outages, &windows, window, target);
            // A period of exactly one month earns that month's credit.
            if let [(_, month)] = months.as_slice() {
                whole.whole_month = month.whole_month;
                whole.credit_percent = month.credit_percent;
            }
            ServiceOutages {
                service,
                whole,
                months,
            }
        })
        .collect())
}

/// Every service of `customer`, by registration.
fn company_services(conn: &mut Conn, customer: &CustomerNumber) -> Result<Vec<Service>, AppError> {
    let filter = ServiceFilter {
        customer_number: Some(customer.clone()),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = persistence::services::list(conn, &filter, after, 1_000)?;
        out.extend(page.items);
        match page.next_cursor {
            Some(cursor) => after = Some(cursor),
            None => return Ok(out),
        }
    }
}

/// The month whose reports are owed at `now` (see `domain::service_review::monthly_report_due`),
/// and up to `limit` companies whose report for it is not sent yet.
pub fn monthly_reports_owed(
    conn: &mut Conn,
    ctx: &Ctx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Option<(Month, Vec<CustomerNumber>)>, AppError> {
    let Some(month) = domain::service_review::monthly_report_due(&ctx.calendar, now) else {
        return Ok(None);
    };
    let companies = reports::companies_without_report(conn, &month.to_string(), limit)?;
    Ok(Some((month, companies)))
}

/// Sends `customer`'s service report for `month`, at most once whatever the number of
/// instances: the (company, month) is claimed in this transaction, and the mail's event (an
/// internal event, mailed to the company's contacts who receive service reports) is written in
/// the same one. `false` when another run claimed it first, or when no contact of the company
/// receives service reports (the month is then recorded as done, and nothing is computed).
pub fn send_monthly_report(
    conn: &mut Conn,
    customer: &CustomerNumber,
    month: Month,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !reports::claim_monthly_report(conn, customer, &month.to_string(), now)? {
        return Ok(false);
    }
    let readers = persistence::contacts::all_of(conn, customer.as_str())?
        .iter()
        .any(|c| c.receives(domain::notification::Category::ServiceReports));
    if !readers {
        return Ok(false);
    }
    let (from, to) = ctx.calendar.month_span(month);
    let system = Caller::new("service-reports", domain::Role::Agent, None)?;
    let report = sla_report(
        conn,
        &system,
        &SlaQuery {
            from: Some(from),
            to: Some(to),
            customer_number: Some(customer.clone()),
            service_id: None,
            group_by: GroupBy::Service,
        },
        ctx,
        now,
    )?;
    persistence::events::append(
        conn,
        domain::EventType::ServiceReportMonthly,
        Some(customer),
        None,
        &summary(&report, month),
        now,
    )?;
    Ok(true)
}

/// What the monthly mail tells: the month's totals and each service's figures.
fn summary(report: &SlaReport, month: Month) -> serde_json::Value {
    use domain::service_review::met_percent;
    let figures = |f: &SlaFigures| {
        let t = &f.tickets;
        let availability = f.outages.as_ref().and_then(|o| o.availability.as_ref());
        serde_json::json!({
            "raised": t.raised,
            "resolved": t.resolved,
            "open": t.open,
            "response_met_percent": met_percent(t.response_met, t.response_breached),
            "restore_met_percent": met_percent(t.restore_met, t.restore_breached),
            "downtime_minutes": f.outages.as_ref().map(|o| o.downtime.num_minutes()),
            "planned_works_minutes": f.outages.as_ref().map(|o| o.planned_works.num_minutes()),
            "availability_percent": availability.map(|a| a.availability.percent),
            "availability_target": availability.and_then(|a| a.target),
            "target_met": availability.and_then(|a| a.met),
            "service_credit_percent": availability.and_then(|a| a.credit_percent),
        })
    };
    let services: Vec<serde_json::Value> = report
        .groups
        .iter()
        .filter_map(|g| match &g.key {
            GroupKey::Service(s) => {
                let mut v = figures(&g.figures);
                v["service_id"] = s.service_id.to_string().into();
                v["label"] = s.label.clone().into();
                Some(v)
            }
            _ => None,
        })
        .collect();
    serde_json::json!({
        "customer_number": report.customer_number.as_ref().map(ToString::to_string),
        "month": month.to_string(),
        "from": report.from,
        "to": report.to,
        "time_zone": report.time_zone,
        "totals": figures(&report.totals),
        "services": services,
    })
}
