//! An object as the tree of values the overlay compares: what `serde_json::to_value` gives,
//! at a fraction of its cost. Field names stay borrowed (`&'static str`, as serde hands them),
//! and an object's fields are a vector sorted by name, the order a `serde_json::Map` iterates
//! in, instead of a B-tree of owned names. [`Tree::to_json`] turns a part of it into a
//! `serde_json::Value` (what a patch operation carries); the tests below hold the two equal.

use serde::ser::{self, Serialize};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt;

/// A field or map key.
pub type Name = Cow<'static, str>;

#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Tree>),
    /// Sorted by name, each name once.
    Object(Vec<(Name, Tree)>),
}

impl Tree {
    /// The tree of a serialisable value; `Null` where `serde_json::to_value` fails.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Tree {
        value.serialize(Builder).unwrap_or(Tree::Null)
    }

    /// The same value as a `serde_json::Value`.
    pub fn to_json(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(flag) => Value::Bool(*flag),
            Tree::Number(number) => Value::Number(number.clone()),
            Tree::String(text) => Value::String(text.clone()),
            Tree::Array(items) => Value::Array(items.iter().map(Tree::to_json).collect()),
            Tree::Object(fields) => {
                let map: Map<String, Value> = fields
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_json()))
                    .collect();
                Value::Object(map)
            }
        }
    }

    /// The value of field `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Tree> {
        let Tree::Object(fields) = self else {
            return None;
        };
        let found = fields.binary_search_by(|(field, _)| field.as_ref().cmp(name));
        found
            .ok()
            .and_then(|index| fields.get(index))
            .map(|(_, value)| value)
    }

    /// The value of field `name` of an object, to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Tree> {
        let Tree::Object(fields) = self else {
            return None;
        };
        let found = fields.binary_search_by(|(field, _)| field.as_ref().cmp(name));
        found
            .ok()
            .and_then(|index| fields.get_mut(index))
            .map(|(_, value)| value)
    }

    /// Sets field `name` of an object (nothing for another value).
    pub fn insert(&mut self, name: &'static str, value: Tree) {
        let Tree::Object(fields) = self else {
            return;
        };
        match fields.binary_search_by(|(field, _)| field.as_ref().cmp(name)) {
            Ok(index) => {
                if let Some(field) = fields.get_mut(index) {
                    field.1 = value;
                }
            }
            Err(index) => fields.insert(index, (Cow::Borrowed(name), value)),
        }
    }

    /// Removes field `name` of an object, giving its value (nothing for another value).
    pub fn remove(&mut self, name: &str) -> Option<Tree> {
        let Tree::Object(fields) = self else {
            return None;
        };
        let found = fields.binary_search_by(|(field, _)| field.as_ref().cmp(name));
        found.ok().map(|index| fields.remove(index).1)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Tree::String(text) => Some(text),
            _ => None,
        }
    }
}

/// An object's fields as serde hands them, sorted by name; of a name given twice, the last.
/// Most types write their fields in name order already, which costs one look.
fn object(mut fields: Vec<(Name, Tree)>) -> Tree {
    let sorted = fields
        .iter()
        .zip(fields.iter().skip(1))
        .all(|(earlier, later)| earlier.0 < later.0);
    if !sorted {
        fields.sort_by(|left, right| left.0.cmp(&right.0));
        // `dedup_by` keeps the earlier of two equal names: move the later one into its place.
        fields.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
    }
    Tree::Object(fields)
}

/// Why a value has no tree (serde_json would fail on it too).
#[derive(Debug)]
pub struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(message: T) -> Unsupported {
        Unsupported(message.to_string())
    }
}

type Built = Result<Tree, Unsupported>;

/// Builds a [`Tree`] the way `serde_json`'s value serializer builds a `Value`.
pub(super) struct Builder;

