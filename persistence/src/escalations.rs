//! The escalation matrix and escalation history (R-ESC1–4).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{EscalatingPerson, Escalation, EscalationMatrix, Incident, MatrixLevel, TicketRef};

use crate::error::on_unique_violation;
use crate::schema::{escalation_levels, escalations};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// The current matrix.
pub fn matrix(conn: &mut DbConnection) -> Result<EscalationMatrix, StoreError> {
    let rows: Vec<(i32, String, String)> = escalation_levels::table
        .order(escalation_levels::level.asc())
        .select((
            escalation_levels::level,
            escalation_levels::title,
            escalation_levels::phone,
        ))
        .load(conn)?;
    let levels = rows
        .into_iter()
        .map(|(level, title, phone)| MatrixLevel {
            level,
            title,
            phone,
        })
        .collect();
    EscalationMatrix::new(levels).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Replaces every level of the matrix. Must run in a write transaction.
pub fn replace_matrix(
    conn: &mut DbConnection,
    matrix: &EscalationMatrix,
    now: DateTime<Utc>,
) -> Result<EscalationMatrix, StoreError> {
    for level in matrix.levels() {
        diesel::update(escalation_levels::table.find(level.level))
            .set((
                escalation_levels::title.eq(&level.title),
                escalation_levels::phone.eq(&level.phone),
                escalation_levels::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
    }
    self::matrix(conn)
}

#[derive(Queryable)]
struct EscalationRow {
    id: i64,
    _incident_id: i64,
    level: i32,
    reason: String,
    escalated_by_name: String,
    escalated_by_job_title: String,
    escalated_by_phone: String,
    requested_by: String,
    contact_title: String,
    contact_phone: String,
    created_at: NaiveDateTime,
}

impl EscalationRow {
    fn into_domain(self, ticket: TicketRef) -> Escalation {
        Escalation {
            id: self.id,
            ticket,
            level: self.level,
            reason: self.reason,
            escalated_by: EscalatingPerson {
                name: self.escalated_by_name,
                job_title: self.escalated_by_job_title,
                phone: self.escalated_by_phone,
            },
            requested_by: self.requested_by,
            contact: MatrixLevel {
                level: self.level,
                title: self.contact_title,
                phone: self.contact_phone,
            },
            created_at: from_db_time(self.created_at),
        }
    }
}

/// What is recorded for one escalation.
pub struct NewEscalation<'a> {
    pub level: i32,
    pub reason: &'a str,
    pub person: &'a EscalatingPerson,
    pub requested_by: &'a str,
    pub contact: &'a MatrixLevel,
}

/// Records an escalation of `incident`. A second escalation to the same level (a concurrent
/// request that lost) is a conflict. Must run in the transaction that raised the level.
pub fn record(
    conn: &mut DbConnection,
    incident: &Incident,
    new: NewEscalation<'_>,
    now: DateTime<Utc>,
) -> Result<Escalation, StoreError> {
    let row: EscalationRow = diesel::insert_into(escalations::table)
        .values((
            escalations::incident_id.eq(incident.id),
            escalations::level.eq(new.level),
            escalations::reason.eq(new.reason),
            escalations::escalated_by_name.eq(&new.person.name),
            escalations::escalated_by_job_title.eq(&new.person.job_title),
            escalations::escalated_by_phone.eq(&new.person.phone),
            escalations::requested_by.eq(new.requested_by),
            escalations::contact_title.eq(&new.contact.title),
            escalations::contact_phone.eq(&new.contact.phone),
            escalations::created_at.eq(to_db_time(now)),
        ))
        .returning(escalations::all_columns)
        .get_result(conn)
        .map_err(|e| {
            on_unique_violation(e, "concurrent_escalation", || {
                format!(
                    "ticket {} was escalated to level {} meanwhile",
                    incident.ticket, new.level
                )
            })
        })?;
    Ok(row.into_domain(incident.ticket))
}

/// A ticket's escalations, first to last.
pub fn history(
    conn: &mut DbConnection,
    incident: &Incident,
) -> Result<Vec<Escalation>, StoreError> {
    Ok(escalations::table
        .filter(escalations::incident_id.eq(incident.id))
        .order(escalations::level.asc())
        .load::<EscalationRow>(conn)?
        .into_iter()
        .map(|r| r.into_domain(incident.ticket))
        .collect())
}
