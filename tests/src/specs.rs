//! The partner standards' own documents (`tests/specs/`, copied unmodified from TM Forum and MEF),
//! used as the judge of what the facades answer: every response body of a facade that a test
//! receives through [`crate::TestApp::send`] is validated against the response schema the
//! official document gives for that operation and status, with a JSON-Schema validator; so is
//! every notification a listener receives ([`Spec::assert_valid`]). No schema is copied by hand.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

/// One official API document.
pub struct Spec {
    name: &'static str,
    doc: Value,
    /// Where its operations live on this server.
    base: &'static str,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

/// TM Forum TMF621 Trouble Ticket v4.0.0 (Swagger 2.0).
pub fn tmf621_v4() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        Spec::load(
            "TMF621-TroubleTicket-v4.0.0.swagger.json",
            "/tmf-api/troubleTicket/v4",
        )
    })
}

/// The official document whose operations are served under `path`, if any.
pub fn for_path(path: &str) -> Option<&'static Spec> {
    let path = path.split('?').next().unwrap_or(path);
    [tmf621_v4()].into_iter().find(|spec| {
        path.strip_prefix(spec.base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

impl Spec {
    fn load(file: &'static str, base: &'static str) -> Spec {
        let path = format!("{}/specs/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        Spec {
            name: file,
            doc,
            base,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// A validator of `schema` (a schema of this document, which may `$ref` its definitions).
    fn validator(&self, key: &str, schema: &Value) -> std::sync::Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(key.to_owned())
            .or_insert_with(|| {
                // Swagger 2.0 schemas are JSON Schema draft 4 (with `$ref`s into `definitions`).
                let mut root = schema.clone();
                if let Value::Object(map) = &mut root {
                    map.insert("definitions".into(), self.doc["definitions"].clone());
                }
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("{}: schema {key}: {e}", self.name));
                std::sync::Arc::new(validator)
            })
            .clone()
    }

    /// What is wrong with `value` as the document's definition `name` (empty: nothing).
    pub fn errors(&self, name: &str, value: &Value) -> Vec<String> {
        assert!(
            self.doc["definitions"].get(name).is_some(),
            "{} defines no {name}",
            self.name
        );
        let schema = json!({"$ref": format!("#/definitions/{name}")});
        self.validator(name, &schema)
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// Asserts that `value` is a valid `name` of this document.
    #[track_caller]
    pub fn assert_valid(&self, name: &str, value: &Value) {
        let errors = self.errors(name, value);
        assert!(
            errors.is_empty(),
            "not a valid {name} of {}: {errors:?}\n{value:#}",
            self.name
        );
    }

    /// The document's operation for `method` on the server path `path` (its path template and
    /// operation object).
    fn operation(&self, method: &str, path: &str) -> Option<(String, &Value)> {
        let path = path.split('?').next().unwrap_or(path);
        let rest = path.strip_prefix(self.base)?;
        let segments: Vec<&str> = rest.split('/').collect();
        self.doc["paths"]
            .as_object()?
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
            })
            .and_then(|(template, item)| {
                item.get(method.to_ascii_lowercase())
                    .map(|op| (template.clone(), op))
            })
    }

    /// What is wrong with a response of this server to `method path` (status and body) by the
    /// document: a status it does not declare, or a body its schema refuses.
    pub fn response_errors(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let Some((template, op)) = self.operation(method, path) else {
            // A method the document does not define on a path: an error, in its shape.
            if status >= 400 {
                return self.errors("Error", body);
            }
            return vec![format!("{} has no operation {method} {path}", self.name)];
        };
        let responses = &op["responses"];
        let Some(response) = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))
        else {
            return vec![format!(
                "{method} {template}: status {status} is not declared by {}",
                self.name
            )];
        };
        match response.get("schema") {
            None if body.is_null() => Vec::new(),
            None => vec![format!(
                "{method} {template} {status}: a body where the document has none"
            )],
            Some(schema) => {
                let key = format!("{method} {template} {status}");
                self.validator(&key, schema)
                    .iter_errors(body)
                    .map(|e| format!("{key}: {e} at {}", e.instance_path()))
                    .collect()
            }
        }
    }
}
