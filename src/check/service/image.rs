//! Container image references: `[registry/]repository[:tag][@sha256:digest]`.

use crate::check::invalid_image::InvalidImage;
use crate::check::model::Image;
use crate::check::{values, Checker};
use crate::syntax::ast::Expr;

pub fn lower(checker: &mut Checker, expr: &Expr, app_registry: Option<&str>) -> Option<Image> {
    let text = values::string(checker, expr)?;
    match parse(&text.value, app_registry) {
        Ok(mut image) => {
            image.span = expr.span;
            Some(image)
        }
        Err(problem) => {
            checker.report(
                InvalidImage::Reference {
                    problem: &problem,
                    span: expr.span,
                }
                .diagnostic(),
            );
            None
        }
    }
}

/// Splits an image reference into its parts, or says what is wrong with it.
pub fn parse(reference: &str, app_registry: Option<&str>) -> Result<Image, String> {
    if reference.is_empty() {
        return Err("the image is empty".to_string());
    }
    if reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("it contains whitespace".to_string());
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(check_digest(digest)?)),
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => {
            let tag = &rest[last_slash + colon + 1..];
            (&rest[..last_slash + colon], Some(check_tag(tag)?))
        }
        None => (rest, None),
    };
    let (registry, repository) = split_registry(name);
    if repository.is_empty() {
        return Err("the image has no name".to_string());
    }
    for component in repository.split('/') {
        check_component(component)?;
    }
    let registry = registry
        .map(str::to_string)
        .or_else(|| app_registry.map(str::to_string));
    Ok(Image {
        registry,
        repository: repository.to_string(),
        tag,
        digest,
        span: Default::default(),
    })
}

/// The first component is a registry when it looks like a host: it has a `.` or a `:`, or is
/// `localhost`.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_component(component: &str) -> Result<(), String> {
    let valid = !component.is_empty()
        && component
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && component.starts_with(|c: char| c.is_ascii_alphanumeric())
        && component.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(format!("`{component}` is not a valid repository name (lowercase letters, digits, `.`, `_`, `-`)"))
    }
}

pub(crate) fn check_tag(tag: &str) -> Result<String, String> {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(tag.to_string())
    } else {
        Err(format!("`{tag}` is not a valid tag"))
    }
}

fn check_digest(digest: &str) -> Result<String, String> {
    let valid = digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    });
    if valid {
        Ok(digest.to_string())
    } else {
        Err(format!("`{digest}` is not a sha256 digest"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn splits_references() {
        let image = parse("ghcr.io/acme/web:1.2@sha256:".to_string().as_str(), None);
        assert!(image.is_err());
        let image = parse("ghcr.io/acme/web:1.2", None).expect("valid");
        assert_eq!(image.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(image.repository, "acme/web");
        assert_eq!(image.tag.as_deref(), Some("1.2"));
        let image = parse("localhost:5000/web", Some("ghcr.io/acme")).expect("valid");
        assert_eq!(image.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(image.tag, None);
        let image = parse("web:2", Some("ghcr.io/acme")).expect("valid");
        assert_eq!(image.reference(), "ghcr.io/acme/web:2");
        assert!(parse("Web:1", None).is_err());
    }
}
