//! The OpenAPI document (R-API1): metadata, bearer security and shared components. Paths are
//! collected from the handlers registered in `routes`, so none can be forgotten.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    serde_json::from_value(doc).unwrap_or(api)
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
