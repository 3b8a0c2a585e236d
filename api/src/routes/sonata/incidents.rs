//! `GET /incident`, `GET /incident/{id}` of MEF 124: the major network incidents that affect the
//! buyer's products, as Sonata's `Incident`.

use actix_web::{get, web, HttpResponse};
use app::sonata::IncidentView;
use chrono::{DateTime, Utc};
use domain::mef;
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::*;
use super::{incident_href, BuyerSeller, TAG};
use crate::config::SellerSettings;
use crate::http::caller::Authenticated;
use crate::http::error::ApiError;
use crate::routes::incidents::ticket_from_path;
use crate::state::{read, AppState};

fn entities(view: &IncidentView) -> Vec<MefRelatedEntity> {
    let mut list: Vec<MefRelatedEntity> = view
        .services
        .iter()
        .map(|s| MefRelatedEntity {
            referred_type: "Product".to_owned(),
            href: Some(format!("/api/v1/services/{s}")),
            id: s.clone(),
            role: "affectedProduct".to_owned(),
        })
        .collect();
    if list.is_empty() {
        if let Some(region) = &view.major.region {
            list.push(MefRelatedEntity {
                referred_type: "GeographicSite".to_owned(),
                href: None,
                id: region.clone(),
                role: "affectedRegion".to_owned(),
            });
        }
    }
    list
}

fn description(view: &IncidentView) -> String {
    match view.major.description.trim() {
        "" => view.major.summary.clone(),
        d => format!("{}\n\n{d}", view.major.summary),
    }
}

fn status(view: &IncidentView) -> MefIncidentStatus {
    MefIncidentStatus::parse(mef::incident_status(
        view.major.status,
        !view.updates.is_empty(),
    ))
    .unwrap_or(MefIncidentStatus::Created)
}

fn incident(view: IncidentView, seller: &SellerSettings) -> MefIncident {
    let severity = view.major.severity;
    let mut status_change = vec![MefIncidentStatusChange {
        change_date: view.major.created_at,
        change_reason: Some("Major incident raised".to_owned()),
        status: MefIncidentStatus::Created,
    }];
    if let Some(first) = view.updates.first() {
        if view.major.is_active() || view.updates.len() > 1 {
            status_change.push(MefIncidentStatusChange {
                change_date: first.created_at,
                change_reason: None,
                status: MefIncidentStatus::InProgress,
            });
        }
    }
    if let Some(closed) = view.major.resolved_at {
        status_change.push(MefIncidentStatusChange {
            change_date: closed,
            change_reason: view.major.resolution.clone(),
            status: MefIncidentStatus::Closed,
        });
    }
    MefIncident {
        id: view.major.ticket.to_string(),
        href: incident_href(&view.major.ticket),
        creation_date: view.major.created_at,
        status: status(&view),
        description: description(&view),
        priority: MefPriority::parse(mef::incident_priority(severity)).unwrap_or(MefPriority::Low),
        severity: MefSeverity::parse(mef::incident_severity(severity))
            .unwrap_or(MefSeverity::Minor),
        impact: MefObservedImpact::parse(mef::incident_impact(severity))
            .unwrap_or(MefObservedImpact::Intermittent),
        incident_type: MefIncidentType::Repair,
        situation_start_date: view.major.started_at,
        closed_date: view.major.resolved_at,
        related_entity: entities(&view),
        related_contact_information: vec![MefContact {
            email_address: view
                .major
                .incident_manager_email
                .clone()
                .unwrap_or_else(|| seller.contact_email.clone()),
            name: seller.contact_name.clone(),
            number: seller.contact_phone.clone(),
            number_extension: None,
            organization: Some(seller.id.clone()),
            role: if view.major.incident_manager_email.is_some() {
                "incidentManager".to_owned()
            } else {
                "sellerContact".to_owned()
            },
        }],
        note: view
            .updates
            .iter()
            .map(|u| MefNote {
                id: u.id.to_string(),
                author: u.author.clone(),
                date: u.created_at,
                source: MefSource::Seller,
                text: u.text.clone(),
            })
            .collect(),
        status_change,
    }
}

