//! Issue 22: attachments on tickets — upload streamed and checked, download as a download,
//! tenancy and visibility, limits, idempotent retries, removal and the sweep; on the local file
//! store and on a real S3-compatible server (moto), on both databases.

use domain::Role;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tests::sinks::S3Sink;
use tests::{on_both_backends, test_settings, FormPart, TestApp};

on_both_backends!(
    a_large_upload_comes_back_byte_identical_as_a_download,
    over_the_limit_is_413_and_nothing_is_kept,
    the_content_decides_the_type,
    internal_attachments_never_reach_customers,
    another_companys_attachments_are_not_found,
    removal_keeps_the_record_and_purges_the_content,
    limits_per_ticket_and_per_company_have_their_own_codes,
    an_idempotent_retry_stores_one_object,
    the_sweep_removes_unnamed_content_and_stale_spool_files,
    the_carrier_facades_list_public_attachments_only,
    an_rfo_is_delivered_as_a_file_the_customer_downloads,
    the_carrier_facades_take_files_by_base64_content
);

mod on_s3 {
    #[actix_web::test]
    async fn sqlite() {
        super::the_same_on_an_s3_compatible_store("sqlite").await
    }
    #[actix_web::test]
    async fn postgres() {
        super::the_same_on_an_s3_compatible_store("postgres").await
    }
}

/// Bytes that look like nothing in particular (xorshift), `n` of them.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A libpcap capture (little-endian header, Ethernet) followed by `n` bytes of packets.
fn pcap(n: usize) -> Vec<u8> {
    let mut bytes = vec![
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ];
    bytes.extend(noise(n, 0x9e37_79b9_7f4a_7c15));
    bytes
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A customer's open ticket on SVC-A: (admin, customer A, customer B, ticket).
async fn ticket(app: &TestApp) -> (String, String, String, String) {
    let (admin, a, b) = app.two_tenants().await;
    let t = app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    (admin, a, b, t)
}

fn attachments_of(t: &str) -> String {
    format!("/api/v1/incidents/{t}/attachments")
}

/// The content keys the app's object store holds.
async fn stored_objects(app: &TestApp) -> Vec<String> {
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    app.state()
        .objects
        .written_before("sha256", far)
        .await
        .expect("list the store")
}

fn spool_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(&app.settings.attachments.spool_dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Events of `company` in the outbox, by type.
fn events_of(app: &TestApp, company: &str) -> Vec<(String, Value)> {
    let company = domain::CustomerNumber::parse(company).unwrap();
    app.db
        .read(|conn| persistence::events::list_after(conn, Some(&company), 0, 1000))
        .unwrap()
        .into_iter()
        .map(|e| (e.event_type.as_str().to_owned(), e.payload))
        .collect()
}

async fn a_large_upload_comes_back_byte_identical_as_a_download(app: TestApp) {
    round_trip(&app, 20 * 1024 * 1024).await;
}

/// Uploads `size` bytes of capture as the customer and reads them back every way a client
/// would: whole, by range, conditionally.
async fn round_trip(app: &TestApp, size: usize) {
    let (_, a, _, t) = ticket(app).await;
    let content = pcap(size);
    let created = app
        .upload(
            &attachments_of(&t),
            &a,
            &[
                FormPart::text("description", "Capture at the CPE during the drops"),
                FormPart::file(
                    "../../CPE trace é.pcap",
                    Some("application/octet-stream"),
                    &content,
                ),
            ],
            &[],
        )
        .await
        .expect(201);
    let id = created.body["id"].as_i64().unwrap();
    let body = &created.body;
    assert_eq!(body["sha256"], json!(hex_sha256(&content)));
    assert_eq!(body["size"], json!(content.len()));
    assert_eq!(body["media_type"], "application/vnd.tcpdump.pcap");
    // Path parts are gone; the name is for display.
    assert_eq!(body["name"], "CPE trace é.pcap");
    assert_eq!(body["source"], "customer");
    assert_eq!(body["visibility"], "public");
    let location = created.header("location").unwrap().to_owned();
    assert_eq!(location, format!("{}/{id}", attachments_of(&t)));
    assert_eq!(app.get(&location, &a).await.expect(200).body, *body);

    let url = body["content_url"].as_str().unwrap().to_owned();
    let (status, headers, bytes) = app.download(&url, &a, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(bytes.len(), content.len());
    assert_eq!(hex_sha256(&bytes), hex_sha256(&content), "byte-identical");
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/vnd.tcpdump.pcap");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-security-policy"), "sandbox");
    assert_eq!(header("etag"), format!("\"{}\"", hex_sha256(&content)));
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''CPE%20trace%20%C3%A9.pcap"),
        "{disposition}"
    );

    // A range, an open-ended one, a suffix, and one past the end.
    let (status, headers, part) = app.download(&url, &a, &[("Range", "bytes=100-199")]).await;
    assert_eq!(status, 206);
    assert_eq!(part, content[100..200]);
    assert_eq!(
        headers.get("content-range").unwrap(),
        &format!("bytes 100-199/{}", content.len())
    );
    let (status, _, tail) = app.download(&url, &a, &[("Range", "bytes=-10")]).await;
    assert_eq!(status, 206);
    assert_eq!(tail, content[content.len() - 10..]);
    let past = format!("bytes={}-", content.len() + 5);
    let (status, headers, _) = app.download(&url, &a, &[("Range", &past)]).await;
    assert_eq!(status, 416);
    assert_eq!(
        headers.get("content-range").unwrap(),
        &format!("bytes */{}", content.len())
    );
    // A stale If-Range gets the whole; the current ETag a 304.
    let (status, _, whole) = app
        .download(&url, &a, &[("Range", "bytes=0-9"), ("If-Range", "\"old\"")])
        .await;
    assert_eq!((status.as_u16(), whole.len()), (200, content.len()));
    let etag = format!("\"{}\"", hex_sha256(&content));
    let (status, _, empty) = app.download(&url, &a, &[("If-None-Match", &etag)]).await;
    assert_eq!((status.as_u16(), empty.len()), (304, 0));

    // One object, named by its hash; no spool file left.
    assert_eq!(
        stored_objects(app).await,
        vec![format!("sha256/{}", hex_sha256(&content))]
    );
    assert!(spool_files(app).is_empty(), "{:?}", spool_files(app));
    // The list, the timeline and the event say so — the event without content.
    let list = app.get(&attachments_of(&t), &a).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let timeline = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &a)
        .await
        .expect(200);
    assert!(timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "attachment"
            && e["text"]
                .as_str()
                .unwrap()
                .starts_with("Attached CPE trace é.pcap")));
    let added: Vec<Value> = events_of(app, "OCN-1001")
        .into_iter()
        .filter(|(kind, _)| kind == "incident.attachment_added")
        .map(|(_, payload)| payload)
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["attachment"]["id"], json!(id));
    assert_eq!(
        added[0]["attachment"]["sha256"],
        json!(hex_sha256(&content))
    );
    assert!(added[0].to_string().len() < 2048, "metadata only");
}

