//! A serde serialiser that writes block YAML straight into a `String`, byte for byte as
//! serde_yaml 0.9 writes it (followed by the YAML 1.1 quoting of [`super`]), for the shapes
//! Slipway's documents have: mappings, sequences, strings, integers, booleans and nulls.
//!
//! Layout, as libyaml lays it out: two spaces per mapping level; a sequence that is a mapping
//! value is not indented (`key:` then `- item` at the key's column); a mapping or sequence in
//! a sequence starts on the dash's line (`- key: v`, `- - v`); empty ones are `{}` and `[]`;
//! a document ends with a line break. Scalar styles are decided in [`super::style`].
//!
//! Anything outside that subset (floats, chars, bytes, enum variants, which serde_yaml writes
//! as tags, strings that need double quotes or block style, long keys, a scalar document)
//! stops the writer with [`Unsupported`], and the caller writes the document with serde_yaml
//! instead; so the fast path is an optimisation, never a second definition of the format.

use super::style::{self, Style};
use serde::ser::{self, Serialize};
use std::fmt::{self, Display};

/// The document has something the fast writer leaves to serde_yaml.
#[derive(Debug)]
pub struct Unsupported;

impl Display for Unsupported {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("not handled by the fast YAML writer")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: Display>(_message: T) -> Self {
        Unsupported
    }
}

/// libyaml writes a longer key as a complex key (`? key`).
const MAX_SIMPLE_KEY: usize = 128;

/// Appends one document to `out`. On `Err`, `out` holds a partial document that the caller
/// must cut off.
pub(crate) fn write_document<T: Serialize + ?Sized>(
    out: &mut String,
    document: &T,
) -> Result<(), Unsupported> {
    document.serialize(Node {
        out,
        place: Place::Root,
    })?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}

/// Where a node is written.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// The document itself.
    Root,
    /// The value of a mapping entry whose key starts at column `key_column`. `quote_yaml11`
    /// is false when the key was quoted: the YAML 1.1 pass leaves such lines alone.
    Value {
        key_column: usize,
        quote_yaml11: bool,
    },
    /// An item of a sequence whose dashes are at column `dash_column`.
    Item { dash_column: usize },
}

impl Place {
    /// The column of the keys of a mapping written here.
    fn key_column(self) -> usize {
        match self {
            Place::Root => 0,
            Place::Value { key_column, .. } => key_column + 2,
            Place::Item { dash_column } => dash_column + 2,
        }
    }

    /// The column of the dashes of a sequence written here (indentless under a key).
    fn dash_column(self) -> usize {
        match self {
            Place::Root => 0,
            Place::Value { key_column, .. } => key_column,
            Place::Item { dash_column } => dash_column + 2,
        }
    }

    /// What goes before the first key or dash of a collection written here.
    fn open(self, out: &mut String, column: usize) {
        match self {
            Place::Root => {}
            Place::Value { .. } => new_line(out, column),
            Place::Item { .. } => out.push(' '),
        }
    }

    /// An empty collection: flow style, `{}` or `[]`.
    fn empty(self, out: &mut String, text: &str) {
        if !matches!(self, Place::Root) {
            out.push(' ');
        }
        out.push_str(text);
    }
}

/// Starts a line at `column`. After a literal block that ended with its line break, the line
/// is already started (libyaml does not break again there).
fn new_line(out: &mut String, column: usize) {
    if !out.ends_with('\n') {
        out.push('\n');
    }
    pad(out, column);
}

/// `column` spaces.
pub(super) fn pad(out: &mut String, column: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = column;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

/// Serialises one node at its place.
struct Node<'a> {
    out: &'a mut String,
    place: Place,
}

impl<'a> Node<'a> {
    /// A scalar that is always plain (numbers, booleans, null).
    fn plain(self, text: &str) -> Result<(), Unsupported> {
        if matches!(self.place, Place::Root) {
            return Err(Unsupported);
        }
        self.out.push(' ');
        self.out.push_str(text);
        Ok(())
    }

    fn string(self, text: &str) -> Result<(), Unsupported> {
        let quote_yaml11 = match self.place {
            Place::Root => return Err(Unsupported),
            Place::Value { quote_yaml11, .. } => quote_yaml11,
            Place::Item { .. } => true,
        };
        // `style::of` has no style for text with a line break, so most text (words, which it
        // recognises first) is looked at once, not searched for a line break beforehand.
        let Some(mut style) = style::of(text) else {
            if !text.contains('\n') {
                return Err(Unsupported);
            }
            // A literal block, indented one level below the key or dash; the YAML 1.1 pass
            // leaves block contents alone.
            let header = style::literal_header(text).ok_or(Unsupported)?;
            self.out.push(' ');
            self.out.push_str(header);
            style::write_literal(self.out, text, self.place.key_column());
            return Ok(());
        };
        // The YAML 1.1 words and numbers are at most three letters or start with a digit or
        // sign, so longer text starting with a letter never needs the test.
        let may_be_yaml11 =
            text.len() <= 3 || !text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
        if style == Style::Plain && quote_yaml11 && may_be_yaml11 && super::needs_quotes(text) {
            style = Style::SingleQuoted;
        }
        self.out.push(' ');
        style::write(self.out, text, style);
        Ok(())
    }

