//! `/incidents/{ref}/attachments`: files on a ticket (issue 22) — evidence a customer or the desk
//! sends (traceroutes, light levels, packet captures, photos), and reports.
//!
//! An upload is `multipart/form-data` with one `file` part (and optional `description` and
//! `visibility`). Its bytes are spooled to this node's disk as they arrive — never held whole in
//! memory — while [`Intake`] counts them against `ATTACHMENT_MAX_BYTES`, hashes them and looks at
//! their magic bytes. Only a finished, accepted file is written to the object store, under its
//! SHA-256; then the row that names it commits. A failed commit removes the object again (unless
//! another row names the same content); what a crash leaves between the two is removed by the
//! sweep (`workers::sweep`) after its grace period.
//!
//! Content is only ever served as a download: `Content-Disposition: attachment`,
//! `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`, with a strong `ETag`
//! (the hash) and single byte ranges.

use actix_multipart::{Field, Multipart};
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use app::attachments::{AddAttachment, StoredFile};
use chrono::{DateTime, Utc};
use domain::attachment::{display_name, Attachment, Intake, Refusal, Source};
use domain::{Caller, Visibility};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;

use super::incidents::ticket_from_path;
use crate::http::caller::{gate, Authenticated, Permit};
use crate::http::error::ApiError;
use crate::http::pagination::{PageOf, PageParams};
use crate::state::{read, write, AppState};

/// Room the multipart framing (boundaries, part headers, the small fields) may take beyond the
/// file itself.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;
/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 2000;

/// A file on a ticket.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "ticket_number": "1-0000000042", "name": "trace.pcap",
    "media_type": "application/vnd.tcpdump.pcap", "size": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "description": "Capture at the CPE during the drops", "visibility": "public",
    "source": "customer", "author": "user:6", "created_at": "2026-11-21T09:00:00Z",
    "removed_at": null,
    "content_url": "/api/v1/incidents/1-0000000042/attachments/7/content"}))]
pub struct AttachmentView {
    pub id: i64,
    pub ticket_number: String,
    /// The file name as sent, for display only (no path parts, no control characters, at most
    /// 255 characters).
    pub name: String,
    /// What the content is, decided from its bytes.
    #[schema(schema_with = crate::http::schemas::attachment_media_type)]
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex (also its strong `ETag`).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub description: Option<String>,
    #[schema(schema_with = crate::http::schemas::visibility)]
    pub visibility: Visibility,
    /// Who added it: the `customer` (the buyer) or the `provider` (the seller).
    #[schema(schema_with = crate::http::schemas::attachment_source)]
    pub source: &'static str,
    /// Subject of whoever added it: `user:<id>` or `client:<id>`.
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// When it was removed; its content is gone, and this record stays.
    pub removed_at: Option<DateTime<Utc>>,
    /// Where the content is downloaded; `null` once removed.
    pub content_url: Option<String>,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        let content_url = a.removed_at.is_none().then(|| {
            format!(
                "/api/v1/incidents/{}/attachments/{}/content",
                a.ticket, a.id
            )
        });
        Self {
            id: a.id,
            ticket_number: a.ticket.to_string(),
            name: a.name,
            media_type: a.media_type.as_str().to_owned(),
            size: a.size,
            sha256: a.sha256,
            description: a.description,
            visibility: a.visibility,
            source: match a.source {
                Source::Customer => "customer",
                Source::Provider => "provider",
            },
            author: a.author,
            created_at: a.created_at,
            removed_at: a.removed_at,
            content_url,
        }
    }
}

/// A file's bytes, as downloaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileContent(Vec<u8>);

