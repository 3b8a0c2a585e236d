//! The JSON body extractor of every operation: `web::Json`, after the checks the body layer
//! (`middleware::nul`) made on the raw bytes.
//!
//! The layer sees the body before routing and authentication, but its verdict must not come
//! first: an unauthenticated request is 401, an unknown path 404 and a caller without the role
//! 403, whatever its body holds (RFC 9110 leaves the order to us; ours is authentication, then
//! routing and role, then the body). So the layer only records what is wrong with the body
//! ([`BodyRefusal`]) and this extractor, which handlers list after their caller, answers it.

use std::ops::{Deref, DerefMut};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;

/// What the body layer found wrong with a request's body, answered when a handler reads it.
pub struct BodyRefusal(pub ApiError);

/// JSON Schema's `integer` is any number with a zero fractional part (`30.0` is one, 2020-12
/// §6.1.1 and the OpenAPI 3.1 data types); serde's integers refuse `30.0`. Such numbers are
/// therefore read as the integers they are, before the body is typed.
pub fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                // Within ±2^53 an f64 holds every integer exactly.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

/// For a handler that reads its body itself: what the body layer refused, answered now.
pub fn refused(req: &HttpRequest) -> Result<(), ApiError> {
    match req.extensions_mut().remove::<BodyRefusal>() {
        Some(BodyRefusal(err)) => Err(err),
        None => Ok(()),
    }
}

/// A JSON request body of type `T` (see the module documentation).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Err(err) = refused(req) {
            return Box::pin(async move { Err(err.into()) });
        }
        // Content type, size and syntax are checked as for any JSON body (`JsonConfig`).
        let body = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            integral_numbers_as_integers(&mut value);
            serde_json::from_value(value).map(Json).map_err(|e| {
                ApiError::unprocessable(
                    "invalid_body",
                    format!("the body does not match the expected schema: {e}"),
                )
                .into()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::integral_numbers_as_integers;
    use serde_json::json;

    #[test]
    fn integral_numbers_become_integers_and_others_stay() {
        let mut v = json!({"a": 30.0, "b": [1.5, -2.0, 1e2], "c": "30.0", "d": 7, "e": -0.0});
        integral_numbers_as_integers(&mut v);
        assert_eq!(
            v,
            json!({"a": 30, "b": [1.5, -2, 100], "c": "30.0", "d": 7, "e": 0})
        );
        assert!(v["a"].is_i64());
        let mut huge = json!(1e300);
        integral_numbers_as_integers(&mut huge);
        assert!(huge.is_f64());
    }
}
