//! Service reviews (issue 23): the SLA report's figures, aggregated in the database.
//!
//! Counts and shares are `GROUP BY` sums; the durations' mean and nearest-rank percentiles are
//! window functions (`ROW_NUMBER`/`COUNT`/`SUM … OVER (PARTITION BY …)`), so only one or two
//! rows per group and measure leave the database. Both backends run the same statements; the
//! only difference is how an instant becomes seconds ([`epoch`]) and how a parameter is written.
//! The indexes used: `incidents_customer_logged_idx`, `incidents_service_idx` or
//! `incidents_logged_idx` for the tickets raised in a period, and the partial
//! `incidents_outage_idx` for the service-down tickets overlapping it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};
use domain::service_review::DurationStats;
use domain::{CustomerNumber, Impact, IncidentStatus, Priority, ServiceId, SlaPause};

use crate::db::DbConnection;
use crate::error::corrupt;
use crate::{from_db_time, to_db_time, StoreError};

/// Which tickets a report covers: those raised in `[from, to)`, of one company or one service
/// when given.
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub customer: Option<CustomerNumber>,
    pub service: Option<ServiceId>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// How tickets are grouped.
#[derive(Debug, Clone)]
pub enum Grouping {
    /// One group of every ticket, keyed `all`.
    All,
    /// By service id.
    Service,
    /// By priority (`P1`…`P4`).
    Priority,
    /// By the period each ticket was logged in: `(label, start)` in order of start; a ticket
    /// belongs to the last period starting at or before it was logged.
    Periods(Vec<(String, DateTime<Utc>)>),
}

/// A group's tickets and how they did against their targets, judged as they stand at the
/// instant the report is made. Cancelled tickets are counted apart and judged on nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct TicketCounts {
    #[diesel(sql_type = BigInt)]
    pub raised: i64,
    /// Resolved (or since closed).
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
    /// Neither resolved, closed nor cancelled.
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    /// First response at or before its due time.
    #[diesel(sql_type = BigInt)]
    pub response_met: i64,
    /// First response after its due time, or none yet and the due time passed.
    #[diesel(sql_type = BigInt)]
    pub response_breached: i64,
    /// Resolved with the restore clock stopped at or before its due time.
    #[diesel(sql_type = BigInt)]
    pub restore_met: i64,
    /// The restore clock ran past its due time (resolved late, or open and overdue).
    #[diesel(sql_type = BigInt)]
    pub restore_breached: i64,
}

impl TicketCounts {
    /// The sum of two groups' counts (groups never share a ticket).
    pub fn plus(self, o: Self) -> Self {
        Self {
            raised: self.raised + o.raised,
            resolved: self.resolved + o.resolved,
            open: self.open + o.open,
            cancelled: self.cancelled + o.cancelled,
            response_met: self.response_met + o.response_met,
            response_breached: self.response_breached + o.response_breached,
            restore_met: self.restore_met + o.restore_met,
            restore_breached: self.restore_breached + o.restore_breached,
        }
    }
}

/// A group's time to acknowledge (logged → first response) and time to restore (logged →
/// resolved, net of the time the restore clock was paused).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupDurations {
    pub acknowledge: DurationStats,
    pub restore: DurationStats,
}

/// A service-down ticket overlapping a period: the service was down from `from` to `to` (or is
/// still), less the customer's pauses.
#[derive(Debug, Clone, PartialEq)]
pub struct DownTicket {
    pub service_id: ServiceId,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    pub pauses: Vec<SlaPause>,
}

/// One value bound to a statement.
enum Bind {
    Time(NaiveDateTime),
    Text(String),
    Int(i64),
}

/// The statement's text with its values bound, for one backend.
macro_rules! bound {
    ($statement:expr, $backend:ty) => {{
        let mut query = diesel::sql_query($statement.text).into_boxed::<$backend>();
        for value in $statement.binds {
            query = match value {
                Bind::Time(t) => query.bind::<Timestamp, _>(t),
                Bind::Text(s) => query.bind::<Text, _>(s),
                Bind::Int(i) => query.bind::<BigInt, _>(i),
            };
        }
        query
    }};
}

/// A statement written once for both backends: parameters are `$n` on PostgreSQL and `?` on
/// SQLite.
struct Statement {
    text: String,
    binds: Vec<Bind>,
    postgres: bool,
}