/// The form of an upload (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// The file: PDF, PNG, JPEG, GIF, plain text, CSV, JSON, pcap/pcapng or ZIP by default
    /// (`ATTACHMENT_ALLOWED_TYPES`), at most `ATTACHMENT_MAX_BYTES` (25 MiB by default). Its type
    /// is decided from its content; a name or part type that contradicts the content is refused.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the file shows.
    #[schema(max_length = 2000)]
    description: Option<String>,
    /// `public` (default) or `internal` (the service desk only; never shown to customers).
    #[schema(schema_with = crate::http::schemas::visibility)]
    visibility: Option<String>,
}

fn refusal(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::TooLarge { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            format!("the file exceeds the {limit}-byte limit; nothing was kept"),
        ),
        Refusal::Empty => ApiError::field("file", "empty_file", "the file is empty"),
        Refusal::UnsupportedType(why) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_attachment_type",
            why,
        ),
    }
}

fn multipart_error(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::bad_request(
        "invalid_multipart",
        format!("malformed multipart body: {e}"),
    )
}

fn storage_error(e: app::objects::ObjectsError) -> ApiError {
    log::error!("attachment store: {e}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        "the attachment store is unreachable; retry shortly",
    )
}

/// An upload as received: the spooled file and what the other parts said.
struct Received {
    spool: tempfile::NamedTempFile,
    intake: Intake,
    name: String,
    declared: Option<String>,
    description: Option<String>,
    visibility: Visibility,
}

/// Reads the rest of a refused upload (up to a bound), so that the client, still sending, gets
/// the answer rather than a reset connection.
async fn drain(form: &mut Multipart, field: Option<Field>, budget: u64) {
    let mut left = budget;
    if let Some(mut field) = field {
        while let Some(Ok(chunk)) = field.next().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
    while let Some(Ok(mut field)) = form.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
}

/// A small text part, read whole (at most 8 KiB).
async fn text_part(field: &mut Field, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 8 * 1024 {
            return Err(ApiError::field(name, "length", "is too long"));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::field(name, "invalid_text", "must be UTF-8"))
}

/// Spools one file part while checking it.
async fn spool_file(
    state: &AppState,
    form: &mut Multipart,
    mut field: Field,
) -> Result<(tempfile::NamedTempFile, Intake, String, Option<String>), ApiError> {
    let limits = &state.ctx.attachments;
    let name = display_name(
        field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or(""),
    );
    let declared = field.content_type().map(|m| m.essence_str().to_owned());
    let spool_dir = state.settings.attachments.spool_dir.clone();
    let spool = web::block(move || {
        std::fs::create_dir_all(&spool_dir)?;
        tempfile::Builder::new()
            .prefix("upload-")
            .suffix(".part")
            .tempfile_in(&spool_dir)
    })
    .await
    .map_err(ApiError::from)?
    .map_err(|e| {
        log::error!("attachment spool: {e}");
        ApiError::internal("cannot spool the upload")
    })?;
    let mut out = tokio::fs::File::from_std(spool.reopen().map_err(|e| {
        log::error!("attachment spool: {e}");
        ApiError::internal("cannot spool the upload")
    })?);
    let mut intake = Intake::new(limits.max_bytes);
    while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
        if let Err(refused) = intake.feed(&chunk) {
            drain(form, Some(field), limits.max_bytes + FRAMING_ALLOWANCE).await;
            return Err(refusal(refused));
        }
        tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
            .await
            .map_err(|e| {
                log::error!("attachment spool: {e}");
                ApiError::internal("cannot spool the upload")
            })?;
    }
    tokio::io::AsyncWriteExt::flush(&mut out)
        .await
        .map_err(|e| {
            log::error!("attachment spool: {e}");
            ApiError::internal("cannot spool the upload")
        })?;
    Ok((spool, intake, name, declared))
}

