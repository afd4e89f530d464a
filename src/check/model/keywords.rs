//! Keyword tables: the words a spec may write for a typed choice, each written once beside the
//! value it names.
//!
//! A table such as [`super::OnFailure::KEYWORDS`] is the single source of a vocabulary: the
//! checker reads values with it, the model names values with [`spelling_of`], and the schema
//! (completion, hover, the policy language) lists its words with [`spellings!`], which derives
//! a `&[&str]` from the table at compile time, so no list of words is written twice.

/// The keyword of `value` in its table (every value is listed; "" if one is not).
pub fn spelling_of<T: PartialEq>(table: &[(&'static str, T)], value: &T) -> &'static str {
    table
        .iter()
        .find(|(_, listed)| listed == value)
        .map_or("", |(keyword, _)| keyword)
}

/// The words of `table`, as an array of `N`, its length; use [`spellings!`].
pub const fn spellings_of<const N: usize, T>(table: &[(&'static str, T)]) -> [&'static str; N] {
    let mut words = [""; N];
    let mut index = 0;
    while index < N {
        // A const fn evaluated at compile time: an index out of range would fail the build.
        #[allow(clippy::indexing_slicing)]
        {
            words[index] = table[index].0;
        }
        index += 1;
    }
    words
}

/// `words` and one `extra` word after them, as an array of `N`, one more than `words` has.
pub const fn and_word<const N: usize>(
    words: &[&'static str],
    extra: &'static str,
) -> [&'static str; N] {
    let mut out = [extra; N];
    let mut index = 0;
    while index + 1 < N {
        // A const fn evaluated at compile time: an index out of range would fail the build.
        #[allow(clippy::indexing_slicing)]
        {
            out[index] = words[index];
        }
        index += 1;
    }
    out
}

/// The words of a keyword table, as a `&'static [&'static str]` computed at compile time.
#[macro_export]
macro_rules! spellings {
    ($table:expr) => {{
        const WORDS: &[&str] = &$crate::check::model::spellings_of::<{ $table.len() }, _>($table);
        WORDS
    }};
}
