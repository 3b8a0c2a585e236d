//! Free text carries no control characters (issue 20): none of C0 but tab and line feed (so no
//! bare carriage return), no DEL, no C1 (U+0080–U+009F). They would reach the iCalendar feed,
//! mail and logs as line breaks or terminal escapes. Line breaks are `\n`.
//!
//! The rule and its statement in the contract come from one place. [`mark`] gives every free-text
//! string a request body can carry — a `string` with no `format`, `enum`, `const` or `pattern`
//! of its own, in the body's schema and the components it refers to — the [`PLAIN_TEXT`]
//! pattern. [`BodyRules`] then walks a request body along its operation's schema and checks
//! exactly the strings whose schema carries that pattern; anything the schema does not declare
//! (an unknown property, which serde ignores) is not judged.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// The pattern of free text (ECMA-262 and Python syntax alike).
pub const PLAIN_TEXT: &str = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$";

/// Whether `c` is refused in free text.
pub fn is_refused(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

const COMPONENTS: &str = "#/components/schemas/";

/// Adds [`PLAIN_TEXT`] to every free-text string reachable from a request body of `doc` (an
/// OpenAPI document as JSON).
pub fn mark(doc: &mut Value) {
    fn visit(node: &mut Value, refs: &mut Vec<String>) {
        let Value::Object(map) = node else { return };
        if let Some(Value::String(target)) = map.get("$ref") {
            if let Some(name) = target.strip_prefix(COMPONENTS) {
                refs.push(name.to_owned());
            }
            return;
        }
        let stringy = match map.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
            _ => false,
        };
        let constrained = ["format", "enum", "const", "pattern"]
            .iter()
            .any(|k| map.contains_key(*k));
        if stringy && !constrained {
            map.insert("pattern".into(), Value::String(PLAIN_TEXT.into()));
        }
        if let Some(Value::Object(children)) = map.get_mut("properties") {
            children.values_mut().for_each(|c| visit(c, refs));
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = map.get_mut(key) {
                visit(child, refs);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(children)) = map.get_mut(key) {
                children.iter_mut().for_each(|c| visit(c, refs));
            }
        }
    }
    let mut refs = Vec::new();
    for (_, _, schema) in request_schemas_mut(doc) {
        visit(schema, &mut refs);
    }
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = refs.pop() {
        if done.insert(name.clone()) {
            if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
                visit(schema, &mut refs);
            }
        }
    }
}

/// `(method, path, schema)` of every JSON request body in `doc`.
fn request_schemas_mut(doc: &mut Value) -> Vec<(String, String, &mut Value)> {
    let mut out = Vec::new();
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return out;
    };
    for (path, item) in paths.iter_mut() {
        let Value::Object(item) = item else { continue };
        for (method, op) in item.iter_mut() {
            let Some(Value::Object(content)) = op.pointer_mut("/requestBody/content") else {
                continue;
            };
            for (media, body) in content.iter_mut() {
                if media.contains("json") {
                    if let Some(schema) = body.get_mut("schema") {
                        out.push((method.to_ascii_uppercase(), path.clone(), schema));
                    }
                }
            }
        }
    }
    out
}

/// The rules of this API's own contract (built once, on first use).
pub fn rules() -> &'static BodyRules {
    static RULES: std::sync::OnceLock<BodyRules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        BodyRules::new(serde_json::to_value(crate::openapi()).unwrap_or(Value::Null))
    })
}

/// The request body schemas of a marked contract, by method and route pattern.
pub struct BodyRules {
    by_route: HashMap<(String, String), Value>,
    components: Map<String, Value>,
}

impl BodyRules {
    /// From a contract [`mark`] has been applied to.
    pub fn new(mut doc: Value) -> Self {
        let by_route = request_schemas_mut(&mut doc)
            .into_iter()
            .map(|(method, path, schema)| ((method, path), schema.take()))
            .collect();
        let components = match doc.pointer_mut("/components/schemas") {
            Some(Value::Object(map)) => std::mem::take(map),
            _ => Map::new(),
        };
        Self {
            by_route,
            components,
        }
    }

    /// The first free-text string of `body` (sent to `method` `route`) holding a refused
    /// character: its JSON path and the character.
    pub fn first_refused(&self, method: &str, route: &str, body: &Value) -> Option<(String, char)> {
        let schema = self.by_route.get(&(method.to_owned(), route.to_owned()))?;
        self.walk(schema, body, "", 0)
    }

