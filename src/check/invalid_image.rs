//! SW0209, worded once: an image reference or image tag that is not valid, or a tag that
//! would be ignored because the image is pinned by digest. `service/image.rs` says what is
//! wrong with a reference; whoever finds the problem describes it as an [`InvalidImage`] and
//! reports [`InvalidImage::diagnostic`], so the code's messages, labels and help live here.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// An image problem, with what the reader knows about it.
#[derive(Debug, Clone)]
pub(crate) enum InvalidImage<'a> {
    /// A service's `image` that does not parse; `problem` says why.
    Reference { problem: &'a str, span: Span },
    /// An override's `image_tag` that is not a valid tag; `problem` says why.
    Tag { problem: &'a str, span: Span },
    /// An `image_tag` (at `span`) for a service whose image (at `image`) is pinned by digest.
    TagOnDigest {
        service: &'a str,
        span: Span,
        image: Span,
    },
}

impl InvalidImage<'_> {
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            InvalidImage::Reference { problem, span } => error(
                format!("invalid image reference: {problem}"),
                *span,
                "this image",
            )
            .with_help("write `registry/name:tag`, e.g. `ghcr.io/acme/web:1.4.2`, or pin a digest with `@sha256:...`"),
            InvalidImage::Tag { problem, span } => {
                error(format!("invalid image tag: {problem}"), *span, "this tag")
                    .with_help("tags are letters, digits, `_`, `.` and `-`, at most 128 characters")
            }
            InvalidImage::TagOnDigest {
                service,
                span,
                image,
            } => error(
                format!("`{service}` is pinned by digest, so an image tag would be ignored"),
                *span,
                "tag override",
            )
            .with_label(*image, "pinned by digest here")
            .with_help("pin a digest per environment by changing the image, or pin by tag instead of digest"),
        }
    }
}

fn error(message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::error(Code::SW0209, message, span, label)
}