/// Reads the form: exactly one `file` part, optional `description` and `visibility`.
async fn receive(state: &AppState, mut form: Multipart) -> Result<Received, ApiError> {
    let mut file = None;
    let mut description = None;
    let mut visibility = Visibility::Public;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" if file.is_some() => {
                return Err(ApiError::field(
                    "file",
                    "one_file",
                    "send one file per request",
                ))
            }
            "file" => file = Some(spool_file(state, &mut form, field).await?),
            "description" => {
                let text = text_part(&mut field, "description").await?;
                let text = text.trim();
                if text.chars().count() > DESCRIPTION_MAX {
                    return Err(ApiError::field(
                        "description",
                        "length",
                        format!("length must be at most {DESCRIPTION_MAX}"),
                    ));
                }
                if let Some(c) = text
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
                {
                    return Err(ApiError::field(
                        "description",
                        "control_character",
                        format!(
                            "must not contain control characters (found U+{:04X}); only tab and \
                             line feed (\\n) are allowed",
                            u32::from(c)
                        ),
                    ));
                }
                description = (!text.is_empty()).then(|| text.to_owned());
            }
            "visibility" => {
                let text = text_part(&mut field, "visibility").await?;
                visibility = Visibility::parse(text.trim()).map_err(|_| {
                    ApiError::field("visibility", "invalid_value", "must be public or internal")
                })?;
            }
            other => {
                return Err(ApiError::field(
                    if other.is_empty() { "body" } else { other },
                    "unknown_field",
                    format!("unknown form field {other:?}; expected file, description, visibility"),
                ))
            }
        }
    }
    let (spool, intake, name, declared) =
        file.ok_or_else(|| ApiError::field("file", "required", "a file part is required"))?;
    Ok(Received {
        spool,
        intake,
        name,
        declared,
        description,
        visibility,
    })
}

/// The `Idempotency-Key` of an upload, claimed once the file is known: the same key with the
/// same file, name, description and visibility is the same request, whatever multipart
/// boundary the retry uses.
struct UploadKey {
    key_hash: String,
}

/// Add a file to an incident.
///
/// `multipart/form-data` with one `file` part, and optional `description` and `visibility`
/// (`internal`: the service desk only). The content's type is decided from its bytes and must be
/// an accepted one that agrees with the file's name; executables are never taken. Customers
/// attach to their own company's open tickets. Each attachment is a timeline entry; a public one
/// is also the `incident.attachment_added` event (metadata, never content). `Idempotency-Key`
/// works here: a retry with the same key and file gets the first answer and stores nothing
/// twice.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The attachment as stored.", body = AttachmentView,
            headers(("Location" = String, description = "The attachment's URL"))),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 404, response = crate::http::error::NotFound),
        (status = 409, response = crate::http::error::AttachmentConflict),
        (status = 413, response = crate::http::error::AttachmentTooLarge),
        (status = 415, response = crate::http::error::UnsupportedAttachment),
        (status = 422, response = crate::http::error::Unprocessable),
    )
)]
#[post("/incidents/{ref}/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let caller: Caller = caller.0;
    let limits = state.ctx.attachments.clone();
    // What can be refused before a byte is read is refused first: the ticket, the caller, room.
    {
        let (caller, ctx) = (caller.clone(), state.ctx.clone());
        read(&state, move |conn| {
            app::attachments::check_can_attach(conn, &caller, ticket, Visibility::Public, &ctx)
        })
        .await?;
    }
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > limits.max_bytes + FRAMING_ALLOWANCE) {
        return Err(refusal(Refusal::TooLarge {
            limit: limits.max_bytes,
        }));
    }
    let key = idempotency_key(&req)?;
    let form = Multipart::new(req.headers(), payload);
    let received = receive(&state, form).await?;
    let accepted = received
        .intake
        .clone()
        .finish(
            &received.name,
            received.declared.as_deref(),
            &limits.allowed,
        )
        .map_err(refusal)?;
    let claimed = match key {
        Some(key) => {
            let fingerprint = crate::http::middleware::idempotency::sha256_hex(&[
                accepted.sha256.as_bytes(),
                received.name.as_bytes(),
                received.description.as_deref().unwrap_or("").as_bytes(),
                received.visibility.as_str().as_bytes(),
            ]);
            let key_hash = crate::http::middleware::idempotency::sha256_hex(&[
                caller.subject.as_bytes(),
                req.path().as_bytes(),
                key.as_bytes(),
            ]);
            if let Some(answer) = claim(&state, &key_hash, &fingerprint).await? {
                return Ok(answer);
            }
            Some(UploadKey { key_hash })
        }
        None => None,
    };
    let answer = store_and_record(&state, &caller, ticket, received, accepted).await;
    if let Some(key) = claimed {
        remember(&state, &key, &answer).await;
    }
    let view = answer?;
    Ok(created(&view))
}

