//! The overlays' usual patch without the environment object's tree: when an object has the
//! shape of the base object it replaces (the same fields, the same array lengths) and differs
//! from it only in scalar values (the instance label, replicas, a tag, a resource), the
//! JSON Patch [`diff`](super::diff) gives is one `replace` per differing scalar, with the new
//! value, in the walk's order. [`changes`] finds those by serialising the object against the
//! base object's tree, without building a tree of it, and says `None` for anything else
//! (a field one has and the other lacks, arrays of different lengths, a value that is an
//! object or an array on one side only, fields out of name order, enum variants), for which
//! the overlay builds the tree and diffs as before.
//!
//! The scalars are compared as [`Tree`] builds them, so "differs" means what it means to the
//! diff; `tests/kustomize_scalars_equal_diff.rs` holds the two equal over the examples and a
//! generated workload.

use super::diff::{self, Step};
use super::tree::{self, Tree};
use json_patch::{Patch, PatchOperation, ReplaceOperation};
use serde::ser::{self, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// The `replace` operations that turn `old` into `new`, where they are all the diff would
/// give; `None` where it would give more.
pub fn changes<T: Serialize + ?Sized>(old: &Tree, new: &T) -> Option<Patch> {
    let mut state = State {
        path: Vec::new(),
        operations: Vec::new(),
        unsorted: false,
    };
    new.serialize(Match {
        expected: old,
        state: &mut state,
    })
    .ok()?;
    // The diff walks fields in name order: where they came in another, so did the operations.
    if state.unsorted {
        state
            .operations
            .sort_by(|(left, _), (right, _)| compare_paths(left, right));
    }
    Some(Patch(
        state
            .operations
            .into_iter()
            .map(|(_, operation)| operation)
            .collect(),
    ))
}

/// The walk's path, the operations found so far with their paths, and whether some fields
/// came out of name order.
struct State<'t> {
    path: Vec<Step<'t>>,
    operations: Vec<(Vec<Step<'t>>, PatchOperation)>,
    unsorted: bool,
}

impl<'t> State<'t> {
    /// Matches `value` against `expected` one step below the current path.
    fn descend<T: Serialize + ?Sized>(
        &mut self,
        step: Step<'t>,
        expected: &'t Tree,
        value: &T,
    ) -> Matched {
        self.path.push(step);
        value.serialize(Match {
            expected,
            state: &mut *self,
        })?;
        self.path.pop();
        Ok(())
    }

    fn replace(&mut self, value: &Tree) {
        let operation = PatchOperation::Replace(ReplaceOperation {
            path: diff::pointer(&self.path),
            value: value.to_json(),
        });
        self.operations.push((self.path.clone(), operation));
    }
}

/// Two paths in the order the diff's walk reaches them: step by step, names by text, indices
/// by number.
fn compare_paths(left: &[Step], right: &[Step]) -> Ordering {
    for (left, right) in left.iter().zip(right) {
        let order = match (left, right) {
            (Step::Key(left), Step::Key(right)) => left.cmp(right),
            (Step::Index(left), Step::Index(right)) => left.cmp(right),
            (Step::Key(_), Step::Index(_)) => Ordering::Less,
            (Step::Index(_), Step::Key(_)) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    left.len().cmp(&right.len())
}

/// Why the walk stopped: the diff would give more than `replace`s of scalars.
#[derive(Debug)]
pub struct Unlike;

impl fmt::Display for Unlike {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("not only scalars differ")
    }
}

impl std::error::Error for Unlike {}

impl ser::Error for Unlike {
    fn custom<T: fmt::Display>(_: T) -> Unlike {
        Unlike
    }
}

type Matched = Result<(), Unlike>;

/// A sequence or struct matches only when as many items or fields came as the tree has.
fn all_came(came: usize, expected: usize) -> Matched {
    if came == expected {
        Ok(())
    } else {
        Err(Unlike)
    }
}

/// Serialises a value against the tree it is expected to have.
struct Match<'t, 's> {
    expected: &'t Tree,
    state: &'s mut State<'t>,
}

impl Match<'_, '_> {
    /// A scalar as the tree builder makes it: equal, or a `replace` where the old value is a
    /// scalar too.
    fn scalar(self, built: Result<Tree, tree::Unsupported>) -> Matched {
        let new = built.map_err(|_| Unlike)?;
        if *self.expected == new {
            return Ok(());
        }
        match self.expected {
            Tree::Object(_) | Tree::Array(_) => Err(Unlike),
            _ => {
                self.state.replace(&new);
                Ok(())
            }
        }
    }
}

impl<'t, 's> Serializer for Match<'t, 's> {
    type Ok = ();
    type Error = Unlike;
    type SerializeSeq = Items<'t, 's>;
    type SerializeTuple = Items<'t, 's>;
    type SerializeTupleStruct = Items<'t, 's>;
    type SerializeTupleVariant = ser::Impossible<(), Unlike>;
    type SerializeMap = Fields<'t, 's>;
    type SerializeStruct = Fields<'t, 's>;
    type SerializeStructVariant = ser::Impossible<(), Unlike>;

    fn serialize_bool(self, value: bool) -> Matched {
        self.scalar(tree::Builder.serialize_bool(value))
    }
    fn serialize_i8(self, value: i8) -> Matched {
        self.scalar(tree::Builder.serialize_i8(value))
    }
    fn serialize_i16(self, value: i16) -> Matched {
        self.scalar(tree::Builder.serialize_i16(value))
    }
    fn serialize_i32(self, value: i32) -> Matched {
        self.scalar(tree::Builder.serialize_i32(value))
    }
    fn serialize_i64(self, value: i64) -> Matched {
        self.scalar(tree::Builder.serialize_i64(value))
    }
    fn serialize_i128(self, value: i128) -> Matched {
        self.scalar(tree::Builder.serialize_i128(value))
    }
    fn serialize_u8(self, value: u8) -> Matched {
        self.scalar(tree::Builder.serialize_u8(value))
    }
    fn serialize_u16(self, value: u16) -> Matched {
        self.scalar(tree::Builder.serialize_u16(value))
    }
    fn serialize_u32(self, value: u32) -> Matched {
        self.scalar(tree::Builder.serialize_u32(value))
    }
    fn serialize_u64(self, value: u64) -> Matched {
        self.scalar(tree::Builder.serialize_u64(value))
    }
    fn serialize_u128(self, value: u128) -> Matched {
        self.scalar(tree::Builder.serialize_u128(value))
    }
    fn serialize_f32(self, value: f32) -> Matched {
        self.scalar(tree::Builder.serialize_f32(value))
    }
    fn serialize_f64(self, value: f64) -> Matched {
        self.scalar(tree::Builder.serialize_f64(value))
    }
    fn serialize_char(self, value: char) -> Matched {
        self.scalar(tree::Builder.serialize_char(value))
    }
    fn serialize_str(self, value: &str) -> Matched {
        // The usual case, equal text, without building the string.
        if self.expected.as_str() == Some(value) {
            return Ok(());
        }
        self.scalar(tree::Builder.serialize_str(value))
    }
    fn serialize_bytes(self, _: &[u8]) -> Matched {
        Err(Unlike)
    }
    fn serialize_none(self) -> Matched {
        self.scalar(tree::Builder.serialize_none())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Matched {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Matched {
        self.scalar(tree::Builder.serialize_unit())
    }
    fn serialize_unit_struct(self, name: &'static str) -> Matched {
        self.scalar(tree::Builder.serialize_unit_struct(name))
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Matched {
        self.scalar(tree::Builder.serialize_unit_variant(name, index, variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Matched {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Matched {
        Err(Unlike)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'t, 's>, Unlike> {
        Items::new(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Items<'t, 's>, Unlike> {
        Items::new(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Items<'t, 's>, Unlike> {
        Items::new(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unlike> {
        Err(Unlike)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'t, 's>, Unlike> {
        Fields::new(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'t, 's>, Unlike> {
        Fields::new(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unlike> {
        Err(Unlike)
    }
}

/// The items of a sequence against the expected array's, one by one; as many of each.
struct Items<'t, 's> {
    expected: &'t [Tree],
    next: usize,
    state: &'s mut State<'t>,
}

impl<'t, 's> Items<'t, 's> {
    fn new(matching: Match<'t, 's>) -> Result<Items<'t, 's>, Unlike> {
        let Tree::Array(expected) = matching.expected else {
            return Err(Unlike);
        };
        Ok(Items {
            expected,
            next: 0,
            state: matching.state,
        })
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Matched {
        let expected = self.expected.get(self.next).ok_or(Unlike)?;
        self.state
            .descend(Step::Index(self.next), expected, value)?;
        self.next += 1;
        Ok(())
    }

    fn finish(self) -> Matched {
        all_came(self.next, self.expected.len())
    }
}

impl ser::SerializeSeq for Items<'_, '_> {
    type Ok = ();
    type Error = Unlike;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Matched {
        self.push(value)
    }
    fn end(self) -> Matched {
        self.finish()
    }
}

impl ser::SerializeTuple for Items<'_, '_> {
    type Ok = ();
    type Error = Unlike;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Matched {
        self.push(value)
    }
    fn end(self) -> Matched {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Items<'_, '_> {
    type Ok = ();
    type Error = Unlike;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Matched {
        self.push(value)
    }
    fn end(self) -> Matched {
        self.finish()
    }
}

/// The fields of a struct or map against the expected object's: the same names, each once,
/// usually in the expected (name) order.
struct Fields<'t, 's> {
    expected: &'t [(tree::Name, Tree)],
    /// How many fields have come.
    next: usize,
    /// Which expected fields have come, once they stop coming in order.
    seen: Option<Vec<bool>>,
    state: &'s mut State<'t>,
}

impl<'t, 's> Fields<'t, 's> {
    fn new(matching: Match<'t, 's>) -> Result<Fields<'t, 's>, Unlike> {
        let Tree::Object(expected) = matching.expected else {
            return Err(Unlike);
        };
        Ok(Fields {
            expected,
            next: 0,
            seen: None,
            state: matching.state,
        })
    }

    /// The expected field named `name`, which has not come before.
    fn field(&mut self, name: &str) -> Result<&'t (tree::Name, Tree), Unlike> {
        let expected: &'t [(tree::Name, Tree)] = self.expected;
        if self.seen.is_none() {
            let in_order = expected.get(self.next).filter(|(expected_name, _)| {
                std::ptr::eq(expected_name.as_ref(), name) || expected_name == name
            });
            if let Some(field) = in_order {
                return Ok(field);
            }
            // Out of order from here: the fields so far were the first ones.
            let mut seen = vec![false; expected.len()];
            seen.iter_mut()
                .take(self.next)
                .for_each(|flag| *flag = true);
            self.seen = Some(seen);
            self.state.unsorted = true;
        }
        let index = expected
            .binary_search_by(|(expected_name, _)| expected_name.as_ref().cmp(name))
            .map_err(|_| Unlike)?;
        let flag = self
            .seen
            .as_mut()
            .and_then(|seen| seen.get_mut(index))
            .ok_or(Unlike)?;
        if *flag {
            return Err(Unlike);
        }
        *flag = true;
        expected.get(index).ok_or(Unlike)
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        field: &'t (tree::Name, Tree),
        value: &T,
    ) -> Matched {
        self.state
            .descend(Step::Key(field.0.as_ref()), &field.1, value)?;
        self.next += 1;
        Ok(())
    }

    fn finish(self) -> Matched {
        all_came(self.next, self.expected.len())
    }
}

impl ser::SerializeStruct for Fields<'_, '_> {
    type Ok = ();
    type Error = Unlike;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Matched {
        let field = self.field(name)?;
        self.value(field, value)
    }
    fn end(self) -> Matched {
        self.finish()
    }
}

impl ser::SerializeMap for Fields<'_, '_> {
    type Ok = ();
    type Error = Unlike;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Matched {
        Err(Unlike)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Matched {
        Err(Unlike)
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Matched {
        let name = tree::key_text(key).map_err(|_| Unlike)?;
        let field = self.field(&name)?;
        self.value(field, value)
    }
    fn end(self) -> Matched {
        self.finish()
    }
}