    fn walk(&self, schema: &Value, value: &Value, path: &str, depth: u8) -> Option<(String, char)> {
        let Value::Object(schema) = schema else {
            return None;
        };
        if depth > 32 {
            return None;
        }
        if let Some(Value::String(target)) = schema.get("$ref") {
            let resolved = self.components.get(target.strip_prefix(COMPONENTS)?)?;
            return self.walk(resolved, value, path, depth + 1);
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(alternatives)) = schema.get(key) {
                for alternative in alternatives {
                    if let Some(found) = self.walk(alternative, value, path, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        let join = |key: &str| field_path(path, key);
        match value {
            Value::String(text) if schema.get("pattern") == Some(&Value::from(PLAIN_TEXT)) => text
                .chars()
                .find(|c| is_refused(*c))
                .map(|c| (path.to_owned(), c)),
            Value::Object(fields) => fields.iter().find_map(|(key, field)| {
                let declared = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.get("additionalProperties"))?;
                self.walk(declared, field, &join(key), depth + 1)
            }),
            Value::Array(items) => {
                let item_schema = schema.get("items")?;
                items.iter().enumerate().find_map(|(i, item)| {
                    self.walk(item_schema, item, &format!("{path}[{i}]"), depth + 1)
                })
            }
            _ => None,
        }
    }
}

/// The path of `key` inside the JSON path `path` (`""` is the top level), as field errors name it.
pub fn field_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether a raw JSON body may hold a refused character: JSON writes C0 characters only as
/// escapes; DEL and C1 characters may also come as they are.
pub fn may_hold_control(body: &[u8]) -> bool {
    body.windows(2).any(|w| {
        (w[0] == b'\\' && matches!(w[1], b'u' | b'b' | b'f' | b'r'))
            || (w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
    }) || body.contains(&0x7F)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract() -> Value {
        let mut doc = json!({
            "paths": {"/things/{id}": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {
                    "name": {"type": "string", "maxLength": 10},
                    "email": {"type": "string", "format": "email"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "owner": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Owner"}]}}},
                "Owner": {"type": "object", "properties": {"note": {"type": ["string", "null"]}}},
                "Unused": {"type": "object", "properties": {"x": {"type": "string"}}}}}
        });
        mark(&mut doc);
        doc
    }

    #[test]
    fn marks_free_text_reachable_from_request_bodies_only() {
        let doc = contract();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Thing"]["properties"]["name"]["pattern"],
            PLAIN_TEXT
        );
        assert_eq!(
            schemas["Thing"]["properties"]["tags"]["items"]["pattern"],
            PLAIN_TEXT
        );
        assert_eq!(
            schemas["Owner"]["properties"]["note"]["pattern"],
            PLAIN_TEXT
        );
        assert!(schemas["Thing"]["properties"]["email"]
            .get("pattern")
            .is_none());
        assert!(schemas["Unused"]["properties"]["x"]
            .get("pattern")
            .is_none());
    }

    #[test]
    fn checks_exactly_the_marked_strings() {
        let rules = BodyRules::new(contract());
        let check = |body: Value| rules.first_refused("POST", "/things/{id}", &body);
        assert_eq!(
            check(json!({"name": "ok\tfine\nstill", "tags": ["a"]})),
            None
        );
        assert_eq!(check(json!({"name": "a\rb"})), Some(("name".into(), '\r')));
        assert_eq!(
            check(json!({"tags": ["ok", "x\u{1b}[2J"]})),
            Some(("tags[1]".into(), '\u{1b}'))
        );
        assert_eq!(
            check(json!({"owner": {"note": "\u{85}"}})),
            Some(("owner.note".into(), '\u{85}'))
        );
        // What the schema does not declare is not judged (serde ignores it).
        assert_eq!(check(json!({"extra\u{2}": "\u{7}", "owner": null})), None);
        assert_eq!(
            rules.first_refused("PUT", "/things/{id}", &json!({"name": "\r"})),
            None
        );
    }

    #[test]
    fn the_byte_scan_lets_no_control_character_through() {
        for c in (0u32..0x20).chain(0x7F..0xA0).filter_map(char::from_u32) {
            if c == '\t' || c == '\n' {
                continue;
            }
            let body = serde_json::to_vec(&json!({ "t": format!("a{c}b") })).unwrap();
            assert!(may_hold_control(&body), "U+{:04X}", u32::from(c));
        }
        assert!(!may_hold_control(
            "{\"t\": \"plain \\\"text\\\" \\\\ with\\nlines\\tand tabs, café\"}".as_bytes()
        ));
    }
}
