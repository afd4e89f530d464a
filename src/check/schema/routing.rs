//! The fields of a canary's routing by request: the `requests` block with its `header` and
//! `cookie` conditions and `mirror`. Part of the field table of [`super`]; kept apart only for
//! the size of the file.

use super::{repeated, required, value, Schema};

pub const REQUESTS: Schema = Schema {
    what: "a requests block",
    fields: &[
        repeated(
            "header",
            "block",
            "Requests whose header passes the test go to the canary: `name` and one of `exact`, `prefix`, `regex`.",
        ),
        repeated(
            "cookie",
            "block",
            "Requests carrying the cookie `name` with `value` go to the canary.",
        ),
        value(
            "mirror",
            "percentage",
            "Copy this share of the weighted route's requests to the canary; its responses are discarded.",
        ),
    ],
};

pub const HEADER_MATCH: Schema = Schema {
    what: "a header condition",
    fields: &[
        required(
            "name",
            "string",
            "The request header, in lowercase (`x-canary`).",
        ),
        value("exact", "string", "The header's whole value."),
        value(
            "prefix",
            "string",
            "The start of the header's value (not empty).",
        ),
        value(
            "regex",
            "string",
            "An RE2 regular expression the whole value must match.",
        ),
    ],
};

pub const COOKIE_MATCH: Schema = Schema {
    what: "a cookie condition",
    fields: &[
        required("name", "string", "The cookie's name."),
        required("value", "string", "The cookie's value, exactly."),
    ],
};
