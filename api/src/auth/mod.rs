//! Authentication: tokens (R-AUTH1), password and secret hashing (R-AUTH3), the caller
//! extractor, and the `/auth/token` and `/me` endpoints (R-AUTH4).

pub mod caller;
pub mod jwt;
pub mod me;
pub mod password;
pub mod token;

pub use caller::Authenticated;
