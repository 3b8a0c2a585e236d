//! The OpenAPI document (R-API1): metadata, bearer security and shared components. Paths are
//! collected from the handlers registered in `routes`, so none can be forgotten.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Service Assurance API",
        description = "Customer portal backend for service assurance: raise and follow incidents \
on the network services you buy, escalate them, follow major network incidents and planned works.\n\n\
Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`. \
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. \
Times are RFC 3339 UTC. Lists use cursor pagination: follow `next_cursor` until it is null.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        contact(name = "Service Assurance API team", email = "api-team@example.com"),
    ),
    servers((url = "/", description = "This server")),
    modifiers(&BearerSecurity),
    components(responses(
        crate::error::BadRequest,
        crate::error::Unauthorized,
        crate::error::Forbidden,
        crate::error::NotFound,
        crate::error::Conflict,
        crate::error::PreconditionFailed,
        crate::error::Unprocessable,
        crate::error::UnsupportedMediaType,
        crate::error::PayloadTooLarge,
        crate::error::InternalError,
        crate::error::TooManyRequests,
        crate::error::ServiceUnavailable,
    )),
    tags(
        (name = "auth", description = "Tokens and the current caller"),
        (name = "accounts", description = "Users and API clients"),
        (name = "customers", description = "Customer companies (OCN)"),
        (name = "services", description = "Service inventory"),
        (name = "incidents", description = "Trouble tickets: raise, follow, work, close; timeline"),
        (name = "documents", description = "Reason For Outage and Incident Report requests"),
        (name = "escalations", description = "The five-level escalation matrix and peer-to-peer escalation"),
        (name = "major incidents", description = "Major network incidents: parent tickets whose updates cascade to linked tickets"),
        (name = "planned works", description = "Provider planned works, calendar and iCalendar feed"),
        (name = "maintenance requests", description = "Customer maintenance window requests and the working-day calendar"),
        (name = "contacts", description = "The contact management centre: who receives which notices"),
        (name = "webhooks", description = "Signed partner webhooks. Each delivery is a JSON POST with `X-Delivery-Id` (stable across retries), `X-Event-Type` and `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`; 2xx is success, anything else is retried with exponential backoff, then marked failed."),
        (name = "events", description = "Server-Sent Events of your own events"),
        (name = "help", description = "Help articles with full-text search"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "TMF621 trouble tickets", description = "TM Forum TMF621 Trouble Ticket Management v4 \
under `/tmf-api/troubleTicket/v4`: the same tickets, rules, tenancy and bearer tokens as `/api/v1`, \
with TMF field names. A ticket created here is an ordinary incident (`id` is its reference `1-…`); \
one raised through `/api/v1` is visible here.\n\n\
Status mapping (ours → TMF621): `new`, `acknowledged` → `acknowledged`; `in_progress` → `inProgress`; \
`pending_customer` → `pending`; `resolved` → `resolved`; `closed` → `closed`; `cancelled` → `cancelled`. \
TMF621's `held` and `rejected` are never used. Severity ↔ impact: `Critical` service_down, `Major` degraded, \
`Minor` intermittent, `Low` no_impact. Priority: `Critical` P1, `High` P2, `Medium` P3, `Low` P4.\n\n\
Errors are problem+json like the rest of the API: `code` is the stable machine-readable reason, \
`detail` the message, `status` the HTTP status (TMF630's `code`/`reason`/`message`/`status` in RFC 9457 form).\n\n\
Paging is by `offset`/`limit` with `X-Total-Count` and `X-Result-Count`; unknown query parameters and \
unknown attributes in a body are refused rather than ignored."),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` HTTP scheme that Swagger UI's "Authorize" button fills in.
struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from POST /api/v1/auth/token (without the `Bearer ` prefix)",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the problem+json answers the common layers can give to every operation they apply to,
/// so that no handler has to repeat them: 400 (NUL in the path or query string, bad parameters),
/// 401 on secured operations, 404 where a path names a resource, 413/415 where there is a body,
/// 422 where a body or query is validated, 429 (rate limit, not on probes) and 503 (database
/// busy). Answers a handler documents itself are kept. Also: optional header and query parameters
/// are published as non-nullable (a query value is text, never JSON `null`).
pub fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::{Ref, RefOr};
    let global_security = api.security.as_ref().is_some_and(|s| !s.is_empty());
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            // `security: [{}]` (an empty requirement) marks a public operation.
            let secured = op.security.as_ref().map_or(global_security, |s| {
                serde_json::to_value(s).is_ok_and(|v| {
                    v.as_array().is_some_and(|a| {
                        a.iter()
                            .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                    })
                })
            });
            // A header or query value is text, never JSON `null`: an optional one is simply absent.
            for parameter in op.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
                    if let SchemaType::Array(types) = &object.schema_type {
                        let kept: Vec<Type> = types
                            .iter()
                            .filter(|t| **t != Type::Null)
                            .cloned()
                            .collect();
                        object.schema_type = match kept.as_slice() {
                            [one] => SchemaType::Type(one.clone()),
                            _ => SchemaType::Array(kept),
                        };
                    }
                }
            }
            let probe = path.starts_with("/health/") || path == "/metrics";
            let mut common = vec![("400", "BadRequest")];
            if !probe {
                // Probes and metrics are exempt from rate limiting.
                common.push(("429", "TooManyRequests"));
            }
            if secured {
                common.push(("401", "Unauthorized"));
            }
            if path.contains('{') {
                common.push(("404", "NotFound"));
            }
            let queried = op.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
            });
            if op.request_body.is_some() {
                common.push(("413", "PayloadTooLarge"));
                common.push(("415", "UnsupportedMediaType"));
            }
            if op.request_body.is_some() || queried {
                common.push(("422", "Unprocessable"));
            }
            if path != "/health/live" {
                common.push(("503", "ServiceUnavailable"));
            }
            for (status, response) in common {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(response)));
            }
        }
    }
    api
}
