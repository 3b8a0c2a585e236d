//! R-SEC1 tenant-isolation matrix: every operation of the contract whose path takes an id is
//! tried against company A's resources by company B's users (404, or 403 where the role is
//! refused before any lookup) and by every role that may not use it at all (403/404), and no
//! refusal carries any of A's data. Refused writes write nothing: A's resources are compared
//! before and after.
//!
//! The operations come from the generated contract (`api::openapi()`, which `contract.rs` keeps
//! equal to `openapi.yaml`): an operation with a path parameter that has no entry in [`matrix`]
//! fails the test, so a new endpoint cannot slip past tenancy unchecked.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use chrono::{Duration, Utc};
use domain::{Permission, Role};
use serde_json::{json, Value};
use tests::sinks::WebhookReceiver;
use tests::{on_both_backends, FormPart, TestApp};

on_both_backends!(
    every_operation_with_an_id_keeps_tenants_apart,
    refused_roles_get_403_whatever_the_body,
);

const A: &str = "OCN-1001";
const B: &str = "OCN-2002";

/// Who tries an operation: company B's people, company A's own people (for operations their
/// role does not have), and each provider role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    BUser,
    BAdmin,
    AUser,
    AAdmin,
    Agent,
    IncidentManager,
    ChangeManager,
    Admin,
}

impl Who {
    const ALL: [Who; 8] = [
        Who::BUser,
        Who::BAdmin,
        Who::AUser,
        Who::AAdmin,
        Who::Agent,
        Who::IncidentManager,
        Who::ChangeManager,
        Who::Admin,
    ];

    fn role_and_company(self) -> (Role, Option<&'static str>) {
        match self {
            Who::BUser => (Role::CustomerUser, Some(B)),
            Who::BAdmin => (Role::CustomerAdmin, Some(B)),
            Who::AUser => (Role::CustomerUser, Some(A)),
            Who::AAdmin => (Role::CustomerAdmin, Some(A)),
            Who::Agent => (Role::Agent, None),
            Who::IncidentManager => (Role::IncidentManager, None),
            Who::ChangeManager => (Role::ChangeManager, None),
            Who::Admin => (Role::Admin, None),
        }
    }
}

struct Tokens(BTreeMap<Who, String>);

impl Tokens {
    fn new(app: &TestApp) -> Tokens {
        Tokens(
            Who::ALL
                .into_iter()
                .map(|w| {
                    let (role, company) = w.role_and_company();
                    (w, app.token_for(role, company))
                })
                .collect(),
        )
    }

    fn of(&self, who: Who) -> &str {
        &self.0[&who]
    }
}

/// What each refused caller gets.
type Refusals = Vec<(Who, u16)>;

/// Another company's people: the resource does not exist for them.
fn other_company() -> Refusals {
    vec![(Who::BUser, 404), (Who::BAdmin, 404)]
}

/// Who is refused an operation that needs `permission`, read from the policy table: every role
/// without it is refused before any lookup (403); company B's people who have it find none of
/// A's resources (404).
fn gated(permission: Permission) -> Refusals {
    Who::ALL
        .into_iter()
        .filter_map(|who| {
            let (role, company) = who.role_and_company();
            if !permission.granted_to(role) {
                Some((who, 403))
            } else if company == Some(B) {
                Some((who, 404))
            } else {
                None
            }
        })
        .collect()
}

/// One operation of the contract, filled with A's ids.
struct Op {
    method: Method,
    /// The path as the contract spells it.
    template: &'static str,
    /// The same path with A's ids.
    path: String,
    body: Option<Value>,
    refused: Refusals,
    /// Callers who may read this resource whatever their company (not tenant data).
    open_to: Vec<Who>,
}

fn op(method: Method, template: &'static str, path: String, body: Option<Value>) -> Op {
    Op {
        method,
        template,
        path,
        body,
        refused: Vec::new(),
        open_to: Vec::new(),
    }
}

impl Op {
    fn refuse(mut self, refusals: Refusals) -> Op {
        self.refused = refusals;
        self
    }

    fn open_to(mut self, who: &[Who]) -> Op {
        self.open_to = who.to_vec();
        self
    }
}

/// A's resources, one of each kind, created through the API.
struct Fixture {
    customer: &'static str,
    service: &'static str,
    ticket: String,
    ivr: String,
    attachment: i64,
    rfo: i64,
    contact: i64,
    webhook: i64,
    delivery: i64,
    listener: String,
    /// A TMF621 v5 hub listener.
    hub_v5: String,
    hub_mef: String,
    maintenance: String,
    major: String,
    work: String,
    user: i64,
    client: String,
    registration: i64,
    slug: &'static str,
    /// A calendar feed of A's user, and its secret.
    feed: i64,
    feed_secret: String,
    /// Strings that only A's data contains; none may appear in a refusal.
    secrets: Vec<String>,
}