fn created(view: &AttachmentView) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/incidents/{}/attachments/{}",
                view.ticket_number, view.id
            ),
        ))
        .json(view)
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(crate::http::idempotent::HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-255 printable ASCII characters",
        )),
    }
}

/// Claims an upload's key: `Some(answer)` when the request must not run (a replay, a reuse
/// with another file, a first request still running).
async fn claim(
    state: &web::Data<AppState>,
    key_hash: &str,
    fingerprint: &str,
) -> Result<Option<HttpResponse>, ApiError> {
    use app::idempotency::Claim;
    let (key_hash, fingerprint) = (key_hash.to_owned(), fingerprint.to_owned());
    let claim = write(state, move |conn, ctx, now| {
        app::idempotency::claim(conn, &key_hash, &fingerprint, ctx, now)
    })
    .await?;
    match claim {
        Claim::Proceed => Ok(None),
        Claim::Mismatch => Err(ApiError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different file or form",
        )),
        Claim::InProgress => Err(ApiError::conflict(
            "idempotency_in_progress",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )),
        Claim::Replay(stored) => Ok(Some(crate::http::middleware::idempotency::replayed(stored))),
    }
}

/// Keeps the first answer under its key, or releases the key after a failure.
async fn remember(
    state: &web::Data<AppState>,
    key: &UploadKey,
    answer: &Result<AttachmentView, ApiError>,
) {
    let key_hash = key.key_hash.clone();
    let stored = answer
        .as_ref()
        .ok()
        .map(|view| app::idempotency::StoredResponse {
            status: 201,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "location".into(),
                    format!(
                        "/api/v1/incidents/{}/attachments/{}",
                        view.ticket_number, view.id
                    ),
                ),
            ],
            body: serde_json::to_string(view).unwrap_or_default(),
        });
    let saved = write(state, move |conn, _, _| match &stored {
        Some(stored) => app::idempotency::complete(conn, &key_hash, stored),
        None => app::idempotency::release(conn, &key_hash),
    })
    .await;
    if saved.is_err() {
        log::error!("could not keep an upload's idempotent answer; a retry will run again");
    }
}

/// Writes the accepted content to the object store, then commits its row. A failed commit
/// removes the object unless a kept row names the same content.
async fn store_and_record(
    state: &web::Data<AppState>,
    caller: &Caller,
    ticket: domain::TicketRef,
    received: Received,
    accepted: domain::attachment::Received,
) -> Result<AttachmentView, ApiError> {
    let key = domain::attachment::content_key(&accepted.sha256);
    let objects = &state.objects;
    objects
        .put_file(&key, received.spool.path())
        .await
        .map_err(storage_error)?;
    let cmd = AddAttachment {
        ticket,
        file: StoredFile {
            name: received.name,
            media_type: accepted.media_type,
            size: accepted.size,
            sha256: accepted.sha256.clone(),
            description: received.description,
        },
        visibility: received.visibility,
    };
    let by = caller.clone();
    let recorded = write(state, move |conn, ctx, now| {
        app::attachments::add(conn, &by, cmd, ctx, now)
    })
    .await;
    match recorded {
        Ok(attachment) => {
            // The content must still be there: a removal of the same content by someone else
            // may have purged it between the write above and the commit.
            match objects.exists(&key).await {
                Ok(true) => {}
                Ok(false) => objects
                    .put_file(&key, received.spool.path())
                    .await
                    .map_err(storage_error)?,
                Err(e) => log::warn!("could not check stored content {key}: {e}"),
            }
            Ok(attachment.into())
        }
        Err(err) => {
            forget(state, vec![accepted.sha256]).await;
            Err(err)
        }
    }
}

