//! JSON Patch (RFC 6902) operations that turn one JSON value into another.
//!
//! Objects are compared key by key, so a patch names exactly the fields that differ (one
//! label, one quantity). Arrays of equal length are compared element by element; an array
//! whose length changes is replaced whole, which keeps every operation independent of the
//! others (no index shifts) and the patch easy to read.

use serde::Serialize;
use serde_json::Value;

/// One JSON Patch operation: `add`, `remove` or `replace`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    pub op: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The operations that turn `from` into `to`; empty when they are equal.
pub fn diff(from: &Value, to: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    walk(String::new(), from, to, &mut operations);
    operations
}

fn walk(path: String, from: &Value, to: &Value, operations: &mut Vec<Operation>) {
    if from == to {
        return;
    }
    match (from, to) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                let new_value = new.get(key);
                // Most fields are equal: skip them before building their path.
                if new_value == Some(old_value) {
                    continue;
                }
                let child = format!("{path}/{}", escape(key));
                match new_value {
                    Some(new_value) => walk(child, old_value, new_value, operations),
                    None => operations.push(Operation {
                        op: "remove",
                        path: child,
                        value: None,
                    }),
                }
            }
            for (key, new_value) in new.iter().filter(|(key, _)| !old.contains_key(*key)) {
                operations.push(Operation {
                    op: "add",
                    path: format!("{path}/{}", escape(key)),
                    value: Some(new_value.clone()),
                });
            }
        }
        (Value::Array(old), Value::Array(new)) if old.len() == new.len() => {
            for (index, (old_value, new_value)) in old.iter().zip(new).enumerate() {
                if old_value != new_value {
                    walk(format!("{path}/{index}"), old_value, new_value, operations);
                }
            }
        }
        _ => operations.push(Operation {
            op: "replace",
            path,
            value: Some(to.clone()),
        }),
    }
}

/// Escapes a key as a JSON Pointer segment: `~` is `~0`, `/` is `~1`.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
