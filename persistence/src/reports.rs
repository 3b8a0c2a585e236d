//! Service reviews (issue 23): the SLA report's figures, aggregated in the database.
//!
//! Counts and shares are one `GROUP BY` of `CASE` sums. The durations' means and nearest-rank
//! percentiles come from one statement that returns every duration in the scope sorted by value,
//! read as a stream (SQLite steps through it; PostgreSQL sends a row at a time): the ranks are
//! picked as the rows pass, so one sort in the database serves every group and the total, and
//! memory grows with the groups, not with the tickets. (Window functions — `ROW_NUMBER() OVER
//! (PARTITION BY …)` — would keep the picking in SQL, but cost SQLite 1.4 s a pass at a month of
//! 1,000,000 tickets against 0.5 s for the sort, and a second pass for the total.) Both
//! backends run the same statements; only how an instant becomes seconds (`Statement::epoch`)
//! and how a parameter is written differ. The durations' statement reads the scope's tickets
//! once (a `MATERIALIZED` common table expression) for both measures.
//!
//! The indexes used: for a company's tickets raised in a period, `incidents_customer_logged_idx`,
//! which carries every column the report judges, so that a company-year is read from the index
//! alone (PostgreSQL's index-only scan, SQLite's covering index) rather than one table page per
//! ticket; `incidents_service_idx` or `incidents_logged_idx` for one service's or every
//! company's; and for the service-down tickets overlapping a period, the partial
//! `incidents_customer_outage_idx` (a company's) or `incidents_outage_idx` (every company's).

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
    /// Not cancelled, with a first response: those with a time to acknowledge.
    #[diesel(sql_type = BigInt)]
    pub acknowledged: i64,
    /// Not cancelled, resolved with the restore clock stopped: those with a time to restore.
    #[diesel(sql_type = BigInt)]
    pub restored: i64,
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
            acknowledged: self.acknowledged + o.acknowledged,
            restored: self.restored + o.restored,
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
            // unixepoch(): SQLite 3.38 and later (Debian 12 has 3.40).
            let _ = write!(self.text, "unixepoch({column})");
        }
        self
    }

    /// `WHERE` of the tickets raised in the scope.
    fn scope(&mut self, scope: &ReportScope) -> &mut Self {
        self.sql(" WHERE logged_at >= ")
            .bind(Bind::Time(to_db_time(scope.from)))
            .sql(" AND logged_at < ")
            .bind(Bind::Time(to_db_time(scope.to)));
        self.owner(scope)
    }

    /// ` AND` the scope's company and service, when given.
    fn owner(&mut self, scope: &ReportScope) -> &mut Self {
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

    /// Runs the statement and hands each row to `f` as it is read, holding none: SQLite steps
    /// its statement; PostgreSQL is asked for one row at a time (libpq's single-row mode).
    fn for_each<T>(self, conn: &mut DbConnection, mut f: impl FnMut(T)) -> Result<(), StoreError>
    where
        T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
    {
        match conn {
            DbConnection::Postgresql(pg) => {
                let query = bound!(self, diesel::pg::Pg);
                for row in diesel::RunQueryDsl::load_iter::<T, diesel::pg::PgRowByRowLoadingMode>(
                    query, pg,
                )? {
                    f(row?);
                }
            }
            DbConnection::Sqlite(sqlite) => {
                let query = bound!(self, diesel::sqlite::Sqlite);
                for row in diesel::RunQueryDsl::load_iter::<
                    T,
                    diesel::connection::DefaultLoadingMode,
                >(query, sqlite)?
                {
                    f(row?);
                }
            }
        }
        Ok(())
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
             , SUM(CASE WHEN {RESTORED} AND sla_stopped_at <= restore_due_at \
                   THEN 1 ELSE 0 END) AS restore_met\
             , SUM(CASE WHEN status <> {cancelled} AND COALESCE(sla_halted_since, "
        ))
        .bind(Bind::Time(now))
        .sql(&format!(
            ") > restore_due_at THEN 1 ELSE 0 END) AS restore_breached\
             , SUM(CASE WHEN status <> {cancelled} AND responded_at IS NOT NULL \
                   THEN 1 ELSE 0 END) AS acknowledged\
             , SUM(CASE WHEN {RESTORED} THEN 1 ELSE 0 END) AS restored FROM incidents"
        ))
        .scope(scope)
        .sql(" GROUP BY grp");
    let rows: Vec<CountsRow> = q.load(conn)?;
    Ok(rows.into_iter().map(|r| (r.grp, r.counts)).collect())
}

/// The tickets with a time to restore, judged on restore: not cancelled, resolved, the restore
/// clock stopped.
const RESTORED: &str =
    "status <> 'cancelled' AND resolved_at IS NOT NULL AND sla_stopped_at IS NOT NULL";

#[derive(QueryableByName)]
struct DurationRow {
    #[diesel(sql_type = Text)]
    grp: String,
    /// 0: time to acknowledge; 1: time to restore.
    #[diesel(sql_type = BigInt)]
    measure: i64,
    #[diesel(sql_type = BigInt)]
    secs: i64,
}

/// The mean and nearest ranks of `n` values read in ascending order, picked as they pass.
#[derive(Debug, Clone, Copy, Default)]
struct Ranker {
    n: i64,
    seen: i64,
    total: i64,
    p50: Option<i64>,
    p90: Option<i64>,
    last: i64,
}

impl Ranker {
    fn of(n: i64) -> Self {
        Self {
            n,
            ..Self::default()
        }
    }

    fn push(&mut self, secs: i64) {
        self.seen += 1;
        self.total = self.total.saturating_add(secs);
        self.last = secs;
        if self.seen == DurationStats::rank(self.n, 50) {
            self.p50 = Some(secs);
        }
        if self.seen == DurationStats::rank(self.n, 90) {
            self.p90 = Some(secs);
        }
    }

    /// The figures of what was read. Should a ticket have changed between the count and this
    /// read (another statement, so another snapshot on PostgreSQL), a rank not reached is the
    /// largest value read.
    fn stats(&self) -> DurationStats {
        DurationStats::from_ranked(
            self.seen,
            self.total as f64,
            self.p50.unwrap_or(self.last),
            self.p90.unwrap_or(self.last),
        )
    }
}

/// Each group's [`GroupDurations`] and the whole report's, from one read of every duration in
/// the scope sorted by value (so one sort serves the groups and the total; rows are streamed,
/// never held: memory grows with the groups, not the tickets). `counts` are the groups'
/// [`TicketCounts`] (their `acknowledged` and `restored` say where each rank falls).
///
/// The time to restore is read from the stored projection: `restore_due_at` is `logged_at +
/// target + finished pauses`, so the net time is `stopped − restore_due_at + target`, with
/// `restore_targets` the targets of P1…P4 (those the tickets were judged by).
pub fn durations(
    conn: &mut DbConnection,
    scope: &ReportScope,
    grouping: &Grouping,
    restore_targets: [(Priority, Duration); 4],
    counts: &BTreeMap<String, TicketCounts>,
) -> Result<(BTreeMap<String, GroupDurations>, GroupDurations), StoreError> {
    // One read of the scope's tickets (materialised, so both measures come from it rather than
    // from two scans), then each ticket's time to acknowledge and time to restore as rows.
    let cancelled = status_literal(IncidentStatus::Cancelled);
    let mut q = Statement::for_connection(conn);
    q.sql("WITH t AS MATERIALIZED (SELECT ")
        .key(grouping)
        .sql(" AS grp, CASE WHEN responded_at IS NOT NULL THEN ")
        .epoch("responded_at")
        .sql(" - ")
        .epoch("logged_at")
        .sql(" END AS ack, CASE WHEN resolved_at IS NOT NULL AND sla_stopped_at IS NOT NULL THEN ")
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
    q.sql(" ELSE 0 END END AS restore FROM incidents")
        .scope(scope)
        .sql(&format!(
            " AND status <> {cancelled}) \
             SELECT grp, CAST(0 AS BIGINT) AS measure, ack AS secs FROM t WHERE ack IS NOT NULL \
             UNION ALL SELECT grp, CAST(1 AS BIGINT), restore FROM t WHERE restore IS NOT NULL \
             ORDER BY measure, secs"
        ));
    let mut groups: BTreeMap<&str, [Ranker; 2]> = counts
        .iter()
        .map(|(k, c)| {
            (
                k.as_str(),
                [Ranker::of(c.acknowledged), Ranker::of(c.restored)],
            )
        })
        .collect();
    let all = counts
        .values()
        .fold(TicketCounts::default(), |a, b| a.plus(*b));
    let mut totals = [Ranker::of(all.acknowledged), Ranker::of(all.restored)];
    q.for_each(conn, |row: DurationRow| {
        let m = usize::from(row.measure != 0);
        totals[m].push(row.secs);
        if let Some(group) = groups.get_mut(row.grp.as_str()) {
            group[m].push(row.secs);
        }
    })?;
    let figures = |r: &[Ranker; 2]| GroupDurations {
        acknowledge: r[0].stats(),
        restore: r[1].stats(),
    };
    Ok((
        groups
            .iter()
            .map(|(k, r)| ((*k).to_owned(), figures(r)))
            .collect(),
        figures(&totals),
    ))
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
    // Two halves, each a range of a partial index — `incidents_customer_outage_idx` for a
    // company, `incidents_outage_idx` for all (an `OR` of the two would read every ticket
    // logged before the end): resolved after the start, and not resolved. The impact is
    // written as a literal so that the index applies.
    let mut q = Statement::for_connection(conn);
    for (i, resolved) in ["resolved_at > ", "resolved_at IS NULL"].iter().enumerate() {
        if i > 0 {
            q.sql(" UNION ALL ");
        }
        q.sql(&format!(
            "SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents \
             WHERE impact = '{}' AND status <> {} AND {resolved}",
            Impact::ServiceDown.as_str(),
            status_literal(IncidentStatus::Cancelled)
        ));
        if i == 0 {
            q.bind(Bind::Time(to_db_time(scope.from)));
        }
        q.sql(" AND logged_at < ")
            .bind(Bind::Time(to_db_time(scope.to)))
            .owner(scope);
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
