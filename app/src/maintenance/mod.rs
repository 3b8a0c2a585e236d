//! Customer maintenance requests (R-CHG3): a customer asks for a window on one of its services
//! at least 20 working days ahead; change management acknowledges, accepts or rejects; the
//! customer may withdraw an undecided request.

use chrono::{DateTime, Utc};
use domain::maintenance::check_request_window;
use domain::policy::{self, Permission};
use domain::{
    Caller, CustomerNumber, EventType, MaintenanceRequest, RequestStatus, ServiceId, ServiceOwner,
};
use persistence::maintenance::{self, NewRequest};
use persistence::{events, services, Cursor, Page, StoreError};

use crate::{AppError, Conn, Ctx};

pub struct SubmitRequest {
    pub customer_number: CustomerNumber,
    pub service_id: ServiceId,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub description: String,
    pub owner: ServiceOwner,
}

pub fn submit(
    conn: &mut Conn,
    caller: &Caller,
    cmd: SubmitRequest,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<MaintenanceRequest, AppError> {
    policy::require(caller, Permission::RequestMaintenance)?;
    if caller.tenant_scope() != Some(&cmd.customer_number) {
        return Err(AppError::Field {
            field: "customer_number",
            code: "not_yours",
            message: "must be your own customer number".into(),
        });
    }
    check_request_window(&ctx.calendar, cmd.start_at, cmd.end_at, now)?;
    services::get(conn, &cmd.service_id, Some(&cmd.customer_number)).map_err(|e| match e {
        StoreError::NotFound(_) => AppError::invalid("service_id", "not one of your services"),
        other => other.into(),
    })?;
    let request = maintenance::submit(
        conn,
        NewRequest {
            customer_number: &cmd.customer_number,
            service_id: &cmd.service_id,
            start_at: cmd.start_at,
            end_at: cmd.end_at,
            description: cmd.description.trim(),
            owner: &cmd.owner,
            submitted_by: &caller.subject,
        },
        now,
    )?;
    tell(conn, &request, EventType::MaintenanceRequestSubmitted, now)?;
    Ok(request)
}

/// A step on a request: change management's, or the customer's withdrawal.
pub enum RequestStep {
    Acknowledge,
    Accept { reason: Option<String> },
    Reject { reason: Option<String> },
    Withdraw,
}

pub fn step(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    step: RequestStep,
    now: DateTime<Utc>,
) -> Result<MaintenanceRequest, AppError> {
    let permission = match step {
        RequestStep::Withdraw => Permission::RequestMaintenance,
        _ => Permission::ManageChanges,
    };
    policy::require(caller, permission)?;
    let mut request = maintenance::get(conn, id, caller.tenant_scope())?;
    match step {
        RequestStep::Acknowledge => request.acknowledge(now)?,
        RequestStep::Accept { reason } => request.decide(true, reason.as_deref(), now)?,
        RequestStep::Reject { reason } => request.decide(false, reason.as_deref(), now)?,
        RequestStep::Withdraw => request.withdraw(now)?,
    }
    let saved = maintenance::save(conn, &request)?;
    let event = match saved.status {
        RequestStatus::Submitted => EventType::MaintenanceRequestSubmitted,
        RequestStatus::Acknowledged => EventType::MaintenanceRequestAcknowledged,
        RequestStatus::Accepted => EventType::MaintenanceRequestAccepted,
        RequestStatus::Rejected => EventType::MaintenanceRequestRejected,
        RequestStatus::Withdrawn => EventType::MaintenanceRequestWithdrawn,
    };
    tell(conn, &saved, event, now)?;
    Ok(saved)
}

fn tell(
    conn: &mut Conn,
    request: &MaintenanceRequest,
    event: EventType,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    events::append(
        conn,
        event,
        Some(&request.customer_number),
        None,
        &serde_json::json!({
            "maintenance_request": request.id,
            "service_id": request.service_id.as_str(),
            "status": request.status.as_str(),
            "start_at": request.start_at,
            "end_at": request.end_at,
        }),
        now,
    )?;
    Ok(())
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> Result<MaintenanceRequest, AppError> {
    Ok(maintenance::get(conn, id, caller.tenant_scope())?)
}

/// Requests, within the caller's tenancy.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    status: Option<RequestStatus>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<MaintenanceRequest>, AppError> {
    Ok(maintenance::list(
        conn,
        caller.tenant_scope(),
        status,
        after,
        limit,
    )?)
}

#[cfg(test)]
mod tests;