/// List an incident's attachments.
///
/// Oldest first. Customers see public attachments only. Removed attachments stay listed with
/// `removed_at` set and no `content_url`.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        PageParams,
    ),
    responses(
        (status = 200, description = "A page of attachments.", body = PageOf<AttachmentView>),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[get("/incidents/{ref}/attachments")]
pub async fn list_attachments(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let ticket = ticket_from_path(&path)?;
    let (limit, cursor) = page.resolve()?;
    let page = read(&state, move |conn| {
        app::attachments::list(conn, &caller, ticket, cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, AttachmentView::from)))
}

fn attachment_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found("attachment"))
}

/// Get an attachment's record.
///
/// Its metadata: name, type, size, hash, who added it and when, and where its content is
/// downloaded. Customers see public attachments of their own company's tickets only.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("id" = i64, Path, description = "Attachment id", minimum = 1, example = 7),
    ),
    responses(
        (status = 200, description = "The attachment.", body = AttachmentView),
        (status = 404, response = crate::http::error::NotFound),
    )
)]
#[get("/incidents/{ref}/attachments/{id}")]
pub async fn get_attachment(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ticket, id) = (ticket_from_path(&path.0)?, attachment_id(&path.1)?);
    let attachment = read(&state, move |conn| {
        app::attachments::get(conn, &caller, ticket, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AttachmentView::from(attachment)))
}

/// The byte range a `Range` header asks for within `size` bytes: `Ok(None)` for the whole
/// (no header, several ranges, or a form we do not serve), `Err(())` when unsatisfiable.
fn requested_range(req: &HttpRequest, size: u64, etag: &str) -> Result<Option<(u64, u64)>, ()> {
    let Some(range) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    // `If-Range` with another validator: the client's copy is stale, send the whole.
    if let Some(if_range) = req.headers().get(header::IF_RANGE) {
        if if_range.to_str().ok() != Some(etag) {
            return Ok(None);
        }
    }
    let Ok(header::Range::Bytes(specs)) = range.parse::<header::Range>() else {
        return Ok(None);
    };
    let [spec] = specs.as_slice() else {
        return Ok(None);
    };
    match spec.to_satisfiable_range(size) {
        Some((start, end)) => Ok(Some((start, end))),
        None => Err(()),
    }
}

