//! The few places where SQL differs between backends, each a small named function.

use diesel::expression::SqlLiteral;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};

use domain::TicketRef;

use crate::db::DbConnection;
use crate::StoreError;

#[derive(QueryableByName)]
struct NextValue {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// Takes the next ticket number from the database, never from process memory, so references
/// stay unique across every instance sharing the database (R-INC2).
///
/// PostgreSQL: a sequence (no row lock held until commit). SQLite: a one-row counter bumped in
/// the caller's `BEGIN IMMEDIATE` transaction, which already serialises writers.
pub fn next_ticket_reference(conn: &mut DbConnection) -> Result<TicketRef, StoreError> {
    let row: NextValue = match conn {
        DbConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT nextval('ticket_number_seq') AS value").get_result(pg)?
        }
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "UPDATE ticket_sequence SET last_value = last_value + 1 WHERE id = 1 \
             RETURNING last_value AS value",
        )
        .get_result(sqlite)?,
    };
    TicketRef::from_number(row.value).map_err(crate::error::corrupt)
}

/// The next ticket number as an expression, for an `INSERT` that numbers the row it stores, so
/// that taking the number costs no statement of its own. PostgreSQL: the sequence. SQLite: the
/// counter plus one, which the trigger `incidents_take_ticket_number` then moves up (in the same
/// statement, under the writer's lock).
pub(crate) fn next_ticket_number(conn: &DbConnection) -> SqlLiteral<BigInt> {
    diesel::dsl::sql(match conn {
        DbConnection::Postgresql(_) => "nextval('ticket_number_seq')",
        DbConnection::Sqlite(_) => "(SELECT last_value + 1 FROM ticket_sequence WHERE id = 1)",
    })
}