async fn over_the_limit_is_413_and_nothing_is_kept(app: TestApp) {
    let mut settings = test_settings();
    settings.attachments.limits.max_bytes = 1024 * 1024;
    let app = app.restart(settings).await;
    let (_, a, _, t) = ticket(&app).await;
    // One byte over: refused on the stream. Far over: refused by its Content-Length at once.
    for size in [1024 * 1024 + 1 - 24, 3 * 1024 * 1024] {
        app.upload(
            &attachments_of(&t),
            &a,
            &[FormPart::file("big.pcap", None, &pcap(size))],
            &[],
        )
        .await
        .expect_problem(413, "attachment_too_large");
    }
    let list = app.get(&attachments_of(&t), &a).await.expect(200);
    assert_eq!(list.body["items"], json!([]));
    assert!(stored_objects(&app).await.is_empty());
    assert!(spool_files(&app).is_empty(), "{:?}", spool_files(&app));
    // Exactly the limit is taken.
    app.upload(
        &attachments_of(&t),
        &a,
        &[FormPart::file("fits.pcap", None, &pcap(1024 * 1024 - 24))],
        &[],
    )
    .await
    .expect(201);
}

/// A 64-byte x86-64 ELF header.
fn elf() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".to_vec();
    bytes.resize(64, 0);
    bytes.extend(noise(4096, 7));
    bytes
}

