//! A workflow canary's routing by request in the VirtualService of each step: the requests
//! that meet a `header` or `cookie` condition go to the `canary` subset by a route of their
//! own, placed before the weighted route (Istio takes the first route that matches), and
//! `mirror` copies a share of the weighted route's requests to the `canary` subset. The
//! resting VirtualService has neither, so the promotion and the rollback, which both apply
//! it, remove them. The destinations are the weighted route's own (`<service>` host, `canary`
//! subset, and the port when the Service has several).
//!
//! The conditions are alternatives: each is one HTTP match of the route (Istio ORs the
//! matches of a route), scoped like every route to the gateway's path for an exposed service.
//! Mirroring stops at 100%, where every request already reaches the canary.

use super::routes::Target;
use super::types::{HttpMatch, HttpRoute, Percent, RouteDestination, StringMatch};
use crate::check::model::{RequestRouting, ValueMatch};
use std::collections::BTreeMap;

/// The subset a workflow canary's new version runs in.
const CANARY_SUBSET: &str = "canary";

/// `exact`, `prefix` or `regex`, as Istio writes a string test.
pub fn string_match(value: &ValueMatch) -> StringMatch {
    match value {
        ValueMatch::Exact(text) => StringMatch {
            exact: Some(text.clone()),
            ..StringMatch::default()
        },
        ValueMatch::Prefix(text) => StringMatch {
            prefix: Some(text.clone()),
            ..StringMatch::default()
        },
        ValueMatch::Regex(text) => StringMatch {
            regex: Some(text.clone()),
            ..StringMatch::default()
        },
    }
}

/// The route of the requests that meet a condition, to the canary subset; `None` without
/// conditions.
pub(crate) fn header_route(target: &Target, requests: &RequestRouting) -> Option<HttpRoute> {
    if requests.matches.is_empty() {
        return None;
    }
    let matches = requests
        .matches
        .iter()
        .map(|condition| {
            let (name, value) = condition.header_test();
            HttpMatch {
                headers: BTreeMap::from([(name, string_match(&value))]),
                ..HttpMatch::default()
            }
        })
        .collect();
    let route = vec![RouteDestination {
        destination: target.destination(Some(CANARY_SUBSET)),
        weight: None,
    }];
    Some(target.route(
        &RequestRouting::header_route(super::routes::PRIMARY_ROUTE),
        matches,
        route,
    ))
}

/// The weighted route of a step at `weight`, mirroring to the canary subset below 100%.
pub(crate) fn mirrored(
    target: &Target,
    mut route: HttpRoute,
    requests: &RequestRouting,
    weight: u32,
) -> HttpRoute {
    let Some(percent) = requests.mirror_percent().filter(|_| weight < 100) else {
        return route;
    };
    route.mirror = Some(target.destination(Some(CANARY_SUBSET)));
    route.mirror_percentage = Some(Percent { value: percent });
    route
}
