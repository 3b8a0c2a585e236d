//! `pinned-spec <official document> <output.json>`: the official document with OpenAPI's
//! discriminators made explicit for a JSON-Schema validator ([`tests::specs::pin_discriminators`]),
//! written as JSON. The contract gate gives it to schemathesis, which validates responses as plain
//! JSON Schema: without this, a `oneOf` whose branches accept the same objects (TMF621 v5's
//! `PartyRefOrPartyRoleRef`) refuses every answer, TM Forum's own examples included. The one
//! reasoned change besides is [`tests::specs::relax`] (MEF 124's `TroubleTicket_Find`); nothing
//! else of the document changes.

use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        eprintln!("usage: pinned-spec <official document> <output.json>");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let mut doc: Value = if input.ends_with(".json") {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{input}: {e}"))
    } else {
        yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{input}: {e}"))
    };
    let (schemas, prefix) = if doc.get("openapi").is_some() {
        (
            doc.pointer_mut("/components/schemas"),
            "#/components/schemas/",
        )
    } else {
        (doc.pointer_mut("/definitions"), "#/definitions/")
    };
    if let Some(schemas) = schemas {
        tests::specs::pin_discriminators(schemas, prefix);
    }
    tests::specs::relax(input, &mut doc);
    let json = serde_json::to_string_pretty(&doc).expect("a JSON document");
    std::fs::write(output, json).unwrap_or_else(|e| panic!("{output}: {e}"));
}
