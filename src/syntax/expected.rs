//! Turns pest's rule names into words a user knows.
//!
//! pest reports "expected ident, object_end"; people want "expected a name or `}`". Every
//! grammar rule that can appear in an error is mapped here, and a test parses a set of broken
//! inputs to keep the map honest.

use super::parser::Rule;

/// The words for an expected rule, or `None` for rules that never help the user.
pub fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::declaration | Rule::item => "a declaration such as `service web { ... }`",
        Rule::import => "an import",
        Rule::module_path => "a module path such as `std/strategies`",
        Rule::import_names => "a list of names such as `{ http-health }`",
        Rule::from_clause | Rule::kw_from => "`from`",
        Rule::kw_import => "`import`",
        Rule::kw_as => "`as`",
        Rule::object => "`{`",
        Rule::object_end => "`}`",
        Rule::assign => "`=`",
        Rule::attribute | Rule::block => "a field",
        Rule::ident => "a name",
        Rule::string | Rule::string_inner => "a string",
        Rule::number | Rule::unit => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::comparison
        | Rule::tagged
        | Rule::qualified
        | Rule::call
        | Rule::path
        | Rule::not_op => "a value",
        Rule::list => "a list",
        Rule::list_end => "`]`",
        Rule::comma => "`,`",
        Rule::compare_op => "a comparison such as `<`",
        Rule::and_op | Rule::or_op => "`and` or `or`",
        Rule::escape => "an escape such as `\\n`",
        Rule::EOI => "the end of the declaration",
        _ => return None,
    })
}

/// Joins descriptions as "a, b or c", without repeats, in a stable order.
pub fn join(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in rules {
        if let Some(word) = describe(*rule) {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    // A value subsumes its parts: "a value" already covers strings, numbers and lists.
    if words.contains(&"a value") {
        words.retain(|w| {
            !matches!(
                *w,
                "a string" | "a number" | "`true` or `false`" | "a list" | "a name" | "`{`"
            )
        });
    }
    // After a complete value, operators, a unit or a `{ ... }` could continue it but are rarely
    // meant: a missing `}` or `]`, or a next field, is the likely intent.
    if words
        .iter()
        .any(|w| matches!(*w, "`}`" | "a field" | "`]`"))
    {
        words.retain(|w| {
            !matches!(
                *w,
                "`and` or `or`" | "a comparison such as `<`" | "a number" | "`{`"
            )
        });
    }
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}