fn find(view: IncidentView) -> MefIncidentFind {
    let severity = view.major.severity;
    MefIncidentFind {
        id: view.major.ticket.to_string(),
        href: incident_href(&view.major.ticket),
        creation_date: view.major.created_at,
        status: status(&view),
        description: description(&view),
        priority: MefPriority::parse(mef::incident_priority(severity)).unwrap_or(MefPriority::Low),
        severity: MefSeverity::parse(mef::incident_severity(severity))
            .unwrap_or(MefSeverity::Minor),
        impact: MefObservedImpact::parse(mef::incident_impact(severity))
            .unwrap_or(MefObservedImpact::Intermittent),
        incident_type: MefIncidentType::Repair,
        situation_start_date: view.major.started_at,
        closed_date: view.major.resolved_at,
        related_entity: entities(&view),
    }
}

/// MEF 124 incident filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub priority: Option<MefPriority>,
    pub severity: Option<MefSeverity>,
    pub impact: Option<MefObservedImpact>,
    /// Every major incident here is a `repair`.
    #[serde(rename = "incidentType")]
    pub incident_type: Option<MefIncidentType>,
    pub status: Option<MefIncidentStatus>,
    /// One of the buyer's affected products (our service id).
    #[serde(rename = "relatedEntityId")]
    #[param(max_length = 100)]
    pub related_entity_id: Option<String>,
    /// `Product` (default) or `GeographicSite` (a region).
    #[serde(rename = "relatedEntityType")]
    #[param(max_length = 32)]
    pub related_entity_type: Option<String>,
    #[serde(rename = "creationDate.gt")]
    pub creation_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "creationDate.lt")]
    pub creation_date_lt: Option<DateTime<Utc>>,
    #[serde(rename = "situationStartDate.gt")]
    pub situation_start_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "situationStartDate.lt")]
    pub situation_start_date_lt: Option<DateTime<Utc>>,
    /// No incident here has an expected closing date: any value matches none.
    #[serde(rename = "expectedClosedDate.gt")]
    pub expected_closed_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "expectedClosedDate.lt")]
    pub expected_closed_date_lt: Option<DateTime<Utc>>,
    #[serde(rename = "closedDate.gt")]
    pub closed_date_gt: Option<DateTime<Utc>>,
    #[serde(rename = "closedDate.lt")]
    pub closed_date_lt: Option<DateTime<Utc>>,
    /// The buyer (customer number): a customer's own, or for provider staff any.
    #[serde(rename = "buyerId")]
    #[param(max_length = 32)]
    pub buyer_id: Option<String>,
    /// Ours (`SELLER_ID`); another seller's matches none.
    #[serde(rename = "sellerId")]
    #[param(max_length = 100)]
    pub seller_id: Option<String>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<i64>,
    /// Incidents per answer (default 25); more than 100 is throttled to 100.
    #[param(minimum = 1)]
    pub limit: Option<i32>,
}

fn within(t: Option<DateTime<Utc>>, gt: Option<DateTime<Utc>>, lt: Option<DateTime<Utc>>) -> bool {
    match t {
        Some(t) => gt.is_none_or(|g| t > g) && lt.is_none_or(|l| t < l),
        None => gt.is_none() && lt.is_none(),
    }
}

