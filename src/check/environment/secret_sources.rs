//! Checks over the Secrets an environment syncs from External Secrets Operator stores, once
//! the environments have applied their overrides. Every reference to one Secret in one
//! environment (the namespace holds one Secret of that name, and one `ExternalSecret` writes
//! it) must agree:
//!
//! * SW0341: the references that say `from` name the same store and `refresh`;
//! * SW0342: a key is read from one path and property of it;
//! * SW0343: a reference without `from` reads a key that one with `from` syncs, since the
//!   operator owns the Secret and writes only the keys it syncs.
//!
//! Messages do not name the environment: the same mistake in every environment is one
//! diagnostic (identical diagnostics are merged).

use crate::check::model::{Model, SecretSource, SecretUse};
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic};
use std::collections::BTreeMap;

pub fn check(checker: &mut Checker, model: &Model) {
    for environment in &model.environments {
        let mut uses: BTreeMap<&str, Vec<SecretUse>> = BTreeMap::new();
        for deployment in model.deployments_in(&environment.name.value) {
            for secret_use in deployment.secret_uses() {
                uses.entry(secret_use.secret).or_default().push(secret_use);
            }
        }
        for (secret, uses) in &uses {
            check_secret(checker, secret, uses);
        }
    }
}

fn check_secret(checker: &mut Checker, secret: &str, uses: &[SecretUse]) {
    let synced: Vec<(&SecretUse, &SecretSource)> = uses
        .iter()
        .filter_map(|secret_use| secret_use.from.map(|from| (secret_use, from)))
        .collect();
    let Some(&(_, first)) = synced.first() else {
        return;
    };
    for &(_, from) in synced.iter().skip(1) {
        if from.store != first.store || from.refresh != first.refresh {
            checker.report(two_stores(secret, first, from));
        }
    }
    let mut keys: BTreeMap<&str, &SecretSource> = BTreeMap::new();
    for &(secret_use, from) in &synced {
        match keys.get(secret_use.key) {
            Some(earlier) if (&earlier.path, &earlier.property) != (&from.path, &from.property) => {
                checker.report(key_read_twice(secret, secret_use.key, earlier, from));
            }
            Some(_) => {}
            None => {
                keys.insert(secret_use.key, from);
            }
        }
    }
    for secret_use in uses.iter().filter(|secret_use| secret_use.from.is_none()) {
        if !keys.contains_key(secret_use.key) {
            checker.report(key_not_synced(secret, secret_use, first));
        }
    }
}

fn two_stores(secret: &str, first: &SecretSource, second: &SecretSource) -> Diagnostic {
    let describe = |from: &SecretSource| {
        format!(
            "`{} {{ name = \"{}\" }}`, refreshed every {}",
            from.store.kind.name(),
            from.store.name,
            from.refresh.text()
        )
    };
    Diagnostic::error(
        Code::SW0341,
        format!("the Secret `{secret}` is synced from two stores"),
        second.span,
        format!("synced from {} here", describe(second)),
    )
    .with_label(first.span, format!("and from {} here", describe(first)))
    .with_help("one ExternalSecret writes a Secret: read all its keys through the same store, with the same `refresh`, or give the Secrets different names")
}

fn key_read_twice(
    secret: &str,
    key: &str,
    first: &SecretSource,
    second: &SecretSource,
) -> Diagnostic {
    Diagnostic::error(
        Code::SW0342,
        format!("the key `{key}` of the Secret `{secret}` is synced from two values"),
        second.span,
        format!("`{}` property `{}` here", second.path, second.property),
    )
    .with_label(
        first.span,
        format!("`{}` property `{}` here", first.path, first.property),
    )
    .with_help("a key of a Secret holds one value: read it from the same path and property everywhere, or name another key")
}

fn key_not_synced(secret: &str, secret_use: &SecretUse, synced: &SecretSource) -> Diagnostic {
    Diagnostic::error(
        Code::SW0343,
        format!(
            "the Secret `{secret}` is synced from a store, but nothing syncs its key `{}`",
            secret_use.key
        ),
        secret_use.span,
        format!("reads `{}`, which the synced Secret lacks", secret_use.key),
    )
    .with_label(synced.span, "the Secret is synced from this store")
    .with_help("the operator owns a synced Secret and writes only the keys it syncs: add `from` to this reference too")
}