impl ser::Serializer for Builder {
    type Ok = Tree;
    type Error = Unsupported;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Fields;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    fn serialize_bool(self, value: bool) -> Built {
        Ok(Tree::Bool(value))
    }
    fn serialize_i8(self, value: i8) -> Built {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i16(self, value: i16) -> Built {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i32(self, value: i32) -> Built {
        self.serialize_i64(i64::from(value))
    }
    fn serialize_i64(self, value: i64) -> Built {
        Ok(Tree::Number(value.into()))
    }
    fn serialize_i128(self, value: i128) -> Built {
        if let Ok(value) = u64::try_from(value) {
            Ok(Tree::Number(value.into()))
        } else if let Ok(value) = i64::try_from(value) {
            Ok(Tree::Number(value.into()))
        } else {
            Err(Unsupported("number out of range".to_string()))
        }
    }
    fn serialize_u8(self, value: u8) -> Built {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u16(self, value: u16) -> Built {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u32(self, value: u32) -> Built {
        self.serialize_u64(u64::from(value))
    }
    fn serialize_u64(self, value: u64) -> Built {
        Ok(Tree::Number(value.into()))
    }
    fn serialize_u128(self, value: u128) -> Built {
        u64::try_from(value)
            .map(|value| Tree::Number(value.into()))
            .map_err(|_| Unsupported("number out of range".to_string()))
    }
    fn serialize_f32(self, value: f32) -> Built {
        Ok(from_json(Value::from(value)))
    }
    fn serialize_f64(self, value: f64) -> Built {
        Ok(from_json(Value::from(value)))
    }
    fn serialize_char(self, value: char) -> Built {
        Ok(Tree::String(value.to_string()))
    }
    fn serialize_str(self, value: &str) -> Built {
        Ok(Tree::String(value.to_owned()))
    }
    fn serialize_bytes(self, value: &[u8]) -> Built {
        let items = value.iter().map(|&byte| Tree::Number(byte.into()));
        Ok(Tree::Array(items.collect()))
    }
    fn serialize_none(self) -> Built {
        Ok(Tree::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Built {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Built {
        Ok(Tree::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Built {
        Ok(Tree::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Built {
        Ok(Tree::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Built {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Built {
        Ok(object(vec![(
            Cow::Borrowed(variant),
            value.serialize(Builder)?,
        )]))
    }
    fn serialize_seq(self, length: Option<usize>) -> Result<Items, Unsupported> {
        Ok(Items::new(None, length.unwrap_or(0)))
    }
    fn serialize_tuple(self, length: usize) -> Result<Items, Unsupported> {
        Ok(Items::new(None, length))
    }
    fn serialize_tuple_struct(self, _: &'static str, length: usize) -> Result<Items, Unsupported> {
        Ok(Items::new(None, length))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        length: usize,
    ) -> Result<Items, Unsupported> {
        Ok(Items::new(Some(variant), length))
    }
    fn serialize_map(self, length: Option<usize>) -> Result<Fields, Unsupported> {
        Ok(Fields::new(None, length.unwrap_or(0)))
    }
    fn serialize_struct(self, _: &'static str, length: usize) -> Result<Fields, Unsupported> {
        Ok(Fields::new(None, length))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        length: usize,
    ) -> Result<Fields, Unsupported> {
        Ok(Fields::new(Some(variant), length))
    }
}

/// A float as serde_json stores it (a number, or null when not finite).
fn from_json(value: Value) -> Tree {
    match value {
        Value::Number(number) => Tree::Number(number),
        _ => Tree::Null,
    }
}

/// The items of a sequence, a tuple, or a tuple variant (`variant`).
pub(super) struct Items {
    variant: Option<&'static str>,
    items: Vec<Tree>,
}

impl Items {
    fn new(variant: Option<&'static str>, length: usize) -> Items {
        Items {
            variant,
            items: Vec::with_capacity(length),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.items.push(value.serialize(Builder)?);
        Ok(())
    }

    fn finish(self) -> Built {
        let array = Tree::Array(self.items);
        Ok(match self.variant {
            Some(variant) => object(vec![(Cow::Borrowed(variant), array)]),
            None => array,
        })
    }
}

impl ser::SerializeSeq for Items {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeTuple for Items {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Items {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

/// The fields of a map, a struct, or a struct variant (`variant`).
pub(super) struct Fields {
    variant: Option<&'static str>,
    fields: Vec<(Name, Tree)>,
    next_key: Option<Name>,
}

impl Fields {
    fn new(variant: Option<&'static str>, length: usize) -> Fields {
        Fields {
            variant,
            fields: Vec::with_capacity(length),
            next_key: None,
        }
    }

    fn finish(self) -> Built {
        let fields = object(self.fields);
        Ok(match self.variant {
            Some(variant) => object(vec![(Cow::Borrowed(variant), fields)]),
            None => fields,
        })
    }
}

impl ser::SerializeMap for Fields {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.next_key = Some(Cow::Owned(key_text(key)?));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let key = self
            .next_key
            .take()
            .ok_or_else(|| Unsupported("a map value without a key".to_string()))?;
        self.fields.push((key, value.serialize(Builder)?));
        Ok(())
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.fields
            .push((Cow::Borrowed(name), value.serialize(Builder)?));
        Ok(())
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Fields {
    type Ok = Tree;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        ser::SerializeStruct::serialize_field(self, name, value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

/// A map key as text, the way serde_json writes one: strings and what reads as one (numbers,
/// booleans, characters, unit variants); anything else fails, as there.
pub(super) fn key_text<T: Serialize + ?Sized>(key: &T) -> Result<String, Unsupported> {
    match key.serialize(Builder)? {
        Tree::String(text) => Ok(text),
        Tree::Bool(flag) => Ok(flag.to_string()),
        Tree::Number(number) if !number.is_f64() => Ok(number.to_string()),
        _ => Err(Unsupported("key must be a string".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::Tree;
    use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
    use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn same<T: Serialize>(value: &T) {
        assert_eq!(
            Tree::of(value).to_json(),
            serde_json::to_value(value).unwrap()
        );
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { b: bool, a: Option<f64> },
    }

    #[derive(Serialize)]
    struct Fields {
        zeta: i64,
        alpha: Vec<Shape>,
        #[serde(rename = "mid")]
        middle: BTreeMap<u16, char>,
        nothing: (),
        float: f32,
        nan: f64,
    }

    #[test]
    fn builds_what_serde_json_builds() {
        same(&json!({"b": [1, -2, 3.5, null, true, "x"], "a": {"z": {}, "y": []}}));
        same(&Fields {
            zeta: -4,
            alpha: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-1, "t".to_string()),
                Shape::Struct {
                    b: true,
                    a: Some(0.5),
                },
                Shape::Struct { b: false, a: None },
            ],
            middle: BTreeMap::from([(2, 'b'), (10, 'a')]),
            nothing: (),
            float: 1.5,
            nan: f64::NAN,
        });
        let labels = BTreeMap::from([("app.kubernetes.io/name".to_string(), "web".to_string())]);
        same(&Deployment {
            metadata: ObjectMeta {
                name: Some("web".to_string()),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            spec: DeploymentSpec {
                replicas: Some(3),
                template: PodTemplateSpec {
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: "web".to_string(),
                            image: Some("ghcr.io/acme/web:1".to_string()),
                            ..Container::default()
                        }],
                        ..PodSpec::default()
                    }),
                    ..PodTemplateSpec::default()
                },
                ..DeploymentSpec::default()
            },
            ..Deployment::default()
        });
        same(&vec![
            IntOrString::Int(8080),
            IntOrString::String("http".to_string()),
        ]);
    }

    /// A struct that writes a name twice keeps the last value, as a `serde_json::Map` does.
    struct Twice;

    impl Serialize for Twice {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut fields = serializer.serialize_struct("Twice", 4)?;
            fields.serialize_field("b", &1)?;
            fields.serialize_field("a", &2)?;
            fields.serialize_field("b", &3)?;
            fields.serialize_field("c", &4)?;
            fields.end()
        }
    }

    #[test]
    fn keeps_the_last_of_a_name_given_twice() {
        same(&Twice);
        assert_eq!(Tree::of(&Twice).to_json(), json!({"a": 2, "b": 3, "c": 4}));
    }

    #[test]
    fn finds_and_sets_fields_in_name_order() {
        let mut tree = Tree::of(&json!({"b": 1, "d": {"x": "y"}}));
        assert_eq!(
            tree.get("d")
                .and_then(|d| d.get("x"))
                .and_then(Tree::as_str),
            Some("y")
        );
        tree.insert("c", Tree::Bool(true));
        tree.insert("b", Tree::Null);
        assert_eq!(
            tree.to_json(),
            json!({"b": null, "c": true, "d": {"x": "y"}})
        );
        assert_eq!(
            tree,
            Tree::of(&json!({"d": {"x": "y"}, "c": true, "b": null}))
        );
    }
}