    fn integer(self, value: impl Display) -> Result<(), Unsupported> {
        if matches!(self.place, Place::Root) {
            return Err(Unsupported);
        }
        // Integers are written plain, as `Display` writes them (serde_yaml uses itoa).
        fmt::Write::write_fmt(self.out, format_args!(" {value}")).map_err(|_| Unsupported)
    }

    fn mapping(self) -> Mapping<'a> {
        let column = self.place.key_column();
        Mapping {
            out: self.out,
            place: self.place,
            column,
            entries: 0,
            quote_yaml11: true,
        }
    }

    fn sequence(self) -> Sequence<'a> {
        let column = self.place.dash_column();
        Sequence {
            out: self.out,
            place: self.place,
            column,
            items: 0,
        }
    }
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Sequence<'a>;
    type SerializeTuple = Sequence<'a>;
    type SerializeTupleStruct = Sequence<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Mapping<'a>;
    type SerializeStruct = Mapping<'a>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_bool(self, value: bool) -> Result<(), Unsupported> {
        self.plain(if value { "true" } else { "false" })
    }
    fn serialize_i8(self, value: i8) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_i16(self, value: i16) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_i32(self, value: i32) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_i64(self, value: i64) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_i128(self, value: i128) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_u8(self, value: u8) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_u16(self, value: u16) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_u32(self, value: u32) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_u64(self, value: u64) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_u128(self, value: u128) -> Result<(), Unsupported> {
        self.integer(value)
    }
    fn serialize_f32(self, _value: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _value: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, _value: char) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_str(self, value: &str) -> Result<(), Unsupported> {
        self.string(value)
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.plain("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.plain("null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unsupported> {
        self.plain("null")
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Sequence<'a>, Unsupported> {
        Ok(self.sequence())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Sequence<'a>, Unsupported> {
        Ok(self.sequence())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Sequence<'a>, Unsupported> {
        Ok(self.sequence())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Mapping<'a>, Unsupported> {
        Ok(self.mapping())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Mapping<'a>, Unsupported> {
        Ok(self.mapping())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        let text = value.to_string();
        // serde_yaml may read a `!` at the start of a displayed key as a tag.
        if text.starts_with('!') {
            return Err(Unsupported);
        }
        self.string(&text)
    }
}

/// A block sequence being written.
pub struct Sequence<'a> {
    out: &'a mut String,
    place: Place,
    column: usize,
    items: usize,
}

impl Sequence<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if self.items == 0 {
            self.place.open(self.out, self.column);
        } else {
            new_line(self.out, self.column);
        }
        self.items += 1;
        self.out.push('-');
        value.serialize(Node {
            out: self.out,
            place: Place::Item {
                dash_column: self.column,
            },
        })
    }

    fn finish(self) -> Result<(), Unsupported> {
        if self.items == 0 {
            self.place.empty(self.out, "[]");
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Sequence<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeTuple for Sequence<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Sequence<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.item(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

/// A block mapping being written.
pub struct Mapping<'a> {
    out: &'a mut String,
    place: Place,
    column: usize,
    entries: usize,
    /// Whether the value of the current entry takes the YAML 1.1 quoting (its key is plain).
    quote_yaml11: bool,
}

impl Mapping<'_> {
    fn key(&mut self, key: &str) -> Result<(), Unsupported> {
        self.key_in_style(key, style::of(key).ok_or(Unsupported)?)
    }

    fn key_in_style(&mut self, key: &str, style: Style) -> Result<(), Unsupported> {
        if key.len() > MAX_SIMPLE_KEY {
            return Err(Unsupported);
        }
        if self.entries == 0 {
            self.place.open(self.out, self.column);
        } else {
            new_line(self.out, self.column);
        }
        self.entries += 1;
        style::write(self.out, key, style);
        self.out.push(':');
        self.quote_yaml11 = style == Style::Plain;
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let place = Place::Value {
            key_column: self.column,
            quote_yaml11: self.quote_yaml11,
        };
        value.serialize(Node {
            out: self.out,
            place,
        })
    }

    fn finish(self) -> Result<(), Unsupported> {
        if self.entries == 0 {
            self.place.empty(self.out, "{}");
        }
        Ok(())
    }
}

impl ser::SerializeMap for Mapping<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        key.serialize(Key { mapping: self })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeStruct for Mapping<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key_in_style(key, style::of_static(key).ok_or(Unsupported)?)?;
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

/// Writes a mapping key, which the fast writer accepts only as a string.
struct Key<'m, 'a> {
    mapping: &'m mut Mapping<'a>,
}

impl ser::Serializer for Key<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, value: &str) -> Result<(), Unsupported> {
        self.mapping.key(value)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.mapping.key(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_bool(self, _value: bool) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i8(self, _value: i8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i16(self, _value: i16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i32(self, _value: i32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i64(self, _value: i64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u8(self, _value: u8) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u16(self, _value: u16) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u32(self, _value: u32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u64(self, _value: u64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _value: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _value: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, _value: char) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
    fn collect_str<T: Display + ?Sized>(self, _value: &T) -> Result<(), Unsupported> {
        // A displayed key in a one-entry map may become a tag in serde_yaml.
        Err(Unsupported)
    }
}