impl Statement {
    fn for_connection(conn: &DbConnection) -> Self {
        Self {
            text: String::new(),
            binds: Vec::new(),
            postgres: matches!(conn, DbConnection::Postgresql(_)),
        }
    }

    fn sql(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        if self.postgres {
            let _ = write!(self.text, "${}", self.binds.len());
        } else {
            self.text.push('?');
        }
        self
    }

    /// Seconds since the epoch of a timestamp column, whole seconds down.
    fn epoch(&mut self, column: &str) -> &mut Self {
        if self.postgres {
            let _ = write!(
                self.text,
                "CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
            );
        } else {
            let _ = write!(self.text, "CAST(strftime('%s', {column}) AS INTEGER)");
        }
        self
    }

    /// `WHERE` of the tickets raised in the scope.
    fn scope(&mut self, scope: &ReportScope) -> &mut Self {
        self.sql(" WHERE logged_at >= ")
            .bind(Bind::Time(to_db_time(scope.from)))
            .sql(" AND logged_at < ")
            .bind(Bind::Time(to_db_time(scope.to)));
        if let Some(c) = &scope.customer {
            self.sql(" AND customer_number = ")
                .bind(Bind::Text(c.as_str().to_owned()));
        }
        if let Some(s) = &scope.service {
            self.sql(" AND service_id = ")
                .bind(Bind::Text(s.as_str().to_owned()));
        }
        self
    }

    /// The group key of a ticket, as text.
    fn key(&mut self, grouping: &Grouping) -> &mut Self {
        match grouping {
            Grouping::All => self.sql("'all'"),
            Grouping::Service => self.sql("service_id"),
            Grouping::Priority => self.sql("priority"),
            Grouping::Periods(periods) => {
                let Some(((last, _), rest)) = periods.split_last() else {
                    return self.sql("''");
                };
                if rest.is_empty() {
                    return self.bind(Bind::Text(last.clone()));
                }
                self.sql("CASE");
                for (i, (label, _)) in rest.iter().enumerate() {
                    self.sql(" WHEN logged_at < ")
                        .bind(Bind::Time(to_db_time(periods[i + 1].1)))
                        .sql(" THEN ")
                        .bind(Bind::Text(label.clone()));
                }
                self.sql(" ELSE ")
                    .bind(Bind::Text(last.clone()))
                    .sql(" END")
            }
        }
    }

    fn load<T>(self, conn: &mut DbConnection) -> Result<Vec<T>, StoreError>
    where
        T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
    {
        Ok(match conn {
            DbConnection::Postgresql(pg) => bound!(self, diesel::pg::Pg).load(pg)?,
            DbConnection::Sqlite(sqlite) => bound!(self, diesel::sqlite::Sqlite).load(sqlite)?,
        })
    }

    fn execute(self, conn: &mut DbConnection) -> Result<usize, StoreError> {
        Ok(match conn {
            DbConnection::Postgresql(pg) => bound!(self, diesel::pg::Pg).execute(pg)?,
            DbConnection::Sqlite(sqlite) => bound!(self, diesel::sqlite::Sqlite).execute(sqlite)?,
        })
    }
}

fn status_literal(status: IncidentStatus) -> String {
    format!("'{}'", status.as_str())
}

#[derive(QueryableByName)]
struct CountsRow {
    #[diesel(sql_type = Text)]
    grp: String,
    #[diesel(embed)]
    counts: TicketCounts,
}