async fn the_content_decides_the_type(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let url = attachments_of(&t);
    let refused = app
        .upload(
            &url,
            &a,
            &[FormPart::file("trace.pdf", Some("application/pdf"), &elf())],
            &[],
        )
        .await
        .expect_problem(415, "unsupported_attachment_type");
    assert!(refused.body["detail"]
        .as_str()
        .unwrap()
        .contains("x-executable"));
    // A real PDF named .png contradicts its name.
    app.upload(&url, &a, &[FormPart::file("photo.png", None, PDF)], &[])
        .await
        .expect_problem(415, "unsupported_attachment_type");
    // Binary of no known kind, and HTML, are refused.
    app.upload(
        &url,
        &a,
        &[FormPart::file("x.bin", None, &noise(512, 3))],
        &[],
    )
    .await
    .expect_problem(415, "unsupported_attachment_type");
    app.upload(
        &url,
        &a,
        &[FormPart::file(
            "page.txt",
            None,
            b"<html><script>alert(1)</script></html>",
        )],
        &[],
    )
    .await
    .expect_problem(415, "unsupported_attachment_type");
    // What is right is taken: the bytes decide, the name picks the kind of text.
    let pdf = app
        .upload(
            &url,
            &a,
            &[FormPart::file("rfo.pdf", Some("application/pdf"), PDF)],
            &[],
        )
        .await
        .expect(201);
    assert_eq!(pdf.body["media_type"], "application/pdf");
    let csv = app
        .upload(
            &url,
            &a,
            &[FormPart::file(
                "levels.csv",
                Some("text/csv"),
                b"port,rx_dbm\n1,-7.2\n",
            )],
            &[],
        )
        .await
        .expect(201);
    assert_eq!(csv.body["media_type"], "text/csv");
    let (_, headers, _) = app
        .download(csv.body["content_url"].as_str().unwrap(), &a, &[])
        .await;
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    // The form itself: no file, two files, an unknown field, an empty file.
    app.upload(&url, &a, &[FormPart::text("description", "x")], &[])
        .await
        .expect_problem(422, "validation_failed");
    app.upload(
        &url,
        &a,
        &[
            FormPart::file("a.pdf", None, PDF),
            FormPart::file("b.pdf", None, PDF),
        ],
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    app.upload(
        &url,
        &a,
        &[
            FormPart::file("a.pdf", None, PDF),
            FormPart::text("colour", "red"),
        ],
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    app.upload(&url, &a, &[FormPart::file("a.txt", None, b"")], &[])
        .await
        .expect_problem(422, "validation_failed");
    // Not multipart at all.
    app.post(&url, &a, json!({"file": "x"}))
        .await
        .expect_problem(400, "invalid_multipart");
    assert_eq!(stored_objects(&app).await.len(), 2);
}

async fn internal_attachments_never_reach_customers(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let agent = app.token_for(Role::Agent, None);
    let url = attachments_of(&t);
    let internal = app
        .upload(
            &url,
            &agent,
            &[
                FormPart::file("core-router.txt", None, b"show interfaces: internal notes"),
                FormPart::text("visibility", "internal"),
            ],
            &[],
        )
        .await
        .expect(201);
    assert_eq!(internal.body["visibility"], "internal");
    assert_eq!(internal.body["source"], "provider");
    let id = internal.body["id"].as_i64().unwrap();
    // A customer may not send one.
    app.upload(
        &url,
        &a,
        &[
            FormPart::file("x.txt", None, b"x"),
            FormPart::text("visibility", "internal"),
        ],
        &[],
    )
    .await
    .expect_problem(422, "validation_failed");
    // Not in the list, not by id, not its content, not in the timeline, not in the events.
    let list = app.get(&url, &a).await.expect(200);
    assert_eq!(list.body["items"], json!([]));
    app.get(&format!("{url}/{id}"), &a)
        .await
        .expect_problem(404, "not_found");
    let (status, _, _) = app.download(&format!("{url}/{id}/content"), &a, &[]).await;
    assert_eq!(status, 404);
    let timeline = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &a)
        .await
        .expect(200);
    assert!(!timeline.body.to_string().contains("core-router"));
    assert!(!events_of(&app, "OCN-1001")
        .iter()
        .any(|(_, p)| p.to_string().contains("core-router")));
    // The desk sees it everywhere.
    let desk_list = app.get(&url, &agent).await.expect(200);
    assert_eq!(desk_list.body["items"][0]["id"], json!(id));
    let desk_timeline = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &agent)
        .await
        .expect(200);
    assert!(desk_timeline.body.to_string().contains("core-router"));
}

async fn another_companys_attachments_are_not_found(app: TestApp) {
    let (_, a, b, t) = ticket(&app).await;
    let url = attachments_of(&t);
    let mine = app
        .upload(&url, &a, &[FormPart::file("rfo.pdf", None, PDF)], &[])
        .await
        .expect(201);
    let id = mine.body["id"].as_i64().unwrap();
    app.upload(&url, &b, &[FormPart::file("x.pdf", None, PDF)], &[])
        .await
        .expect_problem(404, "not_found");
    app.get(&url, &b).await.expect_problem(404, "not_found");
    app.get(&format!("{url}/{id}"), &b)
        .await
        .expect_problem(404, "not_found");
    let (status, _, bytes) = app.download(&format!("{url}/{id}/content"), &b, &[]).await;
    assert_eq!(status, 404);
    assert!(!String::from_utf8_lossy(&bytes).contains("PDF"));
    app.delete(&format!("{url}/{id}"), &b)
        .await
        .expect_problem(404, "not_found");
    // An attachment id of another ticket is not found on this one.
    let other = app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("{}/{id}", attachments_of(&other)), &a)
        .await
        .expect_problem(404, "not_found");
}

