//! The language server's frame reader on hostile streams: each case is a broken frame
//! followed by a good one, and the good one must be read (the reader found its place again)
//! while the broken one is refused, its request answered with an error when it has an id.
//! Lengths far over the limit are declared without the bytes being there: the reader must
//! neither reserve them nor wait for them.

use lsp_server::{Message, RequestId};
use slipway::lsp::framing::{Frame, FrameReader, MAX_MESSAGE_BYTES};

const SHUTDOWN: &str = r#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#;

fn framed(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// Every frame of `input`.
fn frames(input: &str) -> Vec<Frame> {
    let mut reader = FrameReader::new(input.as_bytes());
    let mut frames = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        frames.push(frame);
    }
    frames
}

/// Asserts that `frame` holds the shutdown request.
fn assert_shutdown(frame: &Frame) {
    match &frame.message {
        Ok(Message::Request(request)) => {
            assert_eq!(request.method, "shutdown");
            assert_eq!(request.id, RequestId::from(7));
        }
        other => panic!("expected the shutdown request, got {other:?}"),
    }
}

/// Asserts that `frame` was refused with a reason containing `words`.
fn assert_refused(frame: &Frame, words: &str) {
    match &frame.message {
        Err(refused) => assert!(refused.reason.contains(words), "{}", refused.reason),
        Ok(message) => panic!("expected a refusal, got {message:?}"),
    }
}

/// A broken frame, then the shutdown request: the broken one is refused (with `words` in
/// the reason) and the shutdown is still read.
fn check_resynchronises(broken: &str, words: &str) {
    let input = format!("{broken}{}", framed(SHUTDOWN));
    let frames = frames(&input);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_refused(&frames[0], words);
    assert_shutdown(&frames[1]);
}

#[test]
fn a_good_frame_is_read_without_problems() {
    let frames = frames(&framed(SHUTDOWN));
    assert_eq!(frames.len(), 1);
    assert_shutdown(&frames[0]);
    assert!(frames[0].problems.is_empty(), "{:?}", frames[0].problems);
}

#[test]
fn a_length_far_over_the_limit_is_refused_without_waiting_for_its_bytes() {
    for length in ["1000000000000", "2000000000", "18446744073709551615"] {
        check_resynchronises(
            &format!("Content-Length: {length}\r\n\r\n{{}}"),
            "limit is 64 MiB",
        );
    }
}

#[test]
fn a_length_past_the_largest_integer_is_refused() {
    check_resynchronises(
        "Content-Length: 99999999999999999999999\r\n\r\n{}",
        "not a number",
    );
}

#[test]
fn a_body_over_the_limit_is_read_through_without_being_kept() {
    let padding = "x".repeat(MAX_MESSAGE_BYTES);
    let body = format!(r#"{{"jsonrpc":"2.0","method":"pad","params":"{padding}"}}"#);
    check_resynchronises(&framed(&body), "limit is 64 MiB");
}

#[test]
fn a_length_five_bytes_short_loses_only_that_message() {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
    let broken = format!("Content-Length: {}\r\n\r\n{body}", body.len() - 5);
    let frames = frames(&format!("{broken}{}", framed(SHUTDOWN)));
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_refused(&frames[0], "not JSON-RPC");
    assert_shutdown(&frames[1]);
    assert!(
        frames[1].problems[0].contains("skipped 5 bytes in front of a header"),
        "{:?}",
        frames[1].problems
    );
}

#[test]
fn a_length_five_bytes_long_ends_the_message_where_its_json_ends() {
    let body = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
    let broken = format!("Content-Length: {}\r\n\r\n{body}", body.len() + 5);
    let frames = frames(&format!("{broken}{}", framed(SHUTDOWN)));
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(
        matches!(&frames[0].message, Ok(Message::Notification(n)) if n.method == "initialized")
    );
    assert!(frames[0].problems[0].contains("before its Content-Length"));
    assert_shutdown(&frames[1]);
}

#[test]
fn a_request_with_a_bad_length_is_answered_with_an_error() {
    for length in ["abc", "-5", ""] {
        let request = r#"{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{}}"#;
        let broken = format!("Content-Length: {length}\r\n\r\n{request}");
        let input = format!("{broken}{}", framed(SHUTDOWN));
        let frames = frames(&input);
        assert_eq!(frames.len(), 2, "{length}: {frames:?}");
        assert_refused(&frames[0], "is not a number of bytes");
        let Err(refused) = &frames[0].message else {
            unreachable!()
        };
        let Some(Message::Response(reply)) = refused.reply() else {
            panic!("no reply for {length}");
        };
        assert_eq!(reply.id, RequestId::from(3));
        assert!(reply.response_result.is_err());
        assert_shutdown(&frames[1]);
    }
}

#[test]
fn a_missing_length_is_refused() {
    check_resynchronises("Content-Type: x\r\n\r\n{}", "no Content-Length header");
}

#[test]
fn headers_ending_in_a_bare_line_feed_are_read() {
    let input = format!("Content-Length: {}\n\n{SHUTDOWN}", SHUTDOWN.len());
    let frames = frames(&input);
    assert_eq!(frames.len(), 1);
    assert_shutdown(&frames[0]);
    assert!(frames[0].problems.is_empty());
}

#[test]
fn a_body_whose_brackets_never_close_does_not_swallow_the_next_message() {
    check_resynchronises("Content-Length: 1000\r\n\r\n{\"a\":[1,", "not JSON after");
    check_resynchronises("Content-Length: nope\r\n\r\n{{{{", "not a number");
}

#[test]
fn a_body_that_is_not_json_is_refused_and_then_read_as_headers() {
    let input = format!("Content-Length: 5\r\n\r\nhello\r\n{}", framed(SHUTDOWN));
    let frames = frames(&input);
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert_refused(&frames[0], "not JSON after 0 bytes");
    assert_refused(&frames[1], "not a header");
    assert_shutdown(&frames[2]);
}

#[test]
fn a_line_that_is_not_a_header_is_skipped() {
    check_resynchronises("hello there\r\n", "not a header");
}

#[test]
fn a_header_line_over_the_limit_is_skipped() {
    check_resynchronises(&format!("X-{}\r\n", "a".repeat(100_000)), "longer than");
}

#[test]
fn the_input_ending_inside_a_frame_ends_the_stream() {
    assert!(frames("Content-Length: 100\r\n\r\n{\"jsonrpc\"").is_empty());
    assert!(frames("Content-Length: 100\r\n").is_empty());
    assert!(frames("\r\n \n").is_empty());
}
