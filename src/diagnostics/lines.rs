//! Line and column lookup for rendering diagnostics, in time independent of line length.
//!
//! A generated spec can put thousands of problems on one very long line; counting characters
//! from the start of that line for each of them would make rendering quadratic. Lines that are
//! pure ASCII (nearly all of them) get their column by subtraction instead.

/// Where each line of one text starts, and which lines are pure ASCII.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
    ascii: Vec<bool>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        let mut ascii = vec![true];
        for (index, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                starts.push(index + 1);
                ascii.push(true);
            } else if !byte.is_ascii() {
                if let Some(last) = ascii.last_mut() {
                    *last = false;
                }
            }
        }
        Lines { starts, ascii }
    }

    /// The zero-based line of `offset`; offsets past the end are on the last line.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1)
    }

    /// The offset where `line` starts, or `text_len` past the last line.
    pub fn start(&self, line: usize, text_len: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(text_len)
    }

    /// The zero-based line and column (in characters) of `offset` in `text`.
    pub fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = crate::span::floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.start(line, text.len()).min(offset);
        let column = if self.ascii.get(line).copied().unwrap_or(false) {
            offset - start
        } else {
            text.get(start..offset).map_or(0, |s| s.chars().count())
        };
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn finds_lines_and_character_columns() {
        let text = "ab\nçd\n\nx";
        let lines = Lines::new(text);
        assert_eq!(lines.line_column(text, 0), (0, 0));
        assert_eq!(lines.line_column(text, 2), (0, 2));
        assert_eq!(lines.line_column(text, 3), (1, 0));
        assert_eq!(lines.line_column(text, 6), (1, 2));
        assert_eq!(lines.line_column(text, 8), (3, 0));
        assert_eq!(lines.line_column(text, 99), (3, 1));
        assert_eq!(lines.start(2, text.len()), 7);
        assert_eq!(lines.start(9, text.len()), text.len());
    }
}
