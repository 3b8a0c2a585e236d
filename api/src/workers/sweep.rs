//! The attachment sweep (issue 22): removes what an upload can leave behind when the process
//! dies between two steps —
//!
//! - content in the object store that no kept attachment names (written, then the commit never
//!   came; or a removal whose purge failed), once it is older than the grace period;
//! - spool files on this node's disk that nothing has written to for the grace period (an upload
//!   cut off mid-stream, a `kill -9`).
//!
//! Safe on several instances at once, without a lease: content is removed only when no kept row
//! names it and it was last written before the cutoff — checked again just before the removal,
//! so an upload of the same content meanwhile (which writes it anew) keeps it — and removing
//! something already removed is no error.

use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, Utc};

use crate::state::{read, AppState};

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub objects: usize,
    pub spool_files: usize,
}

/// One sweep, with `now` as the clock.
pub async fn sweep(state: &web::Data<AppState>, now: DateTime<Utc>) -> Result<Swept, String> {
    let cutoff = now - state.settings.attachments.sweep_grace;
    let mut swept = Swept::default();
    let objects = &state.objects;
    let keys = objects
        .written_before("sha256", cutoff)
        .await
        .map_err(|e| e.to_string())?;
    for chunk in keys.chunks(500) {
        let hashes: Vec<String> = chunk
            .iter()
            .filter_map(|k| k.strip_prefix("sha256/").map(str::to_owned))
            .collect();
        let named = {
            let hashes = hashes.clone();
            read(state, move |conn| app::attachments::named(conn, &hashes))
                .await
                .map_err(|e| format!("{e:?}"))?
        };
        for hash in hashes.iter().filter(|h| !named.contains(*h)) {
            let key = domain::attachment::content_key(hash);
            match objects.written_at(&key).await {
                Ok(Some(at)) if at < cutoff => {}
                Ok(_) => continue,
                Err(e) => return Err(e.to_string()),
            }
            objects.delete(&key).await.map_err(|e| e.to_string())?;
            swept.objects += 1;
        }
    }
    swept.spool_files = sweep_spool(&state.settings.attachments.spool_dir, cutoff)
        .await
        .map_err(|e| format!("spool: {e}"))?;
    Ok(swept)
}

/// Removes this node's spool files last written before `cutoff`.
async fn sweep_spool(dir: &std::path::Path, cutoff: DateTime<Utc>) -> std::io::Result<usize> {
    let dir = dir.to_owned();
    web::block(move || {
        let mut removed = 0;
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with("upload-") && name.ends_with(".part")) {
                continue;
            }
            // Between the listing and this look the file may have gone: its upload finished, or
            // another sweep (this node's next run, or a second process on the same disk)
            // removed it first. Gone is what the sweep wants, not an error.
            let written: DateTime<Utc> = match entry.metadata().and_then(|m| m.modified()) {
                Ok(at) => at.into(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if written < cutoff {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(removed)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Sweeps every `background_interval` on a thread of its own until the process ends.
pub fn spawn(state: AppState) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("attachment-sweep".into())
        .spawn(move || {
            let state = web::Data::new(state);
            actix_web::rt::System::new().block_on(async move {
                loop {
                    match sweep(&state, app::now()).await {
                        Ok(s) if s == Swept::default() => {}
                        Ok(s) => log::info!(
                            "attachment sweep: removed {} unnamed objects, {} spool files",
                            s.objects,
                            s.spool_files
                        ),
                        Err(e) => log::warn!("attachment sweep failed: {e}"),
                    }
                    actix_web::rt::time::sleep(
                        state
                            .settings
                            .background_interval
                            .max(Duration::from_secs(1)),
                    )
                    .await;
                }
            })
        })
}