/// Each group's [`TicketCounts`], judged at `now`; groups without tickets are absent.
pub fn ticket_counts(
    conn: &mut DbConnection,
    scope: &ReportScope,
    grouping: &Grouping,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, TicketCounts>, StoreError> {
    let cancelled = status_literal(IncidentStatus::Cancelled);
    let finished = [
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
        IncidentStatus::Cancelled,
    ]
    .map(status_literal)
    .join(", ");
    let now = to_db_time(now);
    let mut q = Statement::for_connection(conn);
    q.sql("SELECT ")
        .key(grouping)
        .sql(" AS grp, COUNT(*) AS raised")
        .sql(&format!(
            ", SUM(CASE WHEN resolved_at IS NOT NULL AND status <> {cancelled} THEN 1 ELSE 0 END) AS resolved\
             , SUM(CASE WHEN status IN ({finished}) THEN 0 ELSE 1 END) AS open\
             , SUM(CASE WHEN status = {cancelled} THEN 1 ELSE 0 END) AS cancelled\
             , SUM(CASE WHEN status <> {cancelled} AND responded_at IS NOT NULL \
                   AND responded_at <= response_due_at THEN 1 ELSE 0 END) AS response_met\
             , SUM(CASE WHEN status <> {cancelled} AND (responded_at > response_due_at \
                   OR (responded_at IS NULL AND response_due_at < "
        ))
        .bind(Bind::Time(now))
        .sql(&format!(
            ")) THEN 1 ELSE 0 END) AS response_breached\
             , SUM(CASE WHEN status <> {cancelled} AND resolved_at IS NOT NULL \
                   AND sla_stopped_at IS NOT NULL AND sla_stopped_at <= restore_due_at \
                   THEN 1 ELSE 0 END) AS restore_met\
             , SUM(CASE WHEN status <> {cancelled} AND COALESCE(sla_halted_since, "
        ))
        .bind(Bind::Time(now))
        .sql(") > restore_due_at THEN 1 ELSE 0 END) AS restore_breached FROM incidents")
        .scope(scope)
        .sql(" GROUP BY grp");
    let rows: Vec<CountsRow> = q.load(conn)?;
    Ok(rows.into_iter().map(|r| (r.grp, r.counts)).collect())
}

#[derive(QueryableByName)]
struct RankRow {
    #[diesel(sql_type = Text)]
    grp: String,
    #[diesel(sql_type = Text)]
    measure: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    rn: i64,
    #[diesel(sql_type = BigInt)]
    secs: i64,
}

/// Each group's [`GroupDurations`]. The time to restore is read from the stored projection:
/// `restore_due_at` is `logged_at + target + finished pauses`, so the net time is
/// `stopped − restore_due_at + target`, with `restore_targets` the targets of P1…P4 (those the
/// tickets were judged by).
pub fn durations(
    conn: &mut DbConnection,
    scope: &ReportScope,
    grouping: &Grouping,
    restore_targets: [(Priority, Duration); 4],
) -> Result<BTreeMap<String, GroupDurations>, StoreError> {
    let cancelled = status_literal(IncidentStatus::Cancelled);
    let mut q = Statement::for_connection(conn);
    q.sql("WITH d AS (SELECT ")
        .key(grouping)
        .sql(" AS grp, 'acknowledge' AS measure, ")
        .epoch("responded_at")
        .sql(" - ")
        .epoch("logged_at")
        .sql(" AS secs FROM incidents")
        .scope(scope)
        .sql(&format!(
            " AND status <> {cancelled} AND responded_at IS NOT NULL UNION ALL SELECT "
        ))
        .key(grouping)
        .sql(" AS grp, 'restore' AS measure, ")
        .epoch("sla_stopped_at")
        .sql(" - ")
        .epoch("restore_due_at")
        .sql(" + CASE priority");
    for (priority, target) in restore_targets {
        q.sql(" WHEN ")
            .bind(Bind::Text(priority.as_str().to_owned()))
            .sql(" THEN ")
            .bind(Bind::Int(target.num_seconds()));
    }
    q.sql(" ELSE 0 END AS secs FROM incidents")
        .scope(scope)
        .sql(&format!(
        " AND status <> {cancelled} AND resolved_at IS NOT NULL AND sla_stopped_at IS NOT NULL), \
             r AS (SELECT grp, measure, secs, \
               ROW_NUMBER() OVER (PARTITION BY grp, measure ORDER BY secs) AS rn, \
               COUNT(*) OVER (PARTITION BY grp, measure) AS n, \
               SUM(secs) OVER (PARTITION BY grp, measure) AS total FROM d) \
             SELECT grp, measure, n, CAST(total AS BIGINT) AS total, rn, secs FROM r \
             WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100"
    ));
    let rows: Vec<RankRow> = q.load(conn)?;
    // Per group and measure: (count, total, p50, p90).
    let mut ranked: BTreeMap<(String, String), (i64, i64, i64, i64)> = BTreeMap::new();
    for r in rows {
        let entry = ranked
            .entry((r.grp, r.measure))
            .or_insert((r.n, r.total, 0, 0));
        if r.rn == DurationStats::rank(r.n, 50) {
            entry.2 = r.secs;
        }
        if r.rn == DurationStats::rank(r.n, 90) {
            entry.3 = r.secs;
        }
    }
    let mut out: BTreeMap<String, GroupDurations> = BTreeMap::new();
    for ((grp, measure), (n, total, p50, p90)) in ranked {
        let stats = DurationStats::from_ranked(n, total as f64, p50, p90);
        let group = out.entry(grp).or_default();
        match measure.as_str() {
            "acknowledge" => group.acknowledge = stats,
            _ => group.restore = stats,
        }
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct DownRow {
    #[diesel(sql_type = Text)]
    service_id: String,
    #[diesel(sql_type = Timestamp)]
    logged_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    resolved_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Text)]
    sla_pauses: String,
}

/// The service-down tickets (not cancelled) of the scope's company or service whose outage
/// overlaps `[scope.from, scope.to)` — raised before its end and not resolved before its start,
/// whenever they were raised — by service.
pub fn down_tickets(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<Vec<DownTicket>, StoreError> {
    let mut q = Statement::for_connection(conn);
    // The impact is written as a literal so that the partial index applies.
    q.sql(&format!(
        "SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents \
         WHERE impact = '{}' AND status <> {} AND logged_at < ",
        Impact::ServiceDown.as_str(),
        status_literal(IncidentStatus::Cancelled)
    ))
    .bind(Bind::Time(to_db_time(scope.to)))
    .sql(" AND (resolved_at IS NULL OR resolved_at > ")
    .bind(Bind::Time(to_db_time(scope.from)))
    .sql(")");
    if let Some(c) = &scope.customer {
        q.sql(" AND customer_number = ")
            .bind(Bind::Text(c.as_str().to_owned()));
    }
    if let Some(s) = &scope.service {
        q.sql(" AND service_id = ")
            .bind(Bind::Text(s.as_str().to_owned()));
    }
    q.sql(" ORDER BY service_id, logged_at");
    let rows: Vec<DownRow> = q.load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(DownTicket {
                service_id: ServiceId::parse(&r.service_id).map_err(corrupt)?,
                from: from_db_time(r.logged_at),
                to: r.resolved_at.map(from_db_time),
                pauses: serde_json::from_str(&r.sla_pauses)
                    .map_err(|e| StoreError::Corrupt(format!("sla_pauses: {e}")))?,
            })
        })
        .collect()
}

