//! Cursor pagination parameters shared by every list endpoint (R-API5).

use app::{Cursor, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;

pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;

/// `limit` and `cursor` query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 29, pattern = r"^[0-9a-f]{1,13}\.[0-9a-f]{1,15}$")]
    pub cursor: Option<String>,
}

impl PageParams {
    /// Validated page size and decoded cursor; out-of-range or forged values are 422.
    pub fn resolve(&self) -> Result<(usize, Option<Cursor>), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "range",
                format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let cursor = match self.cursor.as_deref() {
            None => None,
            Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
                ApiError::field("cursor", "invalid", "not a cursor returned by this API")
            })?),
        };
        Ok((limit, cursor))
    }
}

/// A page of items; `next_cursor` is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null when there is none.
    #[schema(example = "646a8b2c1d0e0.2a")]
    pub next_cursor: Option<String>,
}

impl<T> PageOf<T> {
    pub fn from_page<U>(page: Page<U>, map: impl FnMut(U) -> T) -> Self {
        PageOf {
            items: page.items.into_iter().map(map).collect(),
            next_cursor: page.next_cursor.map(|c| c.encode()),
        }
    }
}