/// Download an attachment's content.
///
/// Always as a download (`Content-Disposition: attachment`), never rendered inline: the answer
/// carries `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`. The
/// `ETag` is the content's SHA-256 (`If-None-Match` → 304); one byte range may be asked for
/// (`Range: bytes=…` → 206, `If-Range` honoured). A removed attachment's content is gone: 410.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("id" = i64, Path, description = "Attachment id", minimum = 1, example = 7),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`", example = "bytes=0-1023"),
    ),
    responses(
        (status = 200, description = "The content, typed as decided from its bytes (`media_type`; text types with `charset=utf-8`).",
            content_type = "*/*", body = FileContent,
            headers(
                ("ETag" = String, description = "The content's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "`attachment; filename=…; filename*=UTF-8''…`"),
            )),
        (status = 206, description = "The bytes of the range asked for.",
            content_type = "*/*", body = FileContent,
            headers(
                ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`"),
                ("ETag" = String, description = "The content's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "`attachment; filename=…; filename*=UTF-8''…`"),
            )),
        (status = 304, description = "`If-None-Match` matched: the client's copy is current.",
            headers(("ETag" = String, description = "The content's SHA-256, quoted"))),
        (status = 404, response = crate::http::error::NotFound),
        (status = 410, response = crate::http::error::AttachmentGone),
        (status = 416, response = crate::http::error::RangeNotSatisfiable),
    )
)]
#[get("/incidents/{ref}/attachments/{id}/content")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (ticket, id) = (ticket_from_path(&path.0)?, attachment_id(&path.1)?);
    let attachment = read(&state, move |conn| {
        app::attachments::get(conn, &caller, ticket, id)
    })
    .await?;
    if attachment.removed_at.is_some() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "attachment_removed",
            "this attachment was removed; its content is gone",
        ));
    }
    let etag = format!("\"{}\"", attachment.sha256);
    let matches_etag = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches_etag {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let range = match requested_range(&req, attachment.size, &etag) {
        Ok(range) => range,
        Err(()) => {
            return Err(ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the content has {} bytes", attachment.size),
            )
            .with_header(
                header::CONTENT_RANGE,
                format!("bytes */{}", attachment.size),
            ))
        }
    };
    let content = state
        .objects
        .get(&attachment.content_key(), range.map(|(a, b)| a..b + 1))
        .await
        .map_err(|e| match e {
            app::objects::ObjectsError::NotFound => {
                log::error!(
                    "attachment {} names content {} that the store does not hold",
                    attachment.id,
                    attachment.sha256
                );
                ApiError::internal("the attachment's content is missing")
            }
            other => storage_error(other),
        })?;
    let mut response = match range {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{}", content.size),
            ));
            r
        }
        None => HttpResponse::Ok(),
    };
    let media_type = attachment.media_type.as_str();
    let content_type = if media_type.starts_with("text/") || media_type == "application/json" {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_owned()
    };
    let length = content.range.end - content.range.start;
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(content_disposition(&attachment.name))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .no_chunking(length);
    Ok(response.streaming(content.bytes.map_err(|e| {
        log::error!("attachment content read failed mid-stream: {e}");
        actix_web::error::ErrorInternalServerError("attachment content unreadable")
    })))
}

/// `attachment; filename="<ASCII stand-in>"; filename*=UTF-8''<the name, percent-encoded>`.
fn content_disposition(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// Remove an attachment.
///
/// By whoever added it, or by the service desk, while the ticket is open. The record stays
/// (with `removed_at`) and the timeline says it was removed; the content is purged.
#[utoipa::path(
    tag = "incidents",
    security(("bearer" = [])),
    params(
        ("ref" = String, Path, description = "Ticket reference, either form", example = "1-0000000042"),
        ("id" = i64, Path, description = "Attachment id", minimum = 1, example = 7),
    ),
    responses(
        (status = 204, description = "Removed; its content is purged."),
        (status = 403, response = crate::http::error::Forbidden),
        (status = 404, response = crate::http::error::NotFound),
        (status = 409, response = crate::http::error::Conflict),
    )
)]
#[delete("/incidents/{ref}/attachments/{id}")]
pub async fn remove_attachment(
    state: web::Data<AppState>,
    caller: Permit<gate::FollowIncident>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ticket, id) = (ticket_from_path(&path.0)?, attachment_id(&path.1)?);
    let by = caller.0;
    let removed = write(&state, move |conn, ctx, now| {
        app::attachments::remove(conn, &by, ticket, id, ctx, now)
    })
    .await?;
    if !removed.content_still_named {
        let key = removed.attachment.content_key();
        if let Err(e) = state.objects.delete(&key).await {
            log::warn!("could not purge removed content {key} (the sweep will): {e}");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A file a carrier facade's create or patch carries inline: base64 `content` (bounded by the
/// JSON body limit), a name, and what the sender says it is.
#[derive(Debug, Clone)]
pub struct InlineFile {
    pub name: String,
    pub mime_type: Option<String>,
    pub content: String,
    pub description: Option<String>,
}

/// What a facade's attachment input says of a new file (one that does not name an attachment
/// already on the ticket); its content may be missing.
pub struct NewInline {
    pub name: String,
    pub mime_type: Option<String>,
    pub content: Option<String>,
    pub description: Option<String>,
}

impl InlineFile {
    /// The new files among a facade's attachment inputs, in order: `new_file` reads an input as
    /// a new file, or `None` for one naming an attachment already there. A new file without
    /// content is 422 on `attachment[i].content` (a link alone is not fetched).
    pub fn new_ones<T>(
        items: Option<Vec<T>>,
        new_file: impl Fn(T) -> Option<NewInline>,
    ) -> Result<Vec<InlineFile>, ApiError> {
        items
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| new_file(item).map(|file| (i, file)))
            .map(|(i, file)| {
                let content = file.content.ok_or_else(|| {
                    ApiError::field(
                        &format!("attachment[{i}].content"),
                        "required",
                        "a new attachment carries its content (base64); links are not fetched",
                    )
                })?;
                Ok(InlineFile {
                    name: file.name,
                    mime_type: file.mime_type,
                    content,
                    description: file.description,
                })
            })
            .collect()
    }
}

/// Decodes, checks and stores inline files as an upload would (the same limits, types and
/// content-addressed keys); their rows are written by the caller's use case. A refusal names the
/// file by `field` and its index (`attachment[0].content`).
pub async fn store_inline(
    state: &web::Data<AppState>,
    field: &str,
    files: Vec<InlineFile>,
) -> Result<Vec<StoredFile>, ApiError> {
    use base64::Engine as _;
    let limits = state.ctx.attachments.clone();
    let mut stored = Vec::with_capacity(files.len());
    for (i, file) in files.into_iter().enumerate() {
        let content = format!("{field}[{i}].content");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(file.content.trim())
            .map_err(|_| ApiError::field(&content, "invalid_base64", "must be base64"))?;
        let name = display_name(&file.name);
        let mut intake = Intake::new(limits.max_bytes);
        intake.feed(&bytes).map_err(refusal)?;
        let accepted = intake
            .finish(&name, file.mime_type.as_deref(), &limits.allowed)
            .map_err(refusal)?;
        let spool_dir = state.settings.attachments.spool_dir.clone();
        let spool = web::block(move || -> std::io::Result<tempfile::NamedTempFile> {
            std::fs::create_dir_all(&spool_dir)?;
            let mut spool = tempfile::Builder::new()
                .prefix("upload-")
                .suffix(".part")
                .tempfile_in(&spool_dir)?;
            std::io::Write::write_all(&mut spool, &bytes)?;
            Ok(spool)
        })
        .await
        .map_err(ApiError::from)?
        .map_err(|e| {
            log::error!("attachment spool: {e}");
            ApiError::internal("cannot spool the attachment")
        })?;
        let key = domain::attachment::content_key(&accepted.sha256);
        state
            .objects
            .put_file(&key, spool.path())
            .await
            .map_err(storage_error)?;
        stored.push(StoredFile {
            name,
            media_type: accepted.media_type,
            size: accepted.size,
            sha256: accepted.sha256,
            description: file
                .description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
        });
    }
    Ok(stored)
}

/// After the use case that was to record these contents (by SHA-256) failed: removes those no
/// kept attachment names (what is left, the sweep removes).
pub async fn forget(state: &web::Data<AppState>, hashes: Vec<String>) {
    if hashes.is_empty() {
        return;
    }
    let lookup = hashes.clone();
    let Ok(named) = read(state, move |conn| app::attachments::named(conn, &lookup)).await else {
        return;
    };
    for hash in hashes.iter().filter(|h| !named.contains(*h)) {
        let key = domain::attachment::content_key(hash);
        if let Err(e) = state.objects.delete(&key).await {
            log::warn!("could not remove unrecorded content {key} (the sweep will): {e}");
        }
    }
}
