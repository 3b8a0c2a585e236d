//! Keyset (cursor) pagination: a page never skips or repeats rows when rows are added meanwhile,
//! and its cost does not grow with the page's depth.

use chrono::{DateTime, Utc};

/// Position after the last row of a page: its sort time and its id (the tie-breaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    /// Opaque text form handed to clients as `next_cursor`.
    pub fn encode(&self) -> String {
        format!("{:x}.{:x}", self.at.timestamp_micros(), self.id)
    }

    /// Parses the form [`Cursor::encode`] produces — `^[0-9a-f]{1,13}\.[0-9a-f]{1,15}$`, the
    /// pattern the contract publishes (13 hex digits of microseconds reach 2112) — and nothing else.
    pub fn decode(text: &str) -> Option<Cursor> {
        let (micros, id) = text.split_once('.')?;
        let hex = |part: &str, max: usize| {
            (!part.is_empty()
                && part.len() <= max
                && part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| i64::from_str_radix(part, 16).ok())
            .flatten()
        };
        let at = DateTime::<Utc>::from_timestamp_micros(hex(micros, 13)?)?;
        Some(Cursor {
            at,
            id: hex(id, 15)?,
        })
    }
}

/// One page of results and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only proves there is more.
    pub(crate) fn from_overfetch(
        mut rows: Vec<T>,
        limit: usize,
        key: impl Fn(&T) -> Cursor,
    ) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// The page with each item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            at: DateTime::<Utc>::from_timestamp_micros(1_780_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
    }

    #[test]
    fn garbage_cursors_are_rejected() {
        for bad in [
            "",
            ".",
            "zz.1",
            "1.zz",
            "1",
            "1.-1",
            "+1.1",
            "1.+1",
            "A.1",
            "1.1 ",
            "ffffffffffffff.1",
            "1.ffffffffffffffff",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_cursor_the_published_pattern_allows_is_accepted() {
        for good in [
            "0.0",
            "1.0",
            "fffffffffffff.fffffffffffffff",
            "646a8b2c1d0e0.2a",
        ] {
            assert!(Cursor::decode(good).is_some(), "{good}");
        }
    }

    #[test]
    fn overfetch_sets_cursor_only_when_more_rows_exist() {
        let key = |i: &i64| Cursor {
            at: DateTime::<Utc>::from_timestamp_micros(0).unwrap(),
            id: *i,
        };
        let p = Page::from_overfetch(vec![1, 2, 3], 2, key);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next_cursor.map(|c| c.id), Some(2));
        let p = Page::from_overfetch(vec![1, 2], 2, key);
        assert_eq!(p.next_cursor, None);
    }
}
