//! The OpenAPI document (R-API1): metadata, bearer security and shared components. Paths are
//! collected from the handlers registered in `routes`, so none can be forgotten.

use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::http::dialect::Dialect;

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
    components(
        schemas(
            crate::http::error::Problem,
            crate::http::dialect::TmfError,
            crate::http::mef_error::MefError,
            crate::http::mef_error::MefError422,
        ),
        responses(
        crate::http::error::BadRequest,
        crate::http::error::Unauthorized,
        crate::http::error::Forbidden,
        crate::http::error::NotFound,
        crate::http::error::Conflict,
        crate::http::error::PreconditionFailed,
        crate::http::error::Unprocessable,
        crate::http::error::UnsupportedMediaType,
        crate::http::error::PayloadTooLarge,
        crate::http::error::AttachmentConflict,
        crate::http::error::AttachmentTooLarge,
        crate::http::error::UnsupportedAttachment,
        crate::http::error::AttachmentGone,
        crate::http::error::RangeNotSatisfiable,
        crate::http::error::NotAcceptable,
        crate::http::error::InternalError,
        crate::http::error::TooManyRequests,
        crate::http::error::ServiceUnavailable,
        ),
    ),
    tags(
        (name = "auth", description = "Tokens and the current caller"),
        (name = "accounts", description = "Users and API clients"),
        (name = "customers", description = "Customer companies (OCN)"),
        (name = "services", description = "Service inventory"),
        (name = "incidents", description = "Trouble tickets: raise, follow, work, close; timeline"),
        (name = "reports", description = "Service reviews: the SLA report, as JSON or CSV"),
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
Errors are TMF630 `Error` objects (`application/json`), not the problem+json of `/api/v1`: \
`@type` `Error`; `code` the same stable machine-readable code `/api/v1` gives (`not_found`, \
`validation_failed`, `illegal_transition`, …); `reason` what went wrong; `message` the invalid fields in \
words; `status` the HTTP status as a string; `referenceError` this section; and, when input was \
invalid, the extension `errors`: `[{field, code, message}]` as in `/api/v1`, with TMF attribute names. The TMF621 v4 \
document declares 400, 401, 403, 404, 405, 409 and 500, so invalid input is 400 (422 in `/api/v1`, \
also 413 and 415) and an `If-Match` that is no longer current 409 (412 in `/api/v1`). \
`DELETE /troubleTicket/{id}` is 405: tickets are never deleted (cancel or close them). \
The document's `/listener/…` operations are the partner's side: they are the notifications \
a hub listener receives, not operations of this server.\n\n\
Paging is by `offset`/`limit` with `X-Total-Count` and `X-Result-Count`; unknown query parameters and \
unknown attributes in a body are refused rather than ignored."),
        (name = "TMF621 v5 trouble tickets", description = "TM Forum TMF621 Trouble Ticket Management v5.0.1 \
under `/tmf-api/troubleTicket/v5`: the same tickets, rules, mappings, tenancy and bearer tokens as `/api/v1` \
and TMF621 v4, in the v5 shapes. Every object carries its `@type`; the affected service is a `relatedEntity` \
whose `entity` is an `EntityRef`; parties are `RelatedPartyRefOrPartyRoleRef` with a `PartyRef` in \
`partyOrPartyRole` (the reporter's email and phone as the extension `contactMedium`: `EmailContactMedium`, \
`PhoneContactMedium`); the status history is `statusChangeHistory`; the partner's identifier is one \
`externalIdentifier` (filter with `externalIdentifier.id`). Status, severity and priority map as in v4.\n\n\
Errors are the v5 `Error` (`application/json`), built as in v4: `@type` `Error`, `code` our stable code, \
`reason`, `message`, `status` as a string, `referenceError` this section, and the extension `errors` with \
the invalid fields. Invalid input is 400 (422 in `/api/v1`, also 413 and 415), a stale `If-Match` 409. \
`DELETE /troubleTicket/{id}` is 405. Trouble ticket specifications (`/troubleTicketSpecification`) are not \
offered (404), nor the document's `before`/`after`/`sort`/`filter` list parameters or JSON Patch. \
Listeners registered with `POST /hub` receive v5 events (`@type`, `timeOccurred`, `event.troubleTicket` in \
the v5 shape); those of v4 receive v4 events."),
        (name = "MEF 124 Sonata trouble tickets and incidents", description = "MEF 124 LSO Sonata Trouble Ticket \
and Incident Management v4 under `/mefApi/sonata/troubleTicket/v4`: the same tickets, rules, tenancy and bearer \
tokens as `/api/v1`. A trouble ticket is an ordinary incident (`id` its reference `1-…`); an `incident` is a \
major network incident that concerns the buyer (one of its products is affected, or a ticket of its own is \
linked), showing only the buyer's own products. `buyerId` is our customer number, `sellerId` ours \
(`SELLER_ID`); a resource of another buyer or seller answers 404.\n\n\
Ticket status (ours → Sonata): `new`, `acknowledged` → `acknowledged`; `in_progress` → `inProgress`, or \
`reopened` when it came back from `resolved`; `pending_customer` → `pending`; `resolved`, `closed`, `cancelled` \
alike; an open ticket whose buyer asked to cancel it (`cancel`) reads `assessingCancellation` until the \
service desk cancels it or moves it on. Severity ↔ impact: `extensive` service_down, `significant` degraded, \
`moderate` intermittent, `minor` no_impact; `observedImpact` `down`, `degraded`, `intermittent` (also for \
no_impact). Priority: `critical` P1, `high` P2, `medium` P3, `low` P4; our priority follows the severity, so \
`priority` and `sellerPriority` are both ours (the buyer's requested one is recorded in the first note). \
`ticketType` is `assistance`. Incident status: `created` (no update yet), `inProgress`, `closed` (resolved); \
severity critical/major/minor → `extensive`/`significant`/`moderate`, impact `down`/`degraded`/`intermittent`, \
priority `critical`/`high`/`medium`; `incidentType` `repair`; notes are its public updates.\n\n\
Errors are Sonata's: `{code, reason, message, referenceError}` with the document's codes per status \
(`invalidQuery`/`invalidBody`, `missingCredentials`/`invalidCredentials`, `accessDenied`, `notFound`, \
`conflict`, `internalError`), `reason` at most 255 characters (`message` holds our stable code and the whole \
detail); invalid properties of a create, patch or task are a 422 array of `Error422` with `propertyPath` a \
JSON pointer; a move the ticket's state does not allow is 422 `otherIssue` on a task; a stale `If-Match` 409. \
Listeners registered with `POST /hub` receive Sonata's thin notifications at `{callback}/listener/{eventType}`."),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` HTTP scheme, and `oauth2`: the same bearer token, obtained with the OAuth 2.0
/// password flow from the token operation, so that Swagger UI's "Authorize" signs in with an
/// email and password and fetches the token itself. Operations name `bearer`; a token from
/// either is the same token.
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
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new(
                    "/api/v1/auth/token",
                    Scopes::new(),
                ))],
                "Sign in with your email and password (the demo logins are in the README); the \
                 token endpoint answers with the bearer token every operation takes.",
            )),
        );
    }
}

/// Adds the problem+json answers the common layers can give to every operation they apply to,
/// so that no handler has to repeat them: 400 (NUL in the path or query string, bad parameters),
/// 401 on secured operations, 404 where a path names a resource, 413/415 where there is a body,
/// 422 where a body or query is validated, 429 (rate limit, not on probes) and 503 (database
/// busy). Answers a handler documents itself are kept. Also: optional header and query parameters
/// are published as non-nullable (a query value is text, never JSON `null`), and free-text
/// strings of request bodies carry the plain-text pattern.
pub fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::{Ref, RefOr};
    let global_security = api.security.as_ref().is_some_and(|s| !s.is_empty());
    for (path, item) in api.paths.paths.iter_mut() {
        use actix_web::http::Method;
        let operations = [
            (Method::GET, item.get.as_mut()),
            (Method::PUT, item.put.as_mut()),
            (Method::POST, item.post.as_mut()),
            (Method::DELETE, item.delete.as_mut()),
            (Method::PATCH, item.patch.as_mut()),
        ];
        for (method, op) in operations {
            let Some(op) = op else {
                continue;
            };
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
            Dialect::of(path).document(&method, path, &mut op.responses);
        }
    }
    let components = api.components.get_or_insert_with(Default::default);
    for (name, response) in crate::http::dialect::tmf_responses()
        .into_iter()
        .chain(crate::http::mef_error::responses())
    {
        components.responses.insert(name, RefOr::T(response));
    }
    // Free text in request bodies: the pattern the text layer enforces (`http::plain_text`).
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    crate::http::plain_text::mark(&mut doc);
    public_operations_need_no_security(&mut doc);
    bearer_or_oauth2(&mut doc);
    page_items_by_reference(&mut doc);
    declare_idempotency_key(&mut doc);
    declare_etags(&mut doc);
    facade_error_examples(&mut doc);
    filters_without_examples(&mut doc);
    serde_json::from_value(doc).unwrap_or(api)
}

/// The operations of the contract, with their path and method.
fn operations(doc: &mut serde_json::Value) -> Vec<(String, String, &mut serde_json::Value)> {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return Vec::new();
    };
    paths
        .iter_mut()
        .flat_map(|(path, item)| {
            item.as_object_mut()
                .into_iter()
                .flat_map(|item| item.iter_mut())
                .filter(|(method, _)| {
                    ["get", "put", "post", "delete", "patch"].contains(&method.as_str())
                })
                .map(move |(method, op)| (path.clone(), method.clone(), op))
        })
        .collect()
}

/// A public operation declares `security: []` (no requirement), not `[{}]` (one empty
/// requirement, which means the same to OpenAPI but makes client generators demand a token).
fn public_operations_need_no_security(doc: &mut serde_json::Value) {
    for (_, _, op) in operations(doc) {
        if let Some(security) = op.get_mut("security").and_then(|s| s.as_array_mut()) {
            let public = !security.is_empty()
                && security
                    .iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()));
            if public {
                security.clear();
            }
        }
    }
}

/// Every operation that takes the bearer token takes it from either scheme: `bearer` (pasted) or
/// `oauth2` (fetched by Swagger UI's Authorize with the password flow). Without the second,
/// Swagger UI would sign in and then send the token nowhere.
///
/// Not on the event stream (`text/event-stream`): Swagger UI waits for an answer to end and so
/// cannot show a stream, and with two alternatives there schemathesis 4.32 generates a request
/// with an unknown header that it expects refused, which no HTTP server does (seen on this
/// operation only; bearer alone, it does not).
fn bearer_or_oauth2(doc: &mut serde_json::Value) {
    for (_, _, op) in operations(doc) {
        if op
            .pointer("/responses/200/content/text~1event-stream")
            .is_some()
        {
            continue;
        }
        if let Some(security) = op.get_mut("security").and_then(|s| s.as_array_mut()) {
            let bearer = security.iter().any(|r| r.get("bearer").is_some());
            if bearer && !security.iter().any(|r| r.get("oauth2").is_some()) {
                security.push(serde_json::json!({"oauth2": []}));
            }
        }
    }
}

/// A page (`PageOf_X`) lists its items as `$ref: X`, not as a copy of X: a generated client
/// then has one `X` type, whether the item came from a page or from a single read.
fn page_items_by_reference(doc: &mut serde_json::Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    else {
        return;
    };
    let pages: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|name| {
            let item = name.strip_prefix("PageOf_")?;
            Some((name.clone(), item.to_owned()))
        })
        .collect();
    for (page, item) in pages {
        if !schemas.contains_key(&item) {
            continue;
        }
        if let Some(items) = schemas
            .get_mut(&page)
            .and_then(|p| p.pointer_mut("/properties/items/items"))
        {
            *items = serde_json::json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// `ETag` on every success of `/api/v1` whose body is a versioned resource (a schema with a
/// `version`): the handlers send the resource's version as its ETag with every such answer, and
/// the tests check both ways that what is sent is declared and what is declared is sent.
fn declare_etags(doc: &mut serde_json::Value) {
    let versioned: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(_, s)| s.pointer("/properties/version").is_some())
                .map(|(name, _)| format!("#/components/schemas/{name}"))
                .collect()
        })
        .unwrap_or_default();
    for (path, _, op) in operations(doc) {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            let resource = response
                .pointer("/content/application~1json/schema/$ref")
                .and_then(|r| r.as_str())
                .is_some_and(|r| versioned.iter().any(|v| v == r));
            if !status.starts_with('2') || !resource {
                continue;
            }
            let Some(response) = response.as_object_mut() else {
                continue;
            };
            let headers = response
                .entry("headers")
                .or_insert_with(|| serde_json::json!({}));
            if let Some(headers) = headers.as_object_mut() {
                headers.entry("ETag").or_insert_with(|| {
                    serde_json::json!({
                        "description": "The resource's version; send it back as `If-Match`.",
                        "schema": {"type": "string", "pattern": "^\"v[0-9]+\"$"},
                        "example": "\"v2\"",
                    })
                });
            }
        }
    }
}

/// The facades' error answers (`TmfError{status}`, `MefError{status}`) show, per status, the
/// `/api/v1` problem of that status as the facade's own translator renders it: what a partner
/// really receives there, each status its own.
fn facade_error_examples(doc: &mut serde_json::Value) {
    use crate::http::dialect::Dialect;
    use crate::http::mef_error::{self, Op};
    use actix_web::http::StatusCode;
    const ORIGIN: &str = "https://portal.example.net";
    let Some(responses) = doc.pointer("/components/responses").cloned() else {
        return;
    };
    let problem_of = |name: &str| {
        responses
            .pointer(&format!(
                "/{name}/content/application~1problem+json/example"
            ))
            .cloned()
    };
    // The problem each facade status stands for (TMF answers invalid input with 400, 412 with 409).
    let ours = |status: u16| match status {
        400 => problem_of("Unprocessable"),
        401 => problem_of("Unauthorized"),
        403 => problem_of("Forbidden"),
        404 => problem_of("NotFound"),
        409 => problem_of("Conflict"),
        422 => problem_of("Unprocessable"),
        429 => problem_of("TooManyRequests"),
        503 => problem_of("ServiceUnavailable"),
        405 => Some(serde_json::json!({"type": "/problems/method_not_allowed",
            "title": "Method Not Allowed", "status": 405, "code": "method_not_allowed",
            "detail": "tickets are never deleted: cancel or close them"})),
        _ => None,
    };
    let Some(components) = doc
        .pointer_mut("/components/responses")
        .and_then(|r| r.as_object_mut())
    else {
        return;
    };
    for (name, response) in components.iter_mut() {
        let (facade, status) = if let Some(s) = name.strip_prefix("TmfError") {
            (Some(Dialect::Tmf630V4), s)
        } else if let Some(s) = name.strip_prefix("MefError") {
            (None, s)
        } else {
            continue;
        };
        let Some(code) = status
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
        else {
            continue;
        };
        let Some(problem) = ours(code.as_u16()) else {
            continue;
        };
        let example = match facade {
            Some(dialect) => dialect.translate(code, &problem, ORIGIN),
            None => {
                let op = if code == StatusCode::UNPROCESSABLE_ENTITY {
                    Op::Create
                } else {
                    Op::Read
                };
                mef_error::body(op, code, &problem, ORIGIN)
            }
        };
        if let Some(media) = response
            .pointer_mut("/content/application~1json")
            .and_then(|m| m.as_object_mut())
        {
            media.insert("example".into(), example);
        }
    }
}

/// Query filters carry no example: Swagger UI's "Try it out" fills every example in, and filters
/// filled in for the reader (a priority, an external id, a customer) narrow their first try down
/// to nothing. The page size keeps its example.
fn filters_without_examples(doc: &mut serde_json::Value) {
    for (_, _, op) in operations(doc) {
        let Some(parameters) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) else {
            continue;
        };
        for parameter in parameters {
            let filter = parameter["in"] == "query" && parameter["name"] != "limit";
            let Some(parameter) = parameter.as_object_mut().filter(|_| filter) else {
                continue;
            };
            parameter.remove("example");
            parameter.remove("examples");
            if let Some(schema) = parameter.get_mut("schema").and_then(|s| s.as_object_mut()) {
                schema.remove("example");
                schema.remove("examples");
            }
        }
    }
}

/// `Idempotency-Key` on every POST the idempotency layer serves: all but the token request, of
/// an authenticated caller (keys are the caller's; public operations have none).
fn declare_idempotency_key(doc: &mut serde_json::Value) {
    use crate::http::idempotent as idempotency;
    for (path, method, op) in operations(doc) {
        let public = op
            .get("security")
            .and_then(|s| s.as_array())
            .is_some_and(|s| s.is_empty());
        if method != "post" || public || !idempotency::applies_to(&path) {
            continue;
        }
        let parameter = serde_json::json!({
            "name": idempotency::HEADER,
            "in": "header",
            "required": false,
            "description": "A unique string per intended operation (a UUID, say). A retry with \
        the same key and body returns the first answer (`Idempotent-Replayed: true`) and does nothing \
        again; the same key with another body is 422 `idempotency_key_reused`, a retry while the first \
        is still running 409 `idempotency_in_progress`. Remembered per caller for IDEMPOTENCY_TTL_HOURS.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
            "example": "5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e0c4a7f",
        });
        let Some(op) = op.as_object_mut() else {
            continue;
        };
        // A retry while the first request still runs: 409 `idempotency_in_progress`.
        if let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) {
            responses
                .entry("409")
                .or_insert_with(|| serde_json::json!({"$ref": "#/components/responses/Conflict"}));
        }
        match op
            .entry("parameters")
            .or_insert_with(|| serde_json::json!([]))
            .as_array_mut()
        {
            Some(parameters) => parameters.push(parameter),
            None => continue,
        }
    }
}

/// The contract as YAML that every reader loads alike.
///
/// YAML 1.2 readers take a plain `2026-11-28T09:12:00Z` as a string, but YAML 1.1 readers
/// (PyYAML, SnakeYAML in Java generators, Ruby) resolve it as a timestamp, `on`/`no` as booleans,
/// `1_000` or `12:30` as integers. Every scalar a YAML 1.1 reader would not read as a string is
/// therefore written quoted. The emitter has no per-scalar style switch, so such a string is
/// marked with a leading U+0001 (which it only ever writes double-quoted, as `"\x01…"`) and the
/// mark is taken out of the text again; no string of the contract contains U+0001 itself.
pub fn to_yaml(api: &utoipa::openapi::OpenApi) -> Result<String, String> {
    let mut value = serde_json::to_value(api).map_err(|e| e.to_string())?;
    mark_yaml11_scalars(&mut value);
    let yaml = yaml_serde::to_string(&value).map_err(|e| e.to_string())?;
    Ok(yaml.replace(QUOTED_MARK, "\""))
}

/// How the emitter writes the start of a marked string.
const QUOTED_MARK: &str = "\"\\x01";

fn mark_yaml11_scalars(value: &mut serde_json::Value) {
    use serde_json::Value;
    // Only what the emitter would write plain: it quotes YAML 1.2's own non-strings already.
    let written_plain =
        |s: &str| yaml_serde::to_string(s).is_ok_and(|y| !y.starts_with(['\'', '"', '|', '>']));
    let mark = |s: &str| {
        if resolves_as_non_string_in_yaml11(s) && written_plain(s) {
            format!("\u{1}{s}")
        } else {
            s.to_owned()
        }
    };
    match value {
        Value::String(s) => *s = mark(s),
        Value::Array(items) => items.iter_mut().for_each(mark_yaml11_scalars),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                mark_yaml11_scalars(&mut item);
                map.insert(mark(&key), item);
            }
        }
        _ => {}
    }
}

/// Whether a YAML 1.1 reader resolves this plain scalar as something other than a string: the
/// implicit types of the YAML 1.1 type repository (bool, int, float, null, timestamp, merge,
/// value), as PyYAML's resolver has them, plus the one-letter booleans of the 1.1 spec.
fn resolves_as_non_string_in_yaml11(s: &str) -> bool {
    static YAML11: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = YAML11.get_or_init(|| {
        let alternatives = [
            // bool
            r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            // float
            r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            // int
            r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
            r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            // null, merge, value
            r"~|null|Null|NULL|<<|=",
            // timestamp
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
        ];
        #[allow(clippy::expect_used)] // a constant pattern, checked by the unit test below
        regex::Regex::new(&format!("^(?:{})$", alternatives.join("|"))).expect("YAML 1.1 pattern")
    });
    s.is_empty() || pattern.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_implicit_types_are_recognised() {
        for s in [
            "2026-11-28T09:12:00Z",
            "2026-11-28",
            "2026-11-28 09:12:00.5 +01:00",
            "yes",
            "Off",
            "y",
            "1_000",
            "12:30",
            "0o17",
            "~",
            "",
            "<<",
            ".inf",
            "1.5",
            "0x1F",
        ] {
            // `0o17` is a YAML 1.2 octal, a plain string to YAML 1.1: the only one listed here.
            assert_eq!(resolves_as_non_string_in_yaml11(s), s != "0o17", "{s:?}");
        }
        for s in [
            "P1",
            "OCN-1001",
            "2026-11",
            "1-0000000042",
            "next update 12:00 UTC",
            "yesterday",
        ] {
            assert!(!resolves_as_non_string_in_yaml11(s), "{s:?}");
        }
    }

    #[test]
    fn ambiguous_scalars_are_written_quoted_and_the_rest_as_before() {
        let value = serde_json::json!({"at": "2026-11-28T09:12:00Z", "on": "on", "ok": "P1",
            "list": ["2026-12-25", "SVC-0001"], "n": 3}); // `n` is a YAML 1.1 boolean too
        let mut marked = value.clone();
        mark_yaml11_scalars(&mut marked);
        let yaml = yaml_serde::to_string(&marked)
            .unwrap()
            .replace(QUOTED_MARK, "\"");
        assert_eq!(
            yaml,
            "at: \"2026-11-28T09:12:00Z\"\n\"on\": \"on\"\nok: P1\nlist:\n- \"2026-12-25\"\n- SVC-0001\n\"n\": 3\n"
        );
        let back: serde_json::Value = yaml_serde::from_str(&yaml).unwrap();
        assert_eq!(back, value);
    }
}
