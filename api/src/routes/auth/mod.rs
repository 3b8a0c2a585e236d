//! Sign-in (R-AUTH1): `POST /auth/token` exchanges credentials for a bearer token; `GET /me`
//! tells the caller who it is.

pub mod me;
pub mod password;
pub mod token;
