//! HTTP plumbing every route uses: problem+json errors (and the facades' dialects of them), ETags, pagination, the caller
//! extractors, tokens, schema helpers, the free-text rule, tables (CSV and NDJSON), and the layers (`middleware`).

pub mod caller;
pub mod client_address;
pub mod dialect;
pub mod error;
pub mod etag;
pub mod idempotent;
pub mod json;
pub mod jwt;
pub mod mef_error;
pub mod middleware;
pub mod pagination;
pub mod plain_text;
pub mod schemas;
pub mod tabular;
pub mod validation;