async fn removal_keeps_the_record_and_purges_the_content(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let colleague = app.token_for(Role::CustomerAdmin, Some("OCN-1001"));
    let agent = app.token_for(Role::Agent, None);
    let url = attachments_of(&t);
    let first = app
        .upload(&url, &a, &[FormPart::file("rfo.pdf", None, PDF)], &[])
        .await
        .expect(201);
    let id = first.body["id"].as_i64().unwrap();
    // The same content twice is one object; removing one attachment keeps it for the other.
    let twin = app
        .upload(&url, &agent, &[FormPart::file("copy.pdf", None, PDF)], &[])
        .await
        .expect(201);
    assert_eq!(stored_objects(&app).await.len(), 1);
    // Only whoever added it, or the desk.
    app.delete(&format!("{url}/{id}"), &colleague)
        .await
        .expect_problem(403, "forbidden");
    app.delete(&format!("{url}/{id}"), &a).await.expect(204);
    app.delete(&format!("{url}/{id}"), &a)
        .await
        .expect_problem(404, "not_found");
    let (status, _, _) = app.download(&format!("{url}/{id}/content"), &a, &[]).await;
    assert_eq!(status, 410);
    assert_eq!(
        stored_objects(&app).await.len(),
        1,
        "the twin still names it"
    );
    let record = app.get(&format!("{url}/{id}"), &a).await.expect(200);
    assert!(record.body["removed_at"].is_string());
    assert_eq!(record.body["content_url"], Value::Null);
    let twin_id = twin.body["id"].as_i64().unwrap();
    app.delete(&format!("{url}/{twin_id}"), &agent)
        .await
        .expect(204);
    assert!(stored_objects(&app).await.is_empty(), "purged");
    let timeline = app
        .get(&format!("/api/v1/incidents/{t}/updates"), &a)
        .await
        .expect(200);
    assert!(timeline
        .body
        .to_string()
        .contains("Removed attachment rfo.pdf"));
    // A final ticket takes none and loses none.
    let kept = app
        .upload(&url, &a, &[FormPart::file("kept.csv", None, b"a,b\n")], &[])
        .await
        .expect(201);
    app.transition(
        &agent,
        &t,
        json!({"to": "cancelled", "reason": "Raised in error"}),
    )
    .await
    .expect(200);
    app.upload(&url, &a, &[FormPart::file("late.pdf", None, PDF)], &[])
        .await
        .expect_problem(409, "ticket_final");
    app.delete(&format!("{url}/{}", kept.body["id"]), &a)
        .await
        .expect_problem(409, "ticket_final");
}

async fn limits_per_ticket_and_per_company_have_their_own_codes(app: TestApp) {
    let mut settings = test_settings();
    settings.attachments.limits.per_ticket = 2;
    settings.attachments.limits.per_company_bytes = 10_000;
    let app = app.restart(settings).await;
    let (_, a, _, t) = ticket(&app).await;
    let url = attachments_of(&t);
    for n in 0..2 {
        app.upload(
            &url,
            &a,
            &[FormPart::file(
                &format!("{n}.txt"),
                None,
                format!("note {n}").as_bytes(),
            )],
            &[],
        )
        .await
        .expect(201);
    }
    let full = app
        .upload(&url, &a, &[FormPart::file("2.txt", None, b"note 2")], &[])
        .await
        .expect_problem(409, "attachment_count_limit");
    assert!(full.body["detail"].as_str().unwrap().contains("remove one"));
    let other = app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.upload(
        &attachments_of(&other),
        &a,
        &[FormPart::file("big.pcap", None, &pcap(10_000))],
        &[],
    )
    .await
    .expect_problem(409, "attachment_storage_quota");
    assert_eq!(
        stored_objects(&app).await.len(),
        2,
        "the refused file is not kept"
    );
}

async fn an_idempotent_retry_stores_one_object(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let url = attachments_of(&t);
    let file = [FormPart::file("trace.pcap", None, &pcap(300_000))];
    let first = app
        .upload(&url, &a, &file, &[("Idempotency-Key", "upload-1")])
        .await
        .expect(201);
    // The retry is another multipart body (another boundary) with the same file.
    let retry = app
        .upload(&url, &a, &file, &[("Idempotency-Key", "upload-1")])
        .await
        .expect(201);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(retry.header("location"), first.header("location"));
    let list = app.get(&url, &a).await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(stored_objects(&app).await.len(), 1);
    assert!(spool_files(&app).is_empty());
    // The same key with another file is refused, and stores nothing.
    app.upload(
        &url,
        &a,
        &[FormPart::file("other.pdf", None, PDF)],
        &[("Idempotency-Key", "upload-1")],
    )
    .await
    .expect_problem(422, "idempotency_key_reused");
    assert_eq!(stored_objects(&app).await.len(), 1);
}

