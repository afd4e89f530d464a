//! The JSON Patch (RFC 6902) that turns one value into another: the same operations, in the
//! same order, as the `json-patch` crate's `diff` on the same values as `serde_json::Value`s,
//! which this replaces because it built and took apart a pointer string at every step of its
//! walk, and needed both objects as `serde_json` values (see [`Tree`]).
//!
//! The walk keeps the path as a stack of borrowed names and indices and writes a pointer only
//! for an operation. Objects: each field of the new value in name order (recursing where both
//! have it, `add` where only the new one does), then `remove` for each field only the old one
//! has, in name order; both are sorted, so one pass over each finds them. Arrays: index by
//! index, `remove` at the shifted index for each element the new array lacks, `add` for each
//! it has beyond the old one's end. Anything else that differs is a `replace` with the new
//! value.

use super::tree::{Name, Tree};
use json_patch::jsonptr::{PointerBuf, Token};
use json_patch::{AddOperation, Patch, PatchOperation, RemoveOperation, ReplaceOperation};

/// The operations that turn `old` into `new`.
pub fn diff(old: &Tree, new: &Tree) -> Patch {
    let mut walk = Walk {
        path: Vec::new(),
        operations: Vec::new(),
    };
    walk.value(old, new);
    Patch(walk.operations)
}

/// One step of the path from the root.
#[derive(Clone, Copy)]
pub(super) enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

struct Walk<'v> {
    path: Vec<Step<'v>>,
    operations: Vec<PatchOperation>,
}

impl<'v> Walk<'v> {
    fn value(&mut self, old: &'v Tree, new: &'v Tree) {
        match (old, new) {
            (Tree::Object(old), Tree::Object(new)) => self.object(old, new),
            (Tree::Array(old), Tree::Array(new)) => self.array(old, new),
            _ if old == new => {}
            _ => {
                let path = self.pointer();
                self.operations
                    .push(PatchOperation::Replace(ReplaceOperation {
                        path,
                        value: new.to_json(),
                    }));
            }
        }
    }

    fn object(&mut self, old: &'v [(Name, Tree)], new: &'v [(Name, Tree)]) {
        let mut rest = old;
        for (name, new_value) in new {
            self.path.push(Step::Key(name.as_ref()));
            // Usually the next old field has this name; else the old fields before this name
            // are not in the new object.
            if !rest
                .first()
                .is_some_and(|(old_name, _)| same_name(old_name, name))
            {
                let skipped = rest.partition_point(|(old_name, _)| old_name < name);
                rest = rest.get(skipped..).unwrap_or_default();
            }
            match rest.split_first() {
                Some(((old_name, old_value), after)) if same_name(old_name, name) => {
                    self.value(old_value, new_value);
                    rest = after;
                }
                _ => self.add(new_value),
            }
            self.path.pop();
        }
        let mut new_names = new.iter().map(|(name, _)| name).peekable();
        for (name, _) in old {
            while new_names
                .next_if(|new_name| !same_name(new_name, name) && *new_name < name)
                .is_some()
            {}
            if !new_names
                .peek()
                .is_some_and(|new_name| same_name(new_name, name))
            {
                self.path.push(Step::Key(name.as_ref()));
                self.remove();
                self.path.pop();
            }
        }
    }

    fn array(&mut self, old: &'v [Tree], new: &'v [Tree]) {
        let mut shift = 0usize;
        for index in 0..old.len().max(new.len()) {
            self.path.push(Step::Index(index - shift));
            match (old.get(index), new.get(index)) {
                (Some(old_value), Some(new_value)) => self.value(old_value, new_value),
                (Some(_), None) => {
                    shift += 1;
                    self.remove();
                }
                (None, Some(new_value)) => self.add(new_value),
                (None, None) => {}
            }
            self.path.pop();
        }
    }

    fn add(&mut self, value: &Tree) {
        let path = self.pointer();
        self.operations.push(PatchOperation::Add(AddOperation {
            path,
            value: value.to_json(),
        }));
    }

    fn remove(&mut self) {
        let path = self.pointer();
        self.operations
            .push(PatchOperation::Remove(RemoveOperation { path }));
    }

    /// The current path as a JSON Pointer.
    fn pointer(&self) -> PointerBuf {
        pointer(&self.path)
    }
}

/// A path as a JSON Pointer, each key escaped.
pub(super) fn pointer(path: &[Step]) -> PointerBuf {
    PointerBuf::from_tokens(path.iter().map(|step| match step {
        Step::Key(key) => Token::new(*key),
        Step::Index(index) => Token::new(index.to_string()),
    }))
}

/// Whether two field names are the same. Serde hands out one static text per field of a
/// type, so two objects of one type share their names' addresses, which answer first.
fn same_name(left: &str, right: &str) -> bool {
    std::ptr::eq(left, right) || left == right
}

#[cfg(test)]
mod tests {
    use super::Tree;
    use serde_json::json;

    /// Both walks give the same operations, escapes, shifted removals and trailing adds
    /// included.
    #[test]
    fn matches_the_json_patch_crate() {
        let cases = [
            (json!({"a": 1}), json!(null)),
            (
                json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
                       "tags": ["example", "sample"], "content": "same"}),
                json!({"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"],
                       "content": "same", "phoneNumber": "+01"}),
            ),
            (
                json!({"metadata": {"labels": {"app.kubernetes.io/name": "a", "x~y": "1"}},
                       "list": [1, 2, 3, 4], "z": [1]}),
                json!({"metadata": {"labels": {"app.kubernetes.io/name": "b", "w~/v": "2"}},
                       "list": [1], "z": [1, {"k": [2]}, 3]}),
            ),
            (json!([1, [2, 3], {"a": 1}]), json!([1, [2], {"b": 1}, 4])),
            (
                json!({"a": 1, "c": 2, "e": 3, "g": {"h": 1.5}}),
                json!({"b": 1, "c": 2, "f": 3, "g": {"h": 1}, "z": null}),
            ),
            (json!({"a": 1, "b": 2}), json!({})),
            (json!({}), json!({"a": [1], "b": {"c": "d"}})),
        ];
        for (old, new) in cases {
            let ours = super::diff(&Tree::of(&old), &Tree::of(&new));
            assert_eq!(ours, json_patch::diff(&old, &new));
        }
    }
}