/// Claims the sending of `customer`'s report for `month` (`YYYY-MM`): `true` for the one caller
/// that records it first, `false` for every other (another instance, or a second run). Call in
/// the transaction that writes what is sent, so a claim never outlives a failed send.
pub fn claim_monthly_report(
    conn: &mut DbConnection,
    customer: &CustomerNumber,
    month: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // `ON CONFLICT DO NOTHING` is the same on both backends (SQLite 3.24+).
    let mut q = Statement::for_connection(conn);
    q.sql("INSERT INTO service_report_runs (customer_number, month, created_at) VALUES (")
        .bind(Bind::Text(customer.as_str().to_owned()))
        .sql(", ")
        .bind(Bind::Text(month.to_owned()))
        .sql(", ")
        .bind(Bind::Time(to_db_time(now)))
        .sql(") ON CONFLICT DO NOTHING");
    let inserted = q.execute(conn)?;
    Ok(inserted == 1)
}

/// Up to `limit` companies whose report for `month` is not sent yet, by customer number.
pub fn companies_without_report(
    conn: &mut DbConnection,
    month: &str,
    limit: i64,
) -> Result<Vec<CustomerNumber>, StoreError> {
    use crate::schema::{customers, service_report_runs as runs};
    use diesel::dsl::{exists, not};
    use diesel::{ExpressionMethods, QueryDsl};
    let numbers: Vec<String> = customers::table
        .filter(not(exists(
            runs::table
                .filter(runs::customer_number.eq(customers::customer_number))
                .filter(runs::month.eq(month)),
        )))
        .order(customers::customer_number.asc())
        .select(customers::customer_number)
        .limit(limit)
        .load(conn)?;
    numbers
        .iter()
        .map(|n| CustomerNumber::parse(n).map_err(corrupt))
        .collect()
}