async fn the_sweep_removes_unnamed_content_and_stale_spool_files(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let kept = app
        .upload(
            &attachments_of(&t),
            &a,
            &[FormPart::file("rfo.pdf", None, PDF)],
            &[],
        )
        .await
        .expect(201);
    let state = actix_web::web::Data::new(app.state());
    // What a crash between the object's write and the row's commit leaves: content no row names;
    // and what a crash mid-upload leaves: a spool file.
    let dir = tempfile::tempdir().unwrap();
    let orphan_file = dir.path().join("orphan");
    std::fs::write(&orphan_file, b"orphaned content").unwrap();
    let orphan = format!("sha256/{}", hex_sha256(b"orphaned content"));
    state.objects.put_file(&orphan, &orphan_file).await.unwrap();
    std::fs::create_dir_all(&app.settings.attachments.spool_dir).unwrap();
    let spool = app
        .settings
        .attachments
        .spool_dir
        .join("upload-crashed.part");
    std::fs::write(&spool, b"half a capture").unwrap();
    // The sweep judges age by the times the store and the disk keep, so "now" is taken from
    // them: the process clock may be elsewhere (the suite also runs with it a year ahead, when
    // file times stay real). Within the grace period both stay (an upload may still be on its
    // way to its commit).
    let written = state.objects.written_at(&orphan).await.unwrap().unwrap();
    let spooled: chrono::DateTime<chrono::Utc> = std::fs::metadata(&spool)
        .unwrap()
        .modified()
        .unwrap()
        .into();
    let now = written.max(spooled);
    let swept = api::workers::sweep::sweep(&state, now).await.unwrap();
    assert_eq!(swept, api::workers::sweep::Swept::default());
    assert_eq!(stored_objects(&app).await.len(), 2);
    // After it, they go; named content stays. Two instances sweeping at once are no harm.
    let later = now + app.settings.attachments.sweep_grace + chrono::Duration::seconds(5);
    let (one, two) = futures_util::join!(
        api::workers::sweep::sweep(&state, later),
        api::workers::sweep::sweep(&state, later)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    // Each may count the same orphan: the second removal of it is no error.
    assert!(one.objects + two.objects >= 1 && one.objects <= 1 && two.objects <= 1);
    assert!(one.spool_files + two.spool_files >= 1 && !spool.exists());
    assert_eq!(
        stored_objects(&app).await,
        vec![format!("sha256/{}", kept.body["sha256"].as_str().unwrap())]
    );
    let (status, _, bytes) = app
        .download(kept.body["content_url"].as_str().unwrap(), &a, &[])
        .await;
    assert_eq!((status.as_u16(), bytes.as_slice()), (200, PDF));
}

/// The store is swapped for a real S3-compatible server: the same round trip, limit, retry and
/// sweep.
async fn the_same_on_an_s3_compatible_store(backend: &str) {
    let s3 = S3Sink::start();
    let mut settings = test_settings();
    (
        settings.attachments.store,
        settings.attachments.store_options,
    ) = s3.store();
    settings.attachments.limits.max_bytes = 25 * 1024 * 1024;
    let spool = tempfile::tempdir().unwrap();
    settings.attachments.spool_dir = spool.path().to_owned();
    let app = TestApp::on(backend, settings).await;
    round_trip(&app, 20 * 1024 * 1024).await;
    let t = app
        .get("/api/v1/incidents", &app.token_for(Role::Agent, None))
        .await
        .expect(200)
        .body["items"][0]["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app.token_for(Role::CustomerUser, Some("OCN-1001"));
    app.upload(
        &attachments_of(&t),
        &a,
        &[FormPart::file("big.pcap", None, &pcap(25 * 1024 * 1024))],
        &[],
    )
    .await
    .expect_problem(413, "attachment_too_large");
    let file = [FormPart::file("levels.csv", None, b"port,rx_dbm\n1,-7.2\n")];
    let first = app
        .upload(
            &attachments_of(&t),
            &a,
            &file,
            &[("Idempotency-Key", "s3-1")],
        )
        .await
        .expect(201);
    let retry = app
        .upload(
            &attachments_of(&t),
            &a,
            &file,
            &[("Idempotency-Key", "s3-1")],
        )
        .await
        .expect(201);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(
        stored_objects(&app).await.len(),
        2,
        "the capture and the CSV"
    );
    let state = actix_web::web::Data::new(app.state());
    let orphan_file = spool.path().join("orphan-source");
    std::fs::write(&orphan_file, b"orphan on s3").unwrap();
    let orphan = format!("sha256/{}", hex_sha256(b"orphan on s3"));
    state.objects.put_file(&orphan, &orphan_file).await.unwrap();
    std::fs::remove_file(&orphan_file).unwrap();
    let later =
        chrono::Utc::now() + app.settings.attachments.sweep_grace + chrono::Duration::seconds(5);
    let swept = api::workers::sweep::sweep(&state, later).await.unwrap();
    assert_eq!(swept.objects, 1);
    assert_eq!(stored_objects(&app).await.len(), 2);
}

/// TMF621 v4 and v5 list a ticket's public attachments as `attachment` (by `url`, with
/// `mimeType`, `size` and `name`), MEF 124 as `AttachmentValue` (with `source` buyer or seller);
/// each answer is judged by the official document (`TestApp::send`). Internal and removed
/// attachments are in none of them, whoever asks.
async fn the_carrier_facades_list_public_attachments_only(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let agent = app.token_for(Role::Agent, None);
    let url = attachments_of(&t);
    let public = app
        .upload(
            &url,
            &a,
            &[
                FormPart::file("trace.pcap", None, &pcap(2_000)),
                FormPart::text("description", "Capture at the CPE"),
            ],
            &[],
        )
        .await
        .expect(201);
    let from_desk = app
        .upload(&url, &agent, &[FormPart::file("rfo.pdf", None, PDF)], &[])
        .await
        .expect(201);
    app.upload(
        &url,
        &agent,
        &[
            FormPart::file("internal-notes.txt", None, b"desk only"),
            FormPart::text("visibility", "internal"),
        ],
        &[],
    )
    .await
    .expect(201);
    let removed = app
        .upload(
            &url,
            &a,
            &[FormPart::file("wrong.csv", None, b"a,b\n")],
            &[],
        )
        .await
        .expect(201);
    app.delete(&format!("{url}/{}", removed.body["id"]), &a)
        .await
        .expect(204);
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for token in [&a, &agent] {
        let v4 = app
            .get(
                &format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
                token,
            )
            .await
            .expect(200);
        assert_eq!(names(&v4.body["attachment"]), ["trace.pcap", "rfo.pdf"]);
        let first = &v4.body["attachment"][0];
        assert_eq!(first["mimeType"], "application/vnd.tcpdump.pcap");
        assert_eq!(first["size"], json!({"amount": 2024.0, "units": "bytes"}));
        assert_eq!(first["description"], "Capture at the CPE");
        assert_eq!(first["url"], public.body["content_url"]);
        let v5 = app
            .get(
                &format!("/tmf-api/troubleTicket/v5/troubleTicket/{t}"),
                token,
            )
            .await
            .expect(200);
        assert_eq!(names(&v5.body["attachment"]), ["trace.pcap", "rfo.pdf"]);
        assert_eq!(v5.body["attachment"][0]["@type"], "Attachment");
        let mef = app
            .get(
                &format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{t}"),
                token,
            )
            .await
            .expect(200);
        assert_eq!(names(&mef.body["attachment"]), ["trace.pcap", "rfo.pdf"]);
        assert_eq!(mef.body["attachment"][0]["source"], "buyer");
        assert_eq!(mef.body["attachment"][1]["source"], "seller");
        assert_eq!(
            mef.body["attachment"][1]["attachmentId"],
            json!(from_desk.body["id"].as_i64().unwrap().to_string())
        );
        assert_eq!(mef.body["attachment"][0]["size"]["units"], "BYTES");
        assert!(!mef.body.to_string().contains("internal-notes"));
    }
    // A list shows them too; the url reads the content with the same token.
    let listed = app
        .get("/tmf-api/troubleTicket/v4/troubleTicket", &a)
        .await
        .expect(200);
    assert_eq!(
        names(&listed.body[0]["attachment"]),
        ["trace.pcap", "rfo.pdf"]
    );
    let (status, _, bytes) = app
        .download(
            listed.body[0]["attachment"][0]["url"].as_str().unwrap(),
            &a,
            &[],
        )
        .await;
    assert_eq!((status.as_u16(), bytes), (200, pcap(2_000)));
}

/// Scope 3: the desk delivers an RFO as a file through the same storage; the customer downloads
/// it from the request; it cannot be removed after; a link still works as before.
async fn an_rfo_is_delivered_as_a_file_the_customer_downloads(app: TestApp) {
    let (_, a, _, t) = ticket(&app).await;
    let agent = app.token_for(Role::Agent, None);
    let request = app
        .post(
            &format!("/api/v1/incidents/{t}/rfo-requests"),
            &a,
            json!({"note": "For our board"}),
        )
        .await
        .expect(201);
    let id = request.body["id"].as_i64().unwrap();
    let url = attachments_of(&t);
    let rfo = app
        .upload(
            &url,
            &agent,
            &[
                FormPart::file("RFO 1-0000000001.pdf", Some("application/pdf"), PDF),
                FormPart::text("description", "Reason for outage"),
            ],
            &[],
        )
        .await
        .expect(201);
    let internal = app
        .upload(
            &url,
            &agent,
            &[
                FormPart::file("draft.pdf", None, PDF),
                FormPart::text("visibility", "internal"),
            ],
            &[],
        )
        .await
        .expect(201);
    let deliver = format!("/api/v1/document-requests/{id}/deliver");
    // Only a public, kept attachment of this very ticket can be the document.
    let other_ticket = app.raise(&a, "SVC-A", "degraded").await["ticket_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app
        .upload(
            &attachments_of(&other_ticket),
            &agent,
            &[FormPart::file("x.pdf", None, PDF)],
            &[],
        )
        .await
        .expect(201);
    for wrong in [&internal.body["id"], &elsewhere.body["id"], &json!(999_999)] {
        let refused = app
            .post(
                &deliver,
                &agent,
                json!({"document_text": "Summary", "document_attachment_id": wrong}),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "document_attachment_id");
    }
    let delivered = app
        .post(
            &deliver,
            &agent,
            json!({"document_text": "Fibre cut near Slough; restored 12:40 UTC.",
                   "document_attachment_id": rfo.body["id"]}),
        )
        .await
        .expect(200);
    assert_eq!(delivered.body["status"], "delivered");
    // The customer reads the request and downloads the file from it.
    let seen = app
        .get(&format!("/api/v1/document-requests/{id}"), &a)
        .await
        .expect(200);
    assert_eq!(seen.body["document_attachment_id"], rfo.body["id"]);
    let content_url = seen.body["document_content_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_url, rfo.body["content_url"].as_str().unwrap());
    let (status, headers, bytes) = app.download(&content_url, &a, &[]).await;
    assert_eq!((status.as_u16(), bytes.as_slice()), (200, PDF));
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    // The delivered document stays.
    app.delete(&format!("{url}/{}", rfo.body["id"]), &agent)
        .await
        .expect_problem(409, "attachment_delivered");
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// TMF621 v4 and v5 and MEF 124 take files on create and patch by base64 `content`, checked as
/// uploads are; files sent back with their id are left as they are; a create that fails keeps
/// no content.
async fn the_carrier_facades_take_files_by_base64_content(app: TestApp) {
    let (_, a, _, _) = ticket(&app).await;
    let levels = b"port,rx_dbm\n1,-7.2\n".to_vec();
    let reporter = json!([{"id": "alice@acme.example", "name": "Alice Example", "role": "reporter",
        "@referredType": "Individual", "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": "alice@acme.example"}},
            {"mediumType": "phone", "characteristic": {"phoneNumber": "+44 20 7946 0000"}}]}]);
    let v4_create = |service: &str, attachment: Value| {
        json!({"description": "No light since 09:12 UTC", "severity": "Critical", "ticketType": "incident",
            "relatedEntity": [{"id": service, "role": "affectedService", "@referredType": "Service"}],
            "relatedParty": reporter.clone(), "attachment": attachment})
    };
    let created = app
        .post(
            "/tmf-api/troubleTicket/v4/troubleTicket",
            &a,
            v4_create(
                "SVC-A",
                json!([{"name": "levels.csv", "mimeType": "text/csv", "content": b64(&levels),
                        "description": "Light levels"}]),
            ),
        )
        .await
        .expect(201);
    let t = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["attachment"][0]["name"], "levels.csv");
    assert_eq!(created.body["attachment"][0]["mimeType"], "text/csv");
    let first = created.body["attachment"][0].clone();
    let (status, _, bytes) = app.download(first["url"].as_str().unwrap(), &a, &[]).await;
    assert_eq!((status.as_u16(), bytes), (200, levels.clone()));
    // A patch adds a new file; the one sent back with its id stays as it is.
    let patched = app
        .send(
            actix_web::http::Method::PATCH,
            &format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
            Some(&a),
            Some(json!({"attachment": [first, {"name": "rfo.pdf", "content": b64(PDF)}]})),
            &[],
        )
        .await
        .expect(200);
    let names: Vec<&str> = patched.body["attachment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["levels.csv", "rfo.pdf"]);
    // What uploads refuse, the facades refuse, in their own error shape.
    for (attachment, code) in [
        (
            json!([{"name": "trace.pdf", "content": b64(&elf())}]),
            "unsupported_attachment_type",
        ),
        (
            json!([{"name": "x.txt", "content": "not base64 !!"}]),
            "validation_failed",
        ),
        (
            json!([{"name": "link.pdf", "url": "https://example.com/rfo.pdf"}]),
            "validation_failed",
        ),
    ] {
        let refused = app
            .send(
                actix_web::http::Method::PATCH,
                &format!("/tmf-api/troubleTicket/v4/troubleTicket/{t}"),
                Some(&a),
                Some(json!({"attachment": attachment})),
                &[],
            )
            .await;
        assert_eq!(refused.status.as_u16(), 400, "{}", refused.body);
        assert_eq!(refused.body["code"], code, "{}", refused.body);
    }
    assert_eq!(stored_objects(&app).await.len(), 2);
    // A create that fails after its file was stored keeps no content.
    let before = stored_objects(&app).await;
    let failed = app
        .post(
            "/tmf-api/troubleTicket/v4/troubleTicket",
            &a,
            v4_create(
                "SVC-B",
                json!([{"name": "orphan.txt", "content": b64(b"never recorded")}]),
            ),
        )
        .await;
    assert!(failed.status.is_client_error(), "{}", failed.body);
    assert_eq!(stored_objects(&app).await, before);
    // TMF621 v5: an `Attachment` by value.
    let v5 = app
        .post(
            "/tmf-api/troubleTicket/v5/troubleTicket",
            &a,
            json!({"@type": "TroubleTicket", "description": "Packet loss", "severity": "Major",
                "ticketType": "incident",
                "relatedEntity": [{"@type": "RelatedEntity", "role": "affectedService",
                    "entity": {"@type": "EntityRef", "id": "SVC-A", "@referredType": "Service"}}],
                "relatedParty": [{"@type": "RelatedPartyRefOrPartyRoleRef", "role": "reporter",
                    "partyOrPartyRole": {"@type": "PartyRef", "id": "alice@acme.example",
                        "name": "Alice Example", "@referredType": "Individual",
                        "contactMedium": [{"@type": "PhoneContactMedium",
                            "phoneNumber": "+44 20 7946 0000"}]}}],
                "attachment": [{"@type": "Attachment", "name": "trace.txt",
                    "content": b64(b"traceroute to 192.0.2.1")}]}),
        )
        .await;
    assert_eq!(v5.status.as_u16(), 201, "{}", v5.body);
    assert_eq!(v5.body["attachment"][0]["@type"], "Attachment");
    assert_eq!(v5.body["attachment"][0]["mimeType"], "text/plain");
    // MEF 124: an AttachmentValue on create and on patch, the buyer's.
    let mef = app
        .post(
            "/mefApi/sonata/troubleTicket/v4/troubleTicket",
            &a,
            json!({"description": "Circuit down", "severity": "extensive", "priority": "critical",
                "observedImpact": "down", "ticketType": "assistance",
                "relatedEntity": [{"@referredType": "Product", "id": "SVC-A", "role": "affectedProduct"}],
                "relatedContactInformation": [{"emailAddress": "alice@acme.example", "name": "Alice Example",
                    "number": "+44 20 7946 0000", "role": "reporter"}],
                "attachment": [{"name": "photo.png", "mimeType": "image/png",
                    "content": b64(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0")}]}),
        )
        .await;
    assert_eq!(mef.status.as_u16(), 201, "{}", mef.body);
    assert_eq!(mef.body["attachment"][0]["source"], "buyer");
    assert_eq!(mef.body["attachment"][0]["mimeType"], "image/png");
    let mef_id = mef.body["id"].as_str().unwrap().to_owned();
    let kept = mef.body["attachment"][0].clone();
    let mef_patched = app
        .send(
            actix_web::http::Method::PATCH,
            &format!("/mefApi/sonata/troubleTicket/v4/troubleTicket/{mef_id}"),
            Some(&a),
            Some(json!({"attachment": [
                {"attachmentId": kept["attachmentId"], "name": kept["name"]},
                {"name": "levels.csv", "content": b64(&levels)}]})),
            &[("Content-Type", "application/merge-patch+json")],
        )
        .await;
    assert_eq!(mef_patched.status.as_u16(), 200, "{}", mef_patched.body);
    assert_eq!(mef_patched.body["attachment"].as_array().unwrap().len(), 2);
}
