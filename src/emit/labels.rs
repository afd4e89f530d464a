//! The standard Kubernetes labels every generated object carries.

use crate::check::model::{Deployment, Image, Model};
use std::collections::BTreeMap;

pub(crate) const MANAGED_BY: &str = "slipway";

/// `app.kubernetes.io/component`: set only on the stable and the canary Service of an Argo
/// Rollouts canary (`stable`, `canary`), which the ServiceMonitor leaves out.
pub(crate) const COMPONENT: &str = "app.kubernetes.io/component";

/// `app.kubernetes.io/{name,instance,version,part-of,managed-by}` for one service in one
/// environment.
pub(crate) fn standard(model: &Model, deployment: &Deployment) -> BTreeMap<String, String> {
    let mut labels = selector(deployment);
    labels.insert(
        "app.kubernetes.io/version".into(),
        version(&deployment.image),
    );
    labels.insert(
        "app.kubernetes.io/part-of".into(),
        model.app_name().to_string(),
    );
    labels.insert("app.kubernetes.io/managed-by".into(), MANAGED_BY.into());
    labels
}

/// The labels that select a service's pods in one environment (all tracks).
pub(crate) fn selector(deployment: &Deployment) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/name".to_string(),
            deployment.service.clone(),
        ),
        (
            "app.kubernetes.io/instance".to_string(),
            instance(deployment),
        ),
    ])
}

/// `<service>-<environment>`, cut to the 63 characters a label value allows.
pub(crate) fn instance(deployment: &Deployment) -> String {
    label_value(&format!(
        "{}-{}",
        deployment.service, deployment.environment
    ))
}

/// The image tag, or the start of its digest, as a valid label value; `unversioned` without
/// either.
pub(crate) fn version(image: &Image) -> String {
    let raw = match (&image.tag, &image.digest) {
        (Some(tag), _) => tag.clone(),
        (None, Some(digest)) => digest
            .trim_start_matches("sha256:")
            .chars()
            .take(12)
            .collect(),
        (None, None) => "unversioned".to_string(),
    };
    label_value(&raw)
}

/// Makes text a valid label value: at most 63 characters, alphanumeric at both ends.
pub(crate) fn label_value(raw: &str) -> String {
    let cut: String = raw.chars().take(63).collect();
    cut.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}