/// List or find incidents (MEF 124).
///
/// MEF 124 `listIncident`: the major network incidents that concern the buyer (one of its
/// products is affected, or a ticket of its own is linked), active and resolved, newest first,
/// each with only the buyer's own products; provider staff see all (narrow with `buyerId`).
/// Every filter of the document is offered (combined with AND); `expectedClosedDate` matches
/// none, as no incident here has one. The newest 1000 incidents are searched.
#[utoipa::path(
    tag = TAG,
    operation_id = "listIncidentMef",
    security(("bearer" = [])),
    params(IncidentQuery),
    responses(
        (status = 200, description = "Matching incidents.", body = Vec<MefIncidentFind>,
            headers(
                ("X-Total-Count" = i64, description = "How many incidents match"),
                ("X-Result-Count" = i64, description = "How many incidents this answer holds"),
                ("X-Pagination-Throttled" = bool, description = "The page was cut to 100"),
            )),
    )
)]
#[get("/incident")]
pub async fn list_incidents(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<IncidentQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    super::check_lengths(&[
        ("relatedEntityId", q.related_entity_id.as_deref(), 100),
        ("relatedEntityType", q.related_entity_type.as_deref(), 32),
        ("buyerId", q.buyer_id.as_deref(), 32),
        ("sellerId", q.seller_id.as_deref(), 100),
    ])?;
    let (offset, limit, throttled) = super::paging(q.offset, q.limit)?;
    let ids = BuyerSeller {
        buyer_id: q.buyer_id.clone(),
        seller_id: q.seller_id.clone(),
    };
    let buyer = match ids.buyer_id.as_deref().map(str::trim) {
        Some(b) => match domain::CustomerNumber::parse(b) {
            Ok(n) => Some(n),
            Err(_) => return Ok(super::tickets::listed(0, Vec::new(), throttled)),
        },
        None => None,
    };
    let nothing = !ids.seller_matches(&state.settings.seller.id)
        || q.incident_type
            .is_some_and(|t| t != MefIncidentType::Repair)
        || q.expected_closed_date_gt.is_some()
        || q.expected_closed_date_lt.is_some()
        || matches!((caller.tenant_scope(), &buyer), (Some(own), Some(b)) if own != b);
    if nothing {
        return Ok(super::tickets::listed(0, Vec::new(), throttled));
    }
    let who = caller.0.clone();
    let views = read(&state, move |conn| {
        let scope = app::sonata::buyer_scope(&who, buyer);
        let majors = app::sonata::list_incidents(conn, scope.as_ref())?;
        let majors: Vec<_> = majors
            .into_iter()
            .filter(|m| {
                let s = m.severity;
                q.priority
                    .is_none_or(|p| p.as_str() == mef::incident_priority(s))
                    && q.severity
                        .is_none_or(|v| v.as_str() == mef::incident_severity(s))
                    && q.impact
                        .is_none_or(|i| i.as_str() == mef::incident_impact(s))
                    && within(Some(m.created_at), q.creation_date_gt, q.creation_date_lt)
                    && within(
                        Some(m.started_at),
                        q.situation_start_date_gt,
                        q.situation_start_date_lt,
                    )
                    && within(m.resolved_at, q.closed_date_gt, q.closed_date_lt)
            })
            .collect();
        let views = app::sonata::incident_views(conn, scope.as_ref(), majors)?;
        Ok(views
            .into_iter()
            .filter(|v| {
                q.status.is_none_or(|s| s == status(v))
                    && (q.related_entity_id.is_none() && q.related_entity_type.is_none()
                        || entities(v).iter().any(|e| {
                            q.related_entity_id
                                .as_deref()
                                .is_none_or(|id| id.trim() == e.id)
                                && q.related_entity_type
                                    .as_deref()
                                    .is_none_or(|t| t.trim().eq_ignore_ascii_case(&e.referred_type))
                        }))
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let total = views.len() as i64;
    let items = views
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|v| serde_json::to_value(find(v)).unwrap_or_default())
        .collect();
    Ok(super::tickets::listed(total, items, throttled))
}

/// Retrieve an incident (MEF 124).
///
/// MEF 124 `retrieveIncident`: a major network incident that concerns the buyer, with its public
/// updates as notes (oldest first) and only the buyer's own affected products. One that does
/// not concern the buyer answers 404, as one that does not exist.
#[utoipa::path(
    tag = TAG,
    operation_id = "retrieveIncidentMef",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Major incident reference", example = "1-0000000007"),
        BuyerSeller,
    ),
    responses(
        (status = 200, description = "The incident.", body = MefIncident),
    )
)]
#[get("/incident/{id}")]
pub async fn get_incident(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    ids: web::Query<BuyerSeller>,
) -> Result<HttpResponse, ApiError> {
    ids.check()?;
    let ticket = ticket_from_path(&path).map_err(|_| ApiError::not_found("incident"))?;
    let who = caller.0.clone();
    let buyer = ids
        .buyer_id
        .as_deref()
        .map(|b| domain::CustomerNumber::parse(b.trim()))
        .transpose()
        .map_err(|_| ApiError::not_found("incident"))?;
    if !ids.seller_matches(&state.settings.seller.id)
        || matches!((caller.tenant_scope(), &buyer), (Some(own), Some(b)) if own != b)
    {
        return Err(ApiError::not_found("incident"));
    }
    // Staff naming a buyer see the incident as that buyer does.
    let view = read(&state, move |conn| {
        app::sonata::get_incident(conn, &who, ticket, buyer)
    })
    .await?;
    Ok(HttpResponse::Ok().json(incident(view, &state.settings.seller)))
}
