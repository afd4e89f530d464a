//! The lexer against the grammar: where [`super::lexer`] and pest cut a text differently.
//!
//! The lexical rules are written twice on purpose, once in `grammar/slipway.pest` (the
//! definition) and once in the lexer (for the readers that do not run pest). This check keeps
//! them together: for every declaration pest accepts, each node pest builds starts and ends on
//! a token boundary, each string, number, name, keyword and operator pest reads is exactly one
//! token of the matching kind, and each string, number and word token is read by pest as one
//! of those. `tests/lexer_grammar.rs` runs it over every spec in the repository and
//! mutations of them, and the fuzz target `lexer` over anything; both also check the
//! lexer's structural view against its tokens ([`structure_disagreement`]).

use super::lexer::{self, Kind, Piece, Token};
use super::parser::{Rule, SlipwayParser};
use super::split;
use crate::span::FileId;
use pest::Parser;

/// One place where the lexer and pest disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The byte range (in the whole text) of the node or token in question.
    pub start: usize,
    pub end: usize,
    pub what: String,
}

/// Every disagreement in `text`, checked declaration by declaration as the parser reads it.
pub fn disagreements(text: &str) -> Vec<Disagreement> {
    let mut found = Vec::new();
    for chunk in split::split(FileId(0), text).chunks {
        if chunk.too_deep_at.is_some() {
            continue;
        }
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        let before = found.len();
        check_chunk(chunk_text, &mut found);
        for disagreement in found.iter_mut().skip(before) {
            disagreement.start += chunk.start;
            disagreement.end += chunk.start;
        }
    }
    found
}

/// Where [`lexer::structure`] first cuts `text` differently from [`lexer::tokens`], if
/// anywhere: each structural token must be the next token, and each run must be exactly
/// the next tokens that are not structural.
pub fn structure_disagreement(text: &str) -> Option<usize> {
    let mut tokens = lexer::tokens(text);
    for piece in lexer::structure(text) {
        match piece {
            Piece::Token(token) => {
                if !is_structural(token.kind) || tokens.next() != Some(token) {
                    return Some(token.start);
                }
            }
            Piece::Run { start, end } => {
                let mut at = start;
                while at < end {
                    match tokens.next() {
                        Some(token) if token.start == at && !is_structural(token.kind) => {
                            at = token.end;
                        }
                        _ => return Some(at),
                    }
                }
                if at != end {
                    return Some(start);
                }
            }
        }
    }
    tokens.next().map(|token| token.start)
}

fn is_structural(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Newline
            | Kind::LineComment
            | Kind::BlockComment { .. }
            | Kind::String { .. }
            | Kind::Open(_)
            | Kind::Close(_)
            | Kind::Slash
    )
}

/// What pest read at one place: a rule and its byte range.
struct Node {
    rule: Rule,
    start: usize,
    end: usize,
}

fn check_chunk(chunk: &str, found: &mut Vec<Disagreement>) {
    let Ok(pairs) = SlipwayParser::parse(Rule::declaration_only, chunk) else {
        return;
    };
    let nodes: Vec<Node> = pairs
        .flatten()
        .map(|pair| Node {
            rule: pair.as_rule(),
            start: pair.as_span().start(),
            end: pair.as_span().end(),
        })
        .collect();
    let tokens: Vec<Token> = lexer::tokens(chunk).collect();
    // Tokens follow one another, so their ends (and 0) are every boundary, in order.
    let boundaries: Vec<usize> = std::iter::once(0)
        .chain(tokens.iter().map(|token| token.end))
        .collect();
    for node in &nodes {
        check_node(node, chunk, &boundaries, found);
    }
    for token in &tokens {
        if !token_is_read(token, chunk, &nodes) {
            found.push(Disagreement {
                start: token.start,
                end: token.end,
                what: format!(
                    "the {:?} token `{}` is not one node for pest",
                    token.kind,
                    token.text(chunk)
                ),
            });
        }
    }
}

/// The token kind that must cover a node of `rule` exactly, for the rules that are tokens.
fn token_kind(rule: Rule) -> Option<Kind> {
    Some(match rule {
        Rule::string => Kind::String { closed: true },
        Rule::number => Kind::Number,
        Rule::ident
        | Rule::boolean
        | Rule::or_op
        | Rule::and_op
        | Rule::not_op
        | Rule::kw_import
        | Rule::kw_as
        | Rule::kw_from => Kind::Word,
        Rule::compare_op => Kind::Compare,
        Rule::assign => Kind::Assign,
        Rule::comma => Kind::Comma,
        _ => return None,
    })
}

fn check_node(node: &Node, chunk: &str, boundaries: &[usize], found: &mut Vec<Disagreement>) {
    // The unit of a number and the inside of a string are parts of one token.
    if matches!(node.rule, Rule::unit | Rule::string_inner | Rule::escape) {
        return;
    }
    let on_boundaries = [node.start, node.end]
        .iter()
        .all(|at| boundaries.binary_search(at).is_ok());
    let whole_token = token_kind(node.rule).is_none_or(|kind| {
        lexer::token_at(chunk, node.start).is_some_and(|t| t.kind == kind && t.end == node.end)
    });
    if !on_boundaries || !whole_token {
        found.push(Disagreement {
            start: node.start,
            end: node.end,
            what: format!(
                "pest's {:?} `{}` is not {}",
                node.rule,
                chunk.get(node.start..node.end).unwrap_or(""),
                if on_boundaries {
                    "one token"
                } else {
                    "on token boundaries"
                }
            ),
        });
    }
}

/// Whether pest reads a string, number or word token as one node (a word may also be a
/// segment of an atomic dotted or slashed name, which pest keeps whole).
fn token_is_read(token: &Token, chunk: &str, nodes: &[Node]) -> bool {
    let exact = |rules: &[Rule]| {
        nodes
            .iter()
            .any(|n| n.start == token.start && n.end == token.end && rules.contains(&n.rule))
    };
    match token.kind {
        Kind::String { .. } => exact(&[Rule::string]),
        Kind::Number => exact(&[Rule::number]),
        Kind::Word if matches!(token.text(chunk), "true" | "false") => exact(&[Rule::boolean]),
        Kind::Word => {
            exact(&[
                Rule::ident,
                Rule::or_op,
                Rule::and_op,
                Rule::not_op,
                Rule::kw_import,
                Rule::kw_as,
                Rule::kw_from,
            ]) || nodes.iter().any(|n| {
                matches!(n.rule, Rule::module_path | Rule::qualified)
                    && n.start <= token.start
                    && token.end <= n.end
            })
        }
        _ => true,
    }
}

#[cfg(test)]
#[path = "lexer_grammar_tests.rs"]
mod tests;