fn matrix(f: &Fixture) -> Vec<Op> {
    use Method as M;
    let t = &f.ticket;
    let escalate = json!({"reason": "Hijack attempt",
        "escalated_by": {"name": "Mallory", "job_title": "Intruder", "phone": "+44 20 7946 0666"}});
    vec![
        // Accounts: users and API clients of A.
        op(
            M::PATCH,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{}", f.user),
            Some(json!({"status": "disabled", "reason": "hijack"})),
        )
        .refuse(gated(Permission::ManageAccounts)),
        op(
            M::DELETE,
            "/api/v1/api-clients/{client_id}",
            format!("/api/v1/api-clients/{}", f.client),
            None,
        )
        .refuse(gated(Permission::ManageAccounts)),
        op(
            M::POST,
            "/api/v1/api-clients/{client_id}/rotate-secret",
            format!("/api/v1/api-clients/{}/rotate-secret", f.client),
            None,
        )
        .refuse(gated(Permission::ManageAccounts)),
        op(
            M::POST,
            "/api/v1/registrations/{id}/approve",
            format!("/api/v1/registrations/{}/approve", f.registration),
            None,
        )
        .refuse(gated(Permission::ManageAccounts)),
        op(
            M::POST,
            "/api/v1/registrations/{id}/reject",
            format!("/api/v1/registrations/{}/reject", f.registration),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::ManageAccounts)),
        // Inventory.
        op(
            M::GET,
            "/api/v1/customers/{customer_number}",
            format!("/api/v1/customers/{}", f.customer),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/api/v1/services/{service_id}",
            format!("/api/v1/services/{}", f.service),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/api/v1/services/{service_id}/status",
            format!("/api/v1/services/{}/status", f.service),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/api/v1/services/{service_id}",
            format!("/api/v1/services/{}", f.service),
            Some(json!({"label": "Hijacked line"})),
        )
        .refuse(gated(Permission::ManageInventory)),
        // Incidents.
        op(
            M::GET,
            "/api/v1/incidents/{ref}",
            format!("/api/v1/incidents/{t}"),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/api/v1/incidents/{ref}",
            format!("/api/v1/incidents/{t}"),
            Some(json!({"priority": "P4"})),
        )
        .refuse(gated(Permission::WorkIncidents)),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/transitions",
            format!("/api/v1/incidents/{t}/transitions"),
            Some(json!({"to": "cancelled", "reason": "hijack"})),
        )
        .refuse(gated(Permission::WorkIncidents)),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/close",
            format!("/api/v1/incidents/{t}/close"),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/reopen",
            format!("/api/v1/incidents/{t}/reopen"),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/updates",
            format!("/api/v1/incidents/{t}/updates"),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/updates",
            format!("/api/v1/incidents/{t}/updates"),
            Some(json!({"text": "hijack", "visibility": "public"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        // Attachments (issue 22). The upload is refused before its body is read.
        op(
            M::POST,
            "/api/v1/incidents/{ref}/attachments",
            format!("/api/v1/incidents/{t}/attachments"),
            None,
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/attachments",
            format!("/api/v1/incidents/{t}/attachments"),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/attachments/{id}",
            format!("/api/v1/incidents/{t}/attachments/{}", f.attachment),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/attachments/{id}/content",
            format!("/api/v1/incidents/{t}/attachments/{}/content", f.attachment),
            None,
        )
        .refuse(other_company()),
        op(
            M::DELETE,
            "/api/v1/incidents/{ref}/attachments/{id}",
            format!("/api/v1/incidents/{t}/attachments/{}", f.attachment),
            None,
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/escalations",
            format!("/api/v1/incidents/{t}/escalations"),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/escalations",
            format!("/api/v1/incidents/{t}/escalations"),
            Some(escalate),
        )
        .refuse(gated(Permission::FollowIncident)),
        // Documents.
        op(
            M::GET,
            "/api/v1/incidents/{ref}/rfo-requests",
            format!("/api/v1/incidents/{t}/rfo-requests"),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/rfo-requests",
            format!("/api/v1/incidents/{t}/rfo-requests"),
            Some(json!({"note": "hijack"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/api/v1/incidents/{ref}/incident-report-requests",
            format!("/api/v1/incidents/{t}/incident-report-requests"),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/incidents/{ref}/incident-report-requests",
            format!("/api/v1/incidents/{t}/incident-report-requests"),
            Some(json!({"note": "hijack"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/api/v1/document-requests/{id}",
            format!("/api/v1/document-requests/{}", f.rfo),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/document-requests/{id}/start",
            format!("/api/v1/document-requests/{}/start", f.rfo),
            Some(json!({})),
        )
        .refuse(gated(Permission::WorkIncidents)),
        op(
            M::POST,
            "/api/v1/document-requests/{id}/deliver",
            format!("/api/v1/document-requests/{}/deliver", f.rfo),
            Some(json!({"document_text": "forged RFO"})),
        )
        .refuse(gated(Permission::WorkIncidents)),
        op(
            M::POST,
            "/api/v1/document-requests/{id}/reject",
            format!("/api/v1/document-requests/{}/reject", f.rfo),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::WorkIncidents)),
        // Major incidents: provider resources; customers never manage them and see only those
        // that concern them (this one is on SVC-A only).
        op(
            M::GET,
            "/api/v1/major-incidents/{ref}",
            format!("/api/v1/major-incidents/{}", f.major),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/api/v1/major-incidents/{ref}",
            format!("/api/v1/major-incidents/{}", f.major),
            Some(json!({"incident_manager_email": "incident_manager@tokens.test"})),
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::GET,
            "/api/v1/major-incidents/{ref}/updates",
            format!("/api/v1/major-incidents/{}/updates", f.major),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/major-incidents/{ref}/updates",
            format!("/api/v1/major-incidents/{}/updates", f.major),
            Some(json!({"text": "hijack"})),
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::POST,
            "/api/v1/major-incidents/{ref}/resolve",
            format!("/api/v1/major-incidents/{}/resolve", f.major),
            Some(json!({"resolution": "hijack"})),
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::GET,
            "/api/v1/major-incidents/{ref}/children",
            format!("/api/v1/major-incidents/{}/children", f.major),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/major-incidents/{ref}/children",
            format!("/api/v1/major-incidents/{}/children", f.major),
            Some(json!({"ticket_number": t})),
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::DELETE,
            "/api/v1/major-incidents/{ref}/children/{child}",
            format!("/api/v1/major-incidents/{}/children/{t}", f.major),
            None,
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::POST,
            "/api/v1/major-incidents/{ref}/affected-services",
            format!("/api/v1/major-incidents/{}/affected-services", f.major),
            Some(json!({"service_ids": ["SVC-B"]})),
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        op(
            M::DELETE,
            "/api/v1/major-incidents/{ref}/affected-services/{service_id}",
            format!(
                "/api/v1/major-incidents/{}/affected-services/SVC-A",
                f.major
            ),
            None,
        )
        .refuse(gated(Permission::ManageMajorIncidents)),
        // Planned works: provider resources, announced to the affected customers only.
        op(
            M::GET,
            "/api/v1/planned-works/{id}",
            format!("/api/v1/planned-works/{}", f.work),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/api/v1/planned-works/{id}",
            format!("/api/v1/planned-works/{}", f.work),
            Some(json!({"title": "hijack"})),
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/planned-works/{id}/schedule",
            format!("/api/v1/planned-works/{}/schedule", f.work),
            None,
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/planned-works/{id}/start",
            format!("/api/v1/planned-works/{}/start", f.work),
            None,
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/planned-works/{id}/complete",
            format!("/api/v1/planned-works/{}/complete", f.work),
            None,
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/planned-works/{id}/cancel",
            format!("/api/v1/planned-works/{}/cancel", f.work),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::ManageChanges)),
        // Maintenance requests: the customer's own; change management decides.
        op(
            M::GET,
            "/api/v1/maintenance-requests/{id}",
            format!("/api/v1/maintenance-requests/{}", f.maintenance),
            None,
        )
        .refuse(other_company()),
        op(
            M::POST,
            "/api/v1/maintenance-requests/{id}/acknowledge",
            format!("/api/v1/maintenance-requests/{}/acknowledge", f.maintenance),
            Some(json!({})),
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/maintenance-requests/{id}/accept",
            format!("/api/v1/maintenance-requests/{}/accept", f.maintenance),
            Some(json!({})),
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/maintenance-requests/{id}/reject",
            format!("/api/v1/maintenance-requests/{}/reject", f.maintenance),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::ManageChanges)),
        op(
            M::POST,
            "/api/v1/maintenance-requests/{id}/withdraw",
            format!("/api/v1/maintenance-requests/{}/withdraw", f.maintenance),
            Some(json!({})),
        )
        .refuse(gated(Permission::RequestMaintenance)),
        // Contacts.
        op(
            M::GET,
            "/api/v1/contacts/{id}",
            format!("/api/v1/contacts/{}", f.contact),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/api/v1/contacts/{id}",
            format!("/api/v1/contacts/{}", f.contact),
            Some(json!({"name": "hijack"})),
        )
        .refuse(gated(Permission::ManageContacts)),
        op(
            M::POST,
            "/api/v1/contacts/{id}/confirmation",
            format!("/api/v1/contacts/{}/confirmation", f.contact),
            Some(json!({})),
        )
        .refuse(gated(Permission::ManageContacts)),
        op(
            M::DELETE,
            "/api/v1/contacts/{id}",
            format!("/api/v1/contacts/{}", f.contact),
            None,
        )
        .refuse(gated(Permission::ManageContacts)),
        // Webhooks and their deliveries.
        op(
            M::DELETE,
            "/api/v1/webhooks/{id}",
            format!("/api/v1/webhooks/{}", f.webhook),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        op(
            M::GET,
            "/api/v1/webhooks/{id}/deliveries",
            format!("/api/v1/webhooks/{}/deliveries", f.webhook),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        op(
            M::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            format!(
                "/api/v1/webhooks/{}/deliveries/{}/redeliver",
                f.webhook, f.delivery
            ),
            Some(json!({})),
        )
        .refuse(gated(Permission::ManageWebhooks)),
        // Help articles are the provider's, for everyone to read; admins write them.
        op(
            M::GET,
            "/api/v1/help/articles/{slug}",
            format!("/api/v1/help/articles/{}", f.slug),
            None,
        )
        .open_to(&[Who::BUser, Who::BAdmin]),
        // Calendar feeds are their owner's: nobody else rotates or revokes one. Its URL is the
        // credential: whoever holds it reads the feed, whatever else they send.
        op(
            M::POST,
            "/api/v1/calendar-feeds/{id}/rotate",
            format!("/api/v1/calendar-feeds/{}/rotate", f.feed),
            None,
        )
        .refuse(other_company()),
        op(
            M::DELETE,
            "/api/v1/calendar-feeds/{id}",
            format!("/api/v1/calendar-feeds/{}", f.feed),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/api/v1/calendars/{secret}/planned-works.ics",
            format!("/api/v1/calendars/{}/planned-works.ics", f.feed_secret),
            None,
        )
        .open_to(&[Who::BUser, Who::BAdmin]),
        op(
            M::PUT,
            "/api/v1/help/articles/{slug}",
            format!("/api/v1/help/articles/{}", f.slug),
            Some(json!({"slug": f.slug, "title": "hijack", "body": "hijack", "tags": []})),
        )
        .refuse(gated(Permission::WriteHelp)),
        // TMF621 facade over the same tickets and subscriptions.
        op(
            M::GET,
            "/tmf-api/troubleTicket/v4/troubleTicket/{id}",
            format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/tmf-api/troubleTicket/v4/troubleTicket/{id}",
            format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
            Some(json!({"note": [{"text": "hijack"}]})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::DELETE,
            "/tmf-api/troubleTicket/v4/hub/{id}",
            format!("/tmf-api/troubleTicket/v4/hub/{}", f.listener),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        // TMF621 v5 over the same tickets and subscriptions.
        op(
            M::GET,
            "/tmf-api/troubleTicket/v5/troubleTicket/{id}",
            format!("/tmf-api/troubleTicket/v5/troubleTicket/{t}"),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/tmf-api/troubleTicket/v5/troubleTicket/{id}",
            format!("/tmf-api/troubleTicket/v5/troubleTicket/{t}"),
            Some(json!({"note": [{"text": "hijack"}]})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/tmf-api/troubleTicket/v5/hub/{id}",
            format!("/tmf-api/troubleTicket/v5/hub/{}", f.hub_v5),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        op(
            M::DELETE,
            "/tmf-api/troubleTicket/v5/hub/{id}",
            format!("/tmf-api/troubleTicket/v5/hub/{}", f.hub_v5),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        // MEF 124 Sonata over the same tickets, major incidents and subscriptions.
        op(
            M::GET,
            "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}",
            format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}"),
            None,
        )
        .refuse(other_company()),
        op(
            M::PATCH,
            "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}",
            format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}"),
            Some(json!({"note": [{"text": "hijack"}]})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::POST,
            "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/cancel",
            format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}/cancel"),
            None,
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::POST,
            "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/close",
            format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}/close"),
            None,
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::POST,
            "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/reopen",
            format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}/reopen"),
            Some(json!({"reason": "hijack"})),
        )
        .refuse(gated(Permission::FollowIncident)),
        op(
            M::GET,
            "/mefApi/sonata/troubleTicket/v4/incident/{id}",
            format!("/mefApi/sonata/troubleTicket/v4/incident/{}", f.major),
            None,
        )
        .refuse(other_company()),
        op(
            M::GET,
            "/mefApi/sonata/troubleTicket/v4/hub/{id}",
            format!("/mefApi/sonata/troubleTicket/v4/hub/{}", f.hub_mef),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
        op(
            M::DELETE,
            "/mefApi/sonata/troubleTicket/v4/hub/{id}",
            format!("/mefApi/sonata/troubleTicket/v4/hub/{}", f.hub_mef),
            None,
        )
        .refuse(gated(Permission::ManageWebhooks)),
    ]
}

/// One request that must be refused (or, for `200`, answered).
struct Attempt {
    method: Method,
    path: String,
    body: Option<Value>,
    who: Who,
    status: u16,
    /// The same request on ids that do not exist: it must get the same answer.
    ghost: Option<(String, Option<Value>)>,
}

impl Attempt {
    fn of(o: &Op, who: Who, status: u16, path: String) -> Attempt {
        Attempt {
            method: o.method.clone(),
            path,
            body: o.body.clone(),
            who,
            status,
            ghost: None,
        }
    }

    fn like(mut self, ghost: &Op, path: String) -> Attempt {
        self.ghost = Some((path, ghost.body.clone()));
        self
    }
}

/// The secrets `text` shows that the caller did not send itself.
fn leaks<'a>(secrets: &'a [String], text: &str, sent: &str) -> Vec<&'a str> {
    secrets
        .iter()
        .map(String::as_str)
        .filter(|s| !sent.contains(s) && text.contains(s))
        .collect()
}

/// Every (method, path) of the contract whose path has a parameter.
fn operations_with_ids() -> BTreeSet<(String, String)> {
    let spec = serde_json::to_value(api::openapi()).expect("contract as JSON");
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.contains('{') {
            continue;
        }
        for method in [
            "get", "put", "post", "patch", "delete", "head", "options", "trace",
        ] {
            // An operation documented with no success answer is refused to everyone (TMF621's
            // deleteTroubleTicket: 405) and reads nothing: no tenant to keep apart.
            let served = item.get(method).is_some_and(|op| {
                op["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|s| s.starts_with('2')))
            });
            if served {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Does `path` fill `template` (same segments, each `{…}` replaced by a non-empty value)?
fn fills(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty() && p != t
            } else {
                t == p
            }
        })
}

fn id_of(reply: tests::Reply, key: &str) -> i64 {
    reply.body[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} in {}", reply.body))
}

fn text(reply: &tests::Reply, key: &str) -> String {
    reply.body[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", reply.body))
        .to_owned()
}

/// Creates one of each of A's resources through the API.
async fn fixture(app: &TestApp, tokens: &Tokens, receiver: &WebhookReceiver) -> Fixture {
    let a_user = tokens.of(Who::AUser);
    let a_admin = tokens.of(Who::AAdmin);
    let agent = tokens.of(Who::Agent);
    let cm = tokens.of(Who::ChangeManager);
    let hook_secret = "acme-webhook-secret-zq7";

    let contact = id_of(
        app.post(
            "/api/v1/contacts",
            a_admin,
            json!({"name": "Zed Acme NOC", "email": "noc.zq7@acme.example", "phone": "+44 20 7946 0171",
                   "notices": {"incident_updates": true, "major_incidents": true, "planned_works": true, "escalations": true}}),
        )
        .await
        .expect(201),
        "id",
    );
    let webhook = id_of(
        app.post(
            "/api/v1/webhooks",
            a_admin,
            json!({"url": receiver.url, "event_types": ["incident.created"], "secret": hook_secret}),
        )
        .await
        .expect(201),
        "id",
    );
    let listener = text(
        &app.post(
            "/tmf-api/troubleTicket/v4/hub",
            a_admin,
            json!({"callback": receiver.url}),
        )
        .await
        .expect(201),
        "id",
    );
    let hub_mef = text(
        &app.post(
            "/mefApi/sonata/troubleTicket/v4/hub",
            a_admin,
            json!({"callback": receiver.url}),
        )
        .await
        .expect(201),
        "id",
    );
    let hub_v5 = text(
        &app.post(
            "/tmf-api/troubleTicket/v5/hub",
            a_admin,
            json!({"@type": "Hub", "callback": receiver.url}),
        )
        .await
        .expect(201),
        "id",
    );

    let raised = app
        .post(
            "/api/v1/incidents",
            a_user,
            json!({"service_id": "SVC-A", "summary": "Acme core switch unreachable zq7",
                   "description": "Rack 12 in the Acme basement has no power zq7", "impact": "service_down",
                   "reporter": {"name": "Rita Acme", "email": "reporter.zq7@acme.example", "phone": "+44 20 7946 0172"}}),
        )
        .await
        .expect(201);
    let ticket = text(&raised, "ticket_number");
    let ivr = text(&raised, "ivr_reference");
    let attachment = id_of(
        app.upload(
            &format!("/api/v1/incidents/{ticket}/attachments"),
            a_user,
            &[
                FormPart::file("acme-zq7-trace.txt", None, b"traceroute zq7 acme.example"),
                FormPart::text("description", "Acme zq7 evidence"),
            ],
            &[],
        )
        .await
        .expect(201),
        "id",
    );
    app.dispatch(Utc::now()).await;
    let deliveries = app
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"), a_admin)
        .await
        .expect(200);
    let delivery = deliveries.body["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a delivery of incident.created: {}", deliveries.body));

    app.post(
        &format!("/api/v1/incidents/{ticket}/updates"),
        a_user,
        json!({"text": "Customer note zq7: the rack room is locked", "visibility": "public"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/incidents/{ticket}/updates"),
        agent,
        json!({"text": "Internal desk note zq7", "visibility": "internal"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/incidents/{ticket}/escalations"),
        a_user,
        json!({"reason": "No progress at Acme zq7",
               "escalated_by": {"name": "Jane Acme", "job_title": "IT Director zq7", "phone": "+44 20 7946 0173"}}),
    )
    .await
    .expect(201);
    let rfo = id_of(
        app.post(
            &format!("/api/v1/incidents/{ticket}/rfo-requests"),
            a_user,
            json!({"note": "RFO for the Acme board zq7"}),
        )
        .await
        .expect(201),
        "id",
    );
    app.post(
        &format!("/api/v1/incidents/{ticket}/incident-report-requests"),
        a_user,
        json!({"note": "IR for the Acme audit zq7"}),
    )
    .await
    .expect(201);

    let start = Utc::now() + Duration::days(60);
    let maintenance = text(
        &app.post(
            "/api/v1/maintenance-requests",
            a_user,
            json!({"customer_number": A, "service_id": "SVC-A",
                   "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(2)).to_rfc3339(),
                   "description": "Acme firewall swap zq7",
                   "service_owner": {"name": "Owen Acme", "email": "owner.zq7@acme.example", "phone": "+44 20 7946 0174"}}),
        )
        .await
        .expect(201),
        "id",
    );

    let user = id_of(
        app.post(
            "/api/v1/users",
            a_admin,
            json!({"email": "fred.zq7@acme.example", "name": "Fred Acme", "password": "correct horse battery 9",
                   "role": "customer_user"}),
        )
        .await
        .expect(201),
        "id",
    );
    let client = text(
        &app.post(
            "/api/v1/api-clients",
            a_admin,
            json!({"name": "Acme ServiceNow zq7", "role": "customer_user"}),
        )
        .await
        .expect(201),
        "client_id",
    );
    app.send(
        Method::POST,
        "/api/v1/registrations",
        None,
        Some(
            json!({"customer_number": A, "name": "Dana Acme", "email": "dana.zq7@acme.example",
                    "password": "correct horse battery 9"}),
        ),
        &[],
    )
    .await
    .expect(202);
    let pending = app.get("/api/v1/registrations", a_admin).await.expect(200);
    let registration = pending.body["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a pending registration: {}", pending.body));

    // The NOC's major incident on A's service; A's open ticket is linked to it at once.
    let major = text(
        &app.post(
            "/api/v1/major-incidents",
            agent,
            json!({"summary": "Acme metro ring down zq7", "description": "Duct damage near Acme zq7",
                   "severity": "critical", "affected_service_ids": ["SVC-A"]}),
        )
        .await
        .expect(201),
        "ticket_number",
    );
    let own = app
        .get(&format!("/api/v1/incidents/{ticket}"), a_user)
        .await
        .expect(200);
    assert_eq!(own.body["parent_ticket_number"], json!(major), "linked");

    // A scheduled (announced) planned work on A's service only.
    let start = Utc::now() + Duration::days(30);
    let work = text(
        &app.post(
            "/api/v1/planned-works",
            cm,
            json!({"title": "Acme PE router swap zq7", "description": "Swap at the Acme PoP zq7",
                   "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(2)).to_rfc3339(),
                   "expected_impact": "Outage up to 20 minutes", "outage_minutes": 20,
                   "affected_service_ids": ["SVC-A"], "emergency": false}),
        )
        .await
        .expect(201),
        "id",
    );
    app.post(
        &format!("/api/v1/planned-works/{work}/schedule"),
        cm,
        json!({}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/planned-works/{work}"), a_user)
        .await
        .expect(200);

    let feed_answer = app
        .post(
            "/api/v1/calendar-feeds",
            a_user,
            json!({"label": "Acme zq7 calendar"}),
        )
        .await
        .expect(201);
    let feed = feed_answer.body["feed"]["id"].as_i64().unwrap();
    let feed_secret = feed_answer.body["url"]
        .as_str()
        .unwrap()
        .split('/')
        .rev()
        .nth(1)
        .unwrap()
        .to_owned();

    let secrets = [
        "zq7",
        "Acme",
        "acme.example",
        "SVC-A",
        "CIR/SVC-A",
        "ORD-SVC-A",
        A,
        "Customer OCN-1001",
        hook_secret,
        &receiver.url,
        &ticket,
        &ivr,
        &maintenance,
        &major,
        &work,
        &client,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    Fixture {
        customer: A,
        service: "SVC-A",
        ticket,
        ivr,
        attachment,
        rfo,
        contact,
        webhook,
        delivery,
        listener,
        hub_v5,
        hub_mef,
        maintenance,
        major,
        work,
        user,
        client,
        registration,
        slug: "request-planned-works",
        feed,
        feed_secret,
        secrets,
    }
}

/// Ids of nothing at all, of the same shapes as A's: a refusal of A's resource must read exactly
/// like a refusal of one that does not exist.
fn ghost() -> Fixture {
    Fixture {
        customer: "OCN-9999",
        service: "SVC-NONE",
        ticket: "1-0000099999".into(),
        ivr: "10000099999".into(),
        attachment: 999_999,
        rfo: 999_999,
        contact: 999_999,
        webhook: 999_999,
        delivery: 999_999,
        listener: "999999".into(),
        hub_v5: "999998".into(),
        hub_mef: "999997".into(),
        maintenance: "MR-999999".into(),
        major: "1-0000099998".into(),
        work: "PW-999999".into(),
        user: 999_999,
        client: "sa_nosuchclient".into(),
        registration: 999_999,
        slug: "no-such-article",
        feed: 999_999,
        feed_secret: "0".repeat(64),
        secrets: Vec::new(),
    }
}

/// Drops what changes with the clock alone (SLA time left), so snapshots compare state.
fn without_clock(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            map.remove("restore_remaining_seconds");
            map.remove("duration_seconds");
            for value in map.values_mut() {
                *value = without_clock(value.take());
            }
        }
        Value::Array(items) => {
            for value in items.iter_mut() {
                *value = without_clock(value.take());
            }
        }
        _ => {}
    }
    v
}

/// Everything of A's, as the platform admin sees it.
async fn snapshot(app: &TestApp, tokens: &Tokens, f: &Fixture) -> BTreeMap<String, Value> {
    let t = &f.ticket;
    let reads = [
        format!("/api/v1/incidents/{t}"),
        format!("/api/v1/incidents/{t}/updates?limit=100"),
        format!("/api/v1/incidents/{t}/attachments?limit=100"),
        format!("/api/v1/incidents/{t}/attachments/{}", f.attachment),
        format!("/api/v1/incidents/{t}/escalations"),
        format!("/api/v1/incidents/{t}/rfo-requests"),
        format!("/api/v1/incidents/{t}/incident-report-requests"),
        format!("/api/v1/document-requests/{}", f.rfo),
        format!("/api/v1/contacts/{}", f.contact),
        "/api/v1/contacts?limit=100".to_owned(),
        "/api/v1/webhooks?limit=100".to_owned(),
        format!("/api/v1/webhooks/{}/deliveries?limit=100", f.webhook),
        format!("/api/v1/maintenance-requests/{}", f.maintenance),
        format!("/api/v1/major-incidents/{}", f.major),
        format!("/api/v1/major-incidents/{}/updates", f.major),
        format!("/api/v1/major-incidents/{}/children", f.major),
        format!("/api/v1/planned-works/{}", f.work),
        "/api/v1/users?limit=100".to_owned(),
        "/api/v1/api-clients".to_owned(),
        "/api/v1/registrations".to_owned(),
        "/api/v1/services/SVC-A".to_owned(),
        format!("/api/v1/customers/{A}"),
        format!("/api/v1/help/articles/{}", f.slug),
        format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
    ];
    let mut out = BTreeMap::new();
    for path in reads {
        let reply = app.get(&path, tokens.of(Who::Admin)).await;
        assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.body);
        out.insert(path, without_clock(reply.body));
    }
    out
}

async fn every_operation_with_an_id_keeps_tenants_apart(app: TestApp) {
    app.two_tenants().await;
    let tokens = Tokens::new(&app);
    let receiver = WebhookReceiver::start();
    let f = fixture(&app, &tokens, &receiver).await;
    let ops = matrix(&f);

    // The matrix covers the contract exactly: nothing missing, nothing stale, nothing twice.
    let in_contract = operations_with_ids();
    let mut in_matrix = BTreeSet::new();
    for o in &ops {
        let key = (o.method.to_string(), o.template.to_owned());
        assert!(
            in_matrix.insert(key.clone()),
            "{key:?} is in the matrix twice"
        );
        assert!(
            fills(o.template, &o.path),
            "{} does not fill {}",
            o.path,
            o.template
        );
        assert!(
            !o.refused.is_empty() || !o.open_to.is_empty(),
            "{key:?} tries nobody"
        );
    }
    let missing: Vec<_> = in_contract.difference(&in_matrix).collect();
    assert!(
        missing.is_empty(),
        "operations with a path id that the isolation matrix does not try; add them to \
         `matrix()` in tests/tests/http/isolation.rs: {missing:?}"
    );
    let stale: Vec<_> = in_matrix.difference(&in_contract).collect();
    assert!(stale.is_empty(), "not in the contract: {stale:?}");
    assert_eq!(in_contract.len(), 79, "operations with ids in the contract");

    // B's own webhook, to pair with A's delivery and listener ids.
    let b_receiver = WebhookReceiver::start();
    let b_hook = app
        .post(
            "/api/v1/webhooks",
            tokens.of(Who::BAdmin),
            json!({"url": b_receiver.url, "event_types": ["incident.created"]}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();

    let ghosts = matrix(&ghost());
    let mut attempts = Vec::new();
    for (o, g) in ops.iter().zip(&ghosts) {
        assert_eq!(o.template, g.template);
        for (who, status) in o.refused.iter().copied() {
            attempts.push(Attempt::of(o, who, status, o.path.clone()).like(g, g.path.clone()));
            // Every endpoint taking a ticket reference takes its IVR form too.
            if matches!(who, Who::BUser) && o.path.contains(&f.ticket) {
                let ivr = o.path.replace(&f.ticket, &f.ivr);
                let ghost_ivr = g.path.replace("1-0000099999", "10000099999");
                attempts.push(Attempt::of(o, who, status, ivr).like(g, ghost_ivr));
            }
        }
        for who in &o.open_to {
            attempts.push(Attempt::of(o, *who, 200, o.path.clone()));
        }
    }
    // Provider-level resources belong to no company: customer admins find none of them.
    let admin = tokens.of(Who::Admin);
    let everyone = app.get("/api/v1/users?limit=100", admin).await.expect(200);
    let agent_id = everyone.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "agent@tokens.test")
        .and_then(|u| u["id"].as_i64())
        .expect("the agent's account");
    let staff_client = app
        .post(
            "/api/v1/api-clients",
            admin,
            json!({"name": "NOC automation", "role": "agent"}),
        )
        .await
        .expect(201)
        .body["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let all_companies_receiver = WebhookReceiver::start();
    let all_companies_hook = app
        .post(
            "/api/v1/webhooks",
            admin,
            json!({"url": all_companies_receiver.url, "event_types": ["incident.created"]}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    // A planned work on A's service that is only proposed: not announced to anyone yet.
    let start = Utc::now() + Duration::days(40);
    let proposed = app
        .post(
            "/api/v1/planned-works",
            tokens.of(Who::ChangeManager),
            json!({"title": "Unannounced Acme works zq7", "description": "Draft",
                   "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(1)).to_rfc3339(),
                   "expected_impact": "None", "affected_service_ids": ["SVC-A"], "emergency": false}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let disable = Some(json!({"status": "disabled"}));
    let extra = [
        // Ids of two companies in one path, and one kind of subscription's id for the other.
        (
            Who::BAdmin,
            Method::POST,
            format!(
                "/api/v1/webhooks/{b_hook}/deliveries/{}/redeliver",
                f.delivery
            ),
            Some(json!({})),
        ),
        (
            Who::BAdmin,
            Method::GET,
            format!("/api/v1/webhooks/{}/deliveries", f.listener),
            None,
        ),
        (
            Who::BAdmin,
            Method::DELETE,
            format!("/api/v1/webhooks/{}", f.listener),
            None,
        ),
        (
            Who::BAdmin,
            Method::DELETE,
            format!("/tmf-api/troubleTicket/v4/hub/{}", f.webhook),
            None,
        ),
        // Provider staff's accounts and the platform's own subscriptions.
        (
            Who::AAdmin,
            Method::PATCH,
            format!("/api/v1/users/{agent_id}"),
            disable.clone(),
        ),
        (
            Who::BAdmin,
            Method::PATCH,
            format!("/api/v1/users/{agent_id}"),
            disable,
        ),
        (
            Who::AAdmin,
            Method::POST,
            format!("/api/v1/registrations/{agent_id}/approve"),
            None,
        ),
        (
            Who::AAdmin,
            Method::DELETE,
            format!("/api/v1/api-clients/{staff_client}"),
            None,
        ),
        (
            Who::AAdmin,
            Method::POST,
            format!("/api/v1/api-clients/{staff_client}/rotate-secret"),
            None,
        ),
        (
            Who::AAdmin,
            Method::GET,
            format!("/api/v1/webhooks/{all_companies_hook}/deliveries"),
            None,
        ),
        (
            Who::AAdmin,
            Method::DELETE,
            format!("/api/v1/webhooks/{all_companies_hook}"),
            None,
        ),
        (
            Who::AAdmin,
            Method::DELETE,
            format!("/tmf-api/troubleTicket/v4/hub/{all_companies_hook}"),
            None,
        ),
        // Customers see announced works only, even on their own services.
        (
            Who::AUser,
            Method::GET,
            format!("/api/v1/planned-works/{proposed}"),
            None,
        ),
        (
            Who::BUser,
            Method::GET,
            format!("/api/v1/planned-works/{proposed}"),
            None,
        ),
    ];
    for (who, method, path, body) in extra {
        attempts.push(Attempt {
            method,
            path,
            body,
            who,
            status: 404,
            ghost: None,
        });
    }

    let before = snapshot(&app, &tokens, &f).await;
    let mut failures = Vec::new();
    let mut ghost_requests = 0;
    for a in &attempts {
        let reply = app
            .send(
                a.method.clone(),
                &a.path,
                Some(tokens.of(a.who)),
                a.body.clone(),
                &[],
            )
            .await;
        let label = format!("{} {} as {:?}", a.method, a.path, a.who);
        if reply.status.as_u16() != a.status {
            failures.push(format!(
                "{label}: {} instead of {}; body {}",
                reply.status, a.status, reply.body
            ));
            continue;
        }
        if a.status == 200 {
            continue;
        }
        let code = if a.status == 404 {
            "not_found"
        } else {
            "forbidden"
        };
        // The facades answer in their standard's error shape, with the same code.
        let content_type = if a.path.starts_with("/tmf-api/") || a.path.starts_with("/mefApi/") {
            "application/json"
        } else {
            "application/problem+json"
        };
        if reply.header("content-type") != Some(content_type)
            || stable_code(&a.path, &reply.body) != json!(code)
        {
            failures.push(format!("{label}: not a `{code}` problem: {}", reply.body));
        }
        // Nothing of A's beyond what the caller sent.
        let sent = format!(
            "{} {}",
            a.path,
            a.body.as_ref().map(Value::to_string).unwrap_or_default()
        );
        let shown = leaks(&f.secrets, &reply.body.to_string(), &sent);
        if !shown.is_empty() {
            failures.push(format!(
                "{label}: the refusal shows {shown:?}: {}",
                reply.body
            ));
        }
        for (name, value) in reply.headers.iter() {
            let value = value.to_str().unwrap_or_default();
            if name != "content-type" && !leaks(&f.secrets, value, &sent).is_empty() {
                failures.push(format!("{label}: header {name}: {value}"));
            }
        }
        if let Some((path, body)) = &a.ghost {
            let nothing = app
                .send(
                    a.method.clone(),
                    path,
                    Some(tokens.of(a.who)),
                    body.clone(),
                    &[],
                )
                .await;
            ghost_requests += 1;
            if (nothing.status, &nothing.body) != (reply.status, &reply.body) {
                failures.push(format!(
                    "{label}: {} {} differs from the answer for no such resource, {} {}",
                    reply.status, reply.body, nothing.status, nothing.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} attempts went wrong:\n{}",
        failures.len(),
        attempts.len(),
        failures.join("\n")
    );

    // Refused writes wrote nothing.
    let after = snapshot(&app, &tokens, &f).await;
    for (path, was) in &before {
        assert_eq!(&after[path], was, "{path} changed under refused requests");
    }
    // And the owners still work with them.
    app.get(
        &format!("/api/v1/incidents/{}", f.ticket),
        tokens.of(Who::AUser),
    )
    .await
    .expect(200);
    app.get(
        &format!("/api/v1/contacts/{}", f.contact),
        tokens.of(Who::AUser),
    )
    .await
    .expect(200);
    eprintln!(
        "isolation matrix: {} operations with ids, {} attempts, {ghost_requests} on ids of nothing",
        ops.len(),
        attempts.len()
    );

    shared_provider_resources_show_only_bs_part(&app, &tokens, &f).await;
}

/// A major incident and a planned work on services of both companies: B sees them, but only
/// its own services and tickets; B's lists and calendar show nothing of A's.
async fn shared_provider_resources_show_only_bs_part(app: &TestApp, tokens: &Tokens, f: &Fixture) {
    let admin = tokens.of(Who::Admin);
    let b = tokens.of(Who::BUser);
    app.create_service(admin, "SVC-A2", A).await;
    let a_child = app
        .post(
            "/api/v1/incidents",
            tokens.of(Who::AUser),
            json!({"service_id": "SVC-A2", "summary": "Second Acme line flapping zq7",
                   "description": "zq7", "impact": "intermittent",
                   "reporter": {"name": "Rita Acme", "email": "reporter.zq7@acme.example", "phone": "+44 20 7946 0172"}}),
        )
        .await
        .expect(201);
    let b_child = app
        .post(
            "/api/v1/incidents",
            b,
            json!({"service_id": "SVC-B", "summary": "Globex line down", "description": "Since 09:00",
                   "impact": "degraded",
                   "reporter": {"name": "Carol Globex", "email": "carol@globex.example", "phone": "+44 20 7946 0200"}}),
        )
        .await
        .expect(201)
        .body;
    let major = app
        .post(
            "/api/v1/major-incidents",
            tokens.of(Who::Agent),
            json!({"summary": "Backbone fibre cut", "description": "Third-party works",
                   "severity": "major", "affected_service_ids": ["SVC-A2", "SVC-B"]}),
        )
        .await
        .expect(201);
    let major = major.body["ticket_number"].as_str().unwrap().to_owned();
    let start = Utc::now() + Duration::days(20);
    let cm = tokens.of(Who::ChangeManager);
    let work = app
        .post(
            "/api/v1/planned-works",
            cm,
            json!({"title": "Backbone software upgrade", "description": "All PoPs",
                   "start_at": start.to_rfc3339(), "end_at": (start + Duration::hours(1)).to_rfc3339(),
                   "expected_impact": "Brief loss of service", "affected_service_ids": ["SVC-A2", "SVC-B"],
                   "emergency": false}),
        )
        .await
        .expect(201);
    let work = work.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/planned-works/{work}/schedule"),
        cm,
        json!({}),
    )
    .await
    .expect(200);
    // Staff see both companies' parts; A sees its own.
    let full = app
        .get(&format!("/api/v1/major-incidents/{major}/children"), admin)
        .await
        .expect(200);
    assert_eq!(full.body["items"].as_array().unwrap().len(), 2);
    let a_view = app
        .get(
            &format!("/api/v1/major-incidents/{major}"),
            tokens.of(Who::AUser),
        )
        .await
        .expect(200);
    assert_eq!(a_view.body["affected_service_ids"], json!(["SVC-A2"]));

    let mut secrets = f.secrets.clone();
    secrets.push(a_child.body["ticket_number"].as_str().unwrap().to_owned());
    for who in [Who::BUser, Who::BAdmin] {
        let token = tokens.of(who);
        let shared = app
            .get(&format!("/api/v1/major-incidents/{major}"), token)
            .await
            .expect(200);
        assert_eq!(shared.body["affected_service_ids"], json!(["SVC-B"]));
        let children = app
            .get(&format!("/api/v1/major-incidents/{major}/children"), token)
            .await
            .expect(200);
        let numbers: Vec<&Value> = children.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["ticket_number"])
            .collect();
        assert_eq!(numbers, [&b_child["ticket_number"]], "{who:?}");
        let shared_work = app
            .get(&format!("/api/v1/planned-works/{work}"), token)
            .await
            .expect(200);
        assert_eq!(shared_work.body["affected_service_ids"], json!(["SVC-B"]));

        let mut reads = vec![
            format!("/api/v1/major-incidents/{major}"),
            format!("/api/v1/major-incidents/{major}/children"),
            format!("/api/v1/major-incidents/{major}/updates"),
            format!("/api/v1/planned-works/{work}"),
            "/api/v1/major-incidents?status=active".to_owned(),
            "/api/v1/major-incidents?status=resolved".to_owned(),
            "/api/v1/planned-works?limit=100".to_owned(),
            "/api/v1/planned-works.ics".to_owned(),
            "/api/v1/incidents?limit=100".to_owned(),
            format!("/api/v1/incidents?customer_number={A}"),
            "/api/v1/services?limit=100".to_owned(),
            "/api/v1/customers".to_owned(),
            "/api/v1/document-requests?limit=100".to_owned(),
            "/api/v1/maintenance-requests?limit=100".to_owned(),
            "/api/v1/contacts?limit=100".to_owned(),
            "/tmf-api/troubleTicket/v4/troubleTicket?limit=100".to_owned(),
            "/tmf-api/troubleTicket/v5/troubleTicket?limit=100".to_owned(),
            "/mefApi/sonata/troubleTicket/v4/troubleTicket?limit=100".to_owned(),
            "/mefApi/sonata/troubleTicket/v4/incident?limit=100".to_owned(),
            "/api/v1/me".to_owned(),
        ];
        if who == Who::BAdmin {
            reads.extend([
                "/api/v1/users?limit=100".to_owned(),
                "/api/v1/registrations".to_owned(),
                "/api/v1/registrations?status=rejected".to_owned(),
                "/api/v1/api-clients".to_owned(),
                "/api/v1/webhooks?limit=100".to_owned(),
            ]);
        }
        for path in reads {
            let reply = app.get(&path, token).await;
            assert_eq!(
                reply.status.as_u16(),
                200,
                "{path} as {who:?}: {}",
                reply.body
            );
            let body = reply.body.to_string();
            let shown = leaks(&secrets, &body, &path);
            assert!(
                shown.is_empty(),
                "{path} as {who:?} ({}) shows {shown:?}: {body}",
                reply.status
            );
        }
    }
}

/// Every operation of the contract that needs a permission, with it. Operations not listed
/// here must be in [`OPEN`]: the test fails on an operation in neither.
const GATED: &[(&str, &str, Permission)] = &[
    ("POST", "/api/v1/customers", Permission::ManageInventory),
    ("POST", "/api/v1/services", Permission::ManageInventory),
    (
        "PATCH",
        "/api/v1/services/{service_id}",
        Permission::ManageInventory,
    ),
    ("GET", "/api/v1/users", Permission::ManageAccounts),
    ("POST", "/api/v1/users", Permission::ManageAccounts),
    ("PATCH", "/api/v1/users/{id}", Permission::ManageAccounts),
    ("GET", "/api/v1/api-clients", Permission::ManageAccounts),
    ("POST", "/api/v1/api-clients", Permission::ManageAccounts),
    (
        "DELETE",
        "/api/v1/api-clients/{client_id}",
        Permission::ManageAccounts,
    ),
    (
        "POST",
        "/api/v1/api-clients/{client_id}/rotate-secret",
        Permission::ManageAccounts,
    ),
    ("GET", "/api/v1/registrations", Permission::ManageAccounts),
    (
        "POST",
        "/api/v1/registrations/{id}/approve",
        Permission::ManageAccounts,
    ),
    (
        "POST",
        "/api/v1/registrations/{id}/reject",
        Permission::ManageAccounts,
    ),
    ("POST", "/api/v1/help/articles", Permission::WriteHelp),
    ("PUT", "/api/v1/help/articles/{slug}", Permission::WriteHelp),
    (
        "PUT",
        "/api/v1/escalation-matrix",
        Permission::EditEscalationMatrix,
    ),
    ("POST", "/api/v1/incidents", Permission::RaiseIncident),
    (
        "PATCH",
        "/api/v1/incidents/{ref}",
        Permission::WorkIncidents,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/transitions",
        Permission::WorkIncidents,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/close",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/reopen",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/updates",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/attachments",
        Permission::FollowIncident,
    ),
    (
        "DELETE",
        "/api/v1/incidents/{ref}/attachments/{id}",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/escalations",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/rfo-requests",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/incidents/{ref}/incident-report-requests",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/api/v1/document-requests/{id}/start",
        Permission::WorkIncidents,
    ),
    (
        "POST",
        "/api/v1/document-requests/{id}/deliver",
        Permission::WorkIncidents,
    ),
    (
        "POST",
        "/api/v1/document-requests/{id}/reject",
        Permission::WorkIncidents,
    ),
    (
        "POST",
        "/api/v1/major-incidents",
        Permission::ManageMajorIncidents,
    ),
    (
        "PATCH",
        "/api/v1/major-incidents/{ref}",
        Permission::ManageMajorIncidents,
    ),
    (
        "POST",
        "/api/v1/major-incidents/{ref}/updates",
        Permission::ManageMajorIncidents,
    ),
    (
        "POST",
        "/api/v1/major-incidents/{ref}/resolve",
        Permission::ManageMajorIncidents,
    ),
    (
        "POST",
        "/api/v1/major-incidents/{ref}/children",
        Permission::ManageMajorIncidents,
    ),
    (
        "DELETE",
        "/api/v1/major-incidents/{ref}/children/{child}",
        Permission::ManageMajorIncidents,
    ),
    (
        "POST",
        "/api/v1/major-incidents/{ref}/affected-services",
        Permission::ManageMajorIncidents,
    ),
    (
        "DELETE",
        "/api/v1/major-incidents/{ref}/affected-services/{service_id}",
        Permission::ManageMajorIncidents,
    ),
    ("POST", "/api/v1/planned-works", Permission::ManageChanges),
    (
        "PATCH",
        "/api/v1/planned-works/{id}",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/planned-works/{id}/schedule",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/planned-works/{id}/start",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/planned-works/{id}/complete",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/planned-works/{id}/cancel",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/maintenance-requests",
        Permission::RequestMaintenance,
    ),
    (
        "POST",
        "/api/v1/maintenance-requests/{id}/acknowledge",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/maintenance-requests/{id}/accept",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/maintenance-requests/{id}/reject",
        Permission::ManageChanges,
    ),
    (
        "POST",
        "/api/v1/maintenance-requests/{id}/withdraw",
        Permission::RequestMaintenance,
    ),
    ("POST", "/api/v1/contacts", Permission::ManageContacts),
    ("PATCH", "/api/v1/contacts/{id}", Permission::ManageContacts),
    (
        "POST",
        "/api/v1/contacts/{id}/confirmation",
        Permission::ManageContacts,
    ),
    (
        "DELETE",
        "/api/v1/contacts/{id}",
        Permission::ManageContacts,
    ),
    ("GET", "/api/v1/webhooks", Permission::ManageWebhooks),
    ("POST", "/api/v1/webhooks", Permission::ManageWebhooks),
    (
        "DELETE",
        "/api/v1/webhooks/{id}",
        Permission::ManageWebhooks,
    ),
    (
        "GET",
        "/api/v1/webhooks/{id}/deliveries",
        Permission::ManageWebhooks,
    ),
    (
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        Permission::ManageWebhooks,
    ),
    (
        "POST",
        "/tmf-api/troubleTicket/v4/troubleTicket",
        Permission::RaiseIncident,
    ),
    (
        "PATCH",
        "/tmf-api/troubleTicket/v4/troubleTicket/{id}",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/tmf-api/troubleTicket/v4/hub",
        Permission::ManageWebhooks,
    ),
    (
        "DELETE",
        "/tmf-api/troubleTicket/v4/hub/{id}",
        Permission::ManageWebhooks,
    ),
    (
        "POST",
        "/tmf-api/troubleTicket/v5/troubleTicket",
        Permission::RaiseIncident,
    ),
    (
        "PATCH",
        "/tmf-api/troubleTicket/v5/troubleTicket/{id}",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/tmf-api/troubleTicket/v5/hub",
        Permission::ManageWebhooks,
    ),
    (
        "GET",
        "/tmf-api/troubleTicket/v5/hub/{id}",
        Permission::ManageWebhooks,
    ),
    (
        "DELETE",
        "/tmf-api/troubleTicket/v5/hub/{id}",
        Permission::ManageWebhooks,
    ),
    (
        "POST",
        "/mefApi/sonata/troubleTicket/v4/troubleTicket",
        Permission::RaiseIncident,
    ),
    (
        "PATCH",
        "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/cancel",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/close",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}/reopen",
        Permission::FollowIncident,
    ),
    (
        "POST",
        "/mefApi/sonata/troubleTicket/v4/hub",
        Permission::ManageWebhooks,
    ),
    (
        "GET",
        "/mefApi/sonata/troubleTicket/v4/hub/{id}",
        Permission::ManageWebhooks,
    ),
    (
        "DELETE",
        "/mefApi/sonata/troubleTicket/v4/hub/{id}",
        Permission::ManageWebhooks,
    ),
];

/// Operations open to every authenticated caller (reads, scoped by tenancy) or public.
const OPEN: &[(&str, &str)] = &[
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/me"),
    // Recovery: anyone may ask (the answer is the same for every address); the signed-in user
    // changes their own password.
    ("POST", "/api/v1/password-resets"),
    ("POST", "/api/v1/password-resets/confirmations"),
    ("POST", "/api/v1/me/password"),
    // Calendar feeds: each caller's own (another's is not found), and the feed URL itself,
    // whose secret is the credential.
    ("POST", "/api/v1/calendar-feeds"),
    ("GET", "/api/v1/calendar-feeds"),
    ("POST", "/api/v1/calendar-feeds/{id}/rotate"),
    ("DELETE", "/api/v1/calendar-feeds/{id}"),
    ("GET", "/api/v1/calendars/{secret}/planned-works.ics"),
    ("POST", "/api/v1/registrations"),
    ("POST", "/api/v1/contact-confirmations"),
    ("POST", "/api/v1/registrations/verifications"),
    ("GET", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{customer_number}"),
    ("GET", "/api/v1/services"),
    ("GET", "/api/v1/services/{service_id}"),
    ("GET", "/api/v1/services/{service_id}/status"),
    ("GET", "/api/v1/help/articles"),
    ("GET", "/api/v1/help/articles/{slug}"),
    ("GET", "/api/v1/escalation-matrix"),
    ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/export"),
    ("GET", "/api/v1/reports/sla"),
    ("GET", "/api/v1/incidents/{ref}"),
    ("GET", "/api/v1/incidents/{ref}/updates"),
    ("GET", "/api/v1/incidents/{ref}/attachments"),
    ("GET", "/api/v1/incidents/{ref}/attachments/{id}"),
    ("GET", "/api/v1/incidents/{ref}/attachments/{id}/content"),
    ("GET", "/api/v1/incidents/{ref}/escalations"),
    ("GET", "/api/v1/incidents/{ref}/rfo-requests"),
    ("GET", "/api/v1/incidents/{ref}/incident-report-requests"),
    ("GET", "/api/v1/document-requests"),
    ("GET", "/api/v1/document-requests/{id}"),
    ("GET", "/api/v1/major-incidents"),
    ("GET", "/api/v1/major-incidents/{ref}"),
    ("GET", "/api/v1/major-incidents/{ref}/updates"),
    ("GET", "/api/v1/major-incidents/{ref}/children"),
    ("GET", "/api/v1/planned-works"),
    ("GET", "/api/v1/planned-works.ics"),
    ("GET", "/api/v1/planned-works/{id}"),
    ("GET", "/api/v1/maintenance-requests"),
    ("GET", "/api/v1/maintenance-requests/{id}"),
    ("GET", "/api/v1/working-calendar"),
    ("GET", "/api/v1/contacts"),
    ("GET", "/api/v1/contacts/{id}"),
    ("GET", "/api/v1/events"),
    ("GET", "/tmf-api/troubleTicket/v4/troubleTicket"),
    ("GET", "/tmf-api/troubleTicket/v4/troubleTicket/{id}"),
    ("GET", "/tmf-api/troubleTicket/v5/troubleTicket"),
    ("GET", "/tmf-api/troubleTicket/v5/troubleTicket/{id}"),
    ("GET", "/mefApi/sonata/troubleTicket/v4/troubleTicket"),
    ("GET", "/mefApi/sonata/troubleTicket/v4/troubleTicket/{id}"),
    ("GET", "/mefApi/sonata/troubleTicket/v4/incident"),
    ("GET", "/mefApi/sonata/troubleTicket/v4/incident/{id}"),
    // Refused to everyone with 405: tickets are never deleted.
    ("DELETE", "/tmf-api/troubleTicket/v4/troubleTicket/{id}"),
    ("DELETE", "/tmf-api/troubleTicket/v5/troubleTicket/{id}"),
];

/// Our stable code of an error answer: `code`, or under MEF 124 (whose `code` is the document's,
/// `notFound`, `accessDenied`) the code `message` starts with.
fn stable_code(path: &str, body: &Value) -> Value {
    if !path.starts_with("/mefApi/") {
        return body["code"].clone();
    }
    let sonata = match body["code"].as_str() {
        Some("notFound") => "not_found",
        Some("accessDenied") => "forbidden",
        _ => return Value::Null,
    };
    match body["message"].as_str().and_then(|m| m.split(':').next()) {
        Some(ours) if ours == sonata => json!(ours),
        _ => Value::Null,
    }
}

/// Fills every `{…}` of a template with an id that names nothing.
fn any_ids(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{ref}" | "{child}" => "1-0000099999",
            "{id}" if template.contains("maintenance") => "MR-099999",
            "{id}" if template.contains("planned-works") => "PW-099999",
            s if s.starts_with('{') => "99999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// R-SEC1 and the role gate: a caller whose role lacks an operation's permission (the policy
/// table) gets 403 before its body is read, so an invalid body shows it no field rules; a role
/// that has it gets past the gate to the body's validation or the lookup.
async fn refused_roles_get_403_whatever_the_body(app: TestApp) {
    app.two_tenants().await;
    let tokens = Tokens::new(&app);
    let spec = serde_json::to_value(api::openapi()).expect("contract as JSON");
    let mut in_contract = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("operations") {
            in_contract.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = GATED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .chain(OPEN.iter().map(|(m, p)| (m.to_string(), p.to_string())))
        .collect();
    assert_eq!(
        listed.len(),
        GATED.len() + OPEN.len(),
        "an operation is listed twice"
    );
    let unlisted: Vec<_> = in_contract.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "operations in neither GATED nor OPEN (tests/tests/http/isolation.rs): {unlisted:?}"
    );
    let stale: Vec<_> = listed.difference(&in_contract).collect();
    assert!(stale.is_empty(), "not in the contract: {stale:?}");

    // Invalid for every body of the API: required fields missing, a field of the wrong type.
    let invalid = json!({"service_id": "X", "summary": 7, "unexpected": [1]});
    let mut refused = 0;
    let mut failures = Vec::new();
    for (method, template, permission) in GATED {
        let path = any_ids(template);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for who in Who::ALL
            .into_iter()
            .filter(|w| *w != Who::BUser && *w != Who::BAdmin)
        {
            let (role, _) = who.role_and_company();
            let reply = app
                .send(
                    method.clone(),
                    &path,
                    Some(tokens.of(who)),
                    Some(invalid.clone()),
                    &[],
                )
                .await;
            let label = format!("{method} {path} as {role} ({permission})");
            if permission.granted_to(role) {
                if reply.status.as_u16() == 403 || reply.status.is_server_error() {
                    failures.push(format!("{label}: {} {}", reply.status, reply.body));
                }
                continue;
            }
            refused += 1;
            if reply.status.as_u16() != 403
                || stable_code(&path, &reply.body) != json!("forbidden")
                || reply.body.get("errors").is_some()
            {
                failures.push(format!(
                    "{label}: {} {} instead of 403 forbidden without field errors",
                    reply.status, reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 100, "{refused} refusals tried");
}
