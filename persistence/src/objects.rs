//! Where attachments' content is kept (issue 22): an object store behind the `object_store`
//! crate's one trait — local files (the embedded default, like SQLite) or an S3-compatible store
//! — chosen by a URL (`ATTACHMENT_STORE`):
//!
//! - `file://data/attachments` (a relative path is relative to the working directory) or
//!   `file:///var/lib/service-assurance/attachments`;
//! - `s3://bucket` or `s3://bucket/prefix`, with the standard AWS variables (`AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and `AWS_ENDPOINT_URL` + `AWS_ALLOW_HTTP` for
//!   an S3-compatible store such as MinIO or Ceph).
//!
//! Keys are content addresses (`sha256/<hex>`), so the same file uploaded twice is one object.
//! Content is only ever written whole: from a finished local spool file, in parts.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::AsyncReadExt;

/// What went wrong with the object store.
#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    #[error("ATTACHMENT_STORE: {0}")]
    Config(String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("spool file: {0}")]
    Io(#[from] std::io::Error),
    #[error("object not found")]
    NotFound,
}

/// The attachments' object store.
#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// Bytes per part when content is written: S3's parts must be at least 5 MiB; local files
    /// take small ones, so a write holds little memory.
    part_size: usize,
    described: String,
}

/// A piece of stored content as read.
pub struct Content {
    /// The whole object's size.
    pub size: u64,
    /// The bytes asked for.
    pub range: Range<u64>,
    pub bytes: BoxStream<'static, Result<Bytes, ObjectsError>>,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

impl Objects {
    /// Opens the store a URL names (see the module's text); a local directory is created.
    pub fn open(url: &str) -> Result<Self, ObjectsError> {
        Self::open_with(url, &[])
    }

    /// [`Objects::open`], with S3 settings given here as well as in the environment (for a
    /// test's own S3-compatible server): `aws_endpoint`, `aws_allow_http`, `aws_region`,
    /// `aws_access_key_id`, `aws_secret_access_key`, ….
    pub fn open_with(url: &str, options: &[(String, String)]) -> Result<Self, ObjectsError> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(ObjectsError::Config("file:// needs a directory".into()));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| ObjectsError::Config(format!("cannot create {dir}: {e}")))?;
            let root = std::fs::canonicalize(dir)
                .map_err(|e| ObjectsError::Config(format!("{dir}: {e}")))?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(&root)
                .map_err(|e| ObjectsError::Config(e.to_string()))?;
            return Ok(Self {
                store: Arc::new(store),
                part_size: 256 * 1024,
                described: format!("file://{}", root.display()),
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(ObjectsError::Config("s3:// needs a bucket".into()));
            }
            let mut builder =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (key, value) in options {
                let key: object_store::aws::AmazonS3ConfigKey = key
                    .parse()
                    .map_err(|e: object_store::Error| ObjectsError::Config(e.to_string()))?;
                builder = builder.with_config(key, value);
            }
            let s3 = builder
                .build()
                .map_err(|e| ObjectsError::Config(e.to_string()))?;
            let prefix = prefix.trim_matches('/');
            let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            };
            return Ok(Self {
                store,
                part_size: 8 * 1024 * 1024,
                described: format!("s3://{bucket}/{prefix}"),
            });
        }
        Err(ObjectsError::Config(format!(
            "{url:?} is neither file://<directory> nor s3://<bucket>"
        )))
    }

    /// Writes a finished local file under `key`, replacing what is there (the same content,
    /// when keys are content addresses). The object appears whole or not at all.
    pub async fn put_file(&self, key: &str, file: &FsPath) -> Result<(), ObjectsError> {
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut source = tokio::fs::File::open(file).await?;
        let mut buffer = vec![0_u8; self.part_size.min(256 * 1024)];
        loop {
            let n = match source.read(&mut buffer).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buffer[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Reads `key`, whole or the bytes of `range` (already checked against the size).
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Content, ObjectsError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = match self.store.get_opts(&Path::from(key), options).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Err(ObjectsError::NotFound),
            Err(e) => return Err(e.into()),
        };
        Ok(Content {
            size: result.meta.size,
            range: result.range.clone(),
            bytes: result.into_stream().map_err(ObjectsError::from).boxed(),
        })
    }

    /// Whether `key` exists.
    pub async fn exists(&self, key: &str) -> Result<bool, ObjectsError> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// When `key` was last written, if it exists.
    pub async fn written_at(&self, key: &str) -> Result<Option<DateTime<Utc>>, ObjectsError> {
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.last_modified)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes `key`; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectsError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The keys under `prefix` last written before `cutoff`.
    pub async fn written_before(
        &self,
        prefix: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<String>, ObjectsError> {
        let mut listed = self.store.list(Some(&Path::from(prefix)));
        let mut keys = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta?;
            if meta.last_modified < cutoff {
                keys.push(meta.location.to_string());
            }
        }
        Ok(keys)
    }
}
