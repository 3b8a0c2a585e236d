//! Answers as tables (issue 23): CSV (RFC 4180: comma separated, fields with a comma, quote or
//! line break quoted, quotes doubled, CRLF between records; UTF-8 with a header row) or NDJSON
//! (one JSON object per line), chosen by the `Accept` header.
//!
//! A CSV cell that a spreadsheet would run as a formula — text starting with `=`, `+`, `-`, `@`,
//! a tab or a carriage return — is neutralised ([`text`]): a leading `'` makes the spreadsheet show
//! it as text. Only free text goes through [`text`]; numbers and times are written as they are.

use std::borrow::Cow;

use actix_web::http::header::{self, Accept, Header, QualityItem};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::HttpRequest;

use crate::http::error::ApiError;

/// `Content-Type` of a CSV answer.
pub const CSV: &str = "text/csv; charset=utf-8";
/// `Content-Type` of an NDJSON answer.
pub const NDJSON: &str = "application/x-ndjson";

/// The two forms of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// The form `Accept` asks for, best first: `text/csv` (also `text/*` and `*/*`, and no or an
    /// unreadable header) or `application/x-ndjson` (also `application/ndjson`); a header
    /// allowing neither is 406.
    pub fn negotiate(req: &HttpRequest) -> Result<Format, ApiError> {
        let Some(ranked) = preferences(req) else {
            return Ok(Format::Csv);
        };
        for m in ranked {
            match (m.type_().as_str(), m.subtype().as_str()) {
                ("text", "csv") | ("text", "*") | ("*", "*") => return Ok(Format::Csv),
                ("application", "x-ndjson") | ("application", "ndjson") => {
                    return Ok(Format::Ndjson)
                }
                _ => {}
            }
        }
        Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "this answer is served as text/csv or application/x-ndjson; ask for one in Accept",
        ))
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => CSV,
            Format::Ndjson => NDJSON,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// The media types `Accept` allows, best first (of equal quality, in the order the client wrote
/// them); `None` without a header or with one that cannot be read.
fn preferences(req: &HttpRequest) -> Option<Vec<actix_web::mime::Mime>> {
    if !req.headers().contains_key(header::ACCEPT) {
        return None;
    }
    let accept = Accept::parse(req).ok()?;
    let mut ranked: Vec<&QualityItem<actix_web::mime::Mime>> = accept
        .iter()
        .filter(|q| q.quality > header::q(0.0))
        .collect();
    ranked.sort_by_key(|q| std::cmp::Reverse(q.quality));
    Some(ranked.into_iter().map(|q| q.item.clone()).collect())
}

/// Whether a report (JSON by default) is asked for as CSV: `text/csv` or `text/*` ranked above
/// `application/json`; JSON for no or an unreadable header, `*/*`, `application/json` or
/// `application/*`; a header allowing neither is 406.
pub fn wants_csv(req: &HttpRequest) -> Result<bool, ApiError> {
    let Some(ranked) = preferences(req) else {
        return Ok(false);
    };
    for m in ranked {
        match (m.type_().as_str(), m.subtype().as_str()) {
            ("text", "csv") | ("text", "*") => return Ok(true),
            ("application", "json") | ("application", "*") | ("*", "*") => return Ok(false),
            _ => {}
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        "this report is served as application/json or text/csv; ask for one in Accept",
    ))
}

/// A free-text cell as a spreadsheet may open it safely: one starting with `=`, `+`, `-`, `@`,
/// tab or carriage return gets a leading `'` (OWASP's advice on CSV injection), so it shows as
/// the text it is and runs nothing.
pub fn text(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Records as CSV bytes, each ended by CRLF. Cells are written as given: pass free text through
/// [`text`] first.
pub fn csv_records<R, C>(records: impl IntoIterator<Item = R>) -> Result<Bytes, ApiError>
where
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(record).map_err(ApiError::internal)?;
    }
    let bytes = writer.into_inner().map_err(ApiError::internal)?;
    Ok(Bytes::from(bytes))
}

/// Values as NDJSON bytes: each a line of JSON ended by `\n`.
pub fn ndjson_lines<T: serde::Serialize>(
    values: impl IntoIterator<Item = T>,
) -> Result<Bytes, ApiError> {
    let mut out = Vec::new();
    for value in values {
        serde_json::to_writer(&mut out, &value).map_err(ApiError::internal)?;
        out.push(b'\n');
    }
    Ok(Bytes::from(out))
}

/// `attachment; filename="<stem>-<UTC stamp>.<ext>"`: the name a browser saves the table under.
pub fn disposition(stem: &str, at: chrono::DateTime<chrono::Utc>, format: Format) -> String {
    format!(
        "attachment; filename=\"{stem}-{}.{}\"",
        at.format("%Y%m%dT%H%M%SZ"),
        format.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn negotiated(accept: Option<&str>) -> Result<Format, u16> {
        let mut req = TestRequest::get();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT, a));
        }
        Format::negotiate(&req.to_http_request())
            .map_err(|e| actix_web::ResponseError::status_code(&e).as_u16())
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(text(formula), format!("'{formula}"));
        }
        for plain in ["Circuit down", "", "1-0000000042", " =not first", "'quoted"] {
            assert_eq!(text(plain), plain);
        }
    }

    #[test]
    fn records_are_rfc_4180() {
        let bytes =
            csv_records([vec!["a", "b,c", "say \"hi\""], vec!["line\nbreak", "", "é"]]).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",,é\r\n"
        );
    }

    #[test]
    fn accept_chooses_the_form() {
        assert_eq!(negotiated(None), Ok(Format::Csv));
        assert_eq!(negotiated(Some("*/*")), Ok(Format::Csv));
        assert_eq!(negotiated(Some("text/csv")), Ok(Format::Csv));
        assert_eq!(negotiated(Some("application/x-ndjson")), Ok(Format::Ndjson));
        assert_eq!(
            negotiated(Some("text/csv;q=0.5, application/x-ndjson")),
            Ok(Format::Ndjson)
        );
        // A browser's: text/html first, then anything.
        assert_eq!(
            negotiated(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Ok(Format::Csv)
        );
        assert_eq!(negotiated(Some("application/json")), Err(406));
        assert_eq!(negotiated(Some("text/csv;q=0")), Err(406));
    }
}
