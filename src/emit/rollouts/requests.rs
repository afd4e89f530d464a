//! An Argo Rollouts canary's routing by request: the `setHeaderRoute` and `setMirrorRoute`
//! steps, and the `managedRoutes` they name.
//!
//! Argo Rollouts adds each managed route to the VirtualService when the step that sets it
//! runs, keeps the managed routes above the weighted one in the order `managedRoutes` lists
//! them, and removes them all when the rollout is fully promoted or aborted. Both steps come
//! right after the first `setWeight` that gives the canary traffic: at `setWeight: 0` the
//! canary's ReplicaSet has no pods, so requests routed or mirrored to it would reach none. The
//! header route comes first, so a request that meets a condition goes to the canary and is
//! not mirrored; the mirror route (which matches every path) keeps the weighted route's split
//! and Argo Rollouts updates its weights with every `setWeight`.
//!
//! The route names derive from the weighted route's (`<route>-header`, `<route>-mirror`),
//! so they never clash with it.

use super::types::{
    HeaderMatch, HeaderRoute, ManagedRoute, MirrorMatch, MirrorRoute, Step, ValueTest,
};
use crate::check::model::{ArgoRollouts, RequestRouting};

/// The managed routes, in the order they take precedence.
pub(crate) fn managed_routes(
    routing: &RequestRouting,
    settings: &ArgoRollouts,
) -> Vec<ManagedRoute> {
    let primary = &settings.route.value;
    let header = (!routing.matches.is_empty()).then(|| RequestRouting::header_route(primary));
    let mirror = routing
        .mirror
        .as_ref()
        .map(|_| RequestRouting::mirror_route(primary));
    header
        .into_iter()
        .chain(mirror)
        .map(|name| ManagedRoute { name })
        .collect()
}

/// The steps that set the managed routes, in the same order.
pub fn steps(routing: &RequestRouting, settings: &ArgoRollouts) -> Vec<Step> {
    let primary = &settings.route.value;
    let mut steps = Vec::new();
    if !routing.matches.is_empty() {
        let matches = routing
            .matches
            .iter()
            .map(|condition| {
                let (header_name, value) = condition.header_test();
                HeaderMatch {
                    header_name,
                    header_value: crate::emit::istio::string_match(&value),
                }
            })
            .collect();
        steps.push(Step::header_route(HeaderRoute {
            name: RequestRouting::header_route(primary),
            matches,
        }));
    }
    if let Some(share) = &routing.mirror {
        // The checker takes only whole percentages for Argo Rollouts (SW0347).
        steps.push(Step::mirror_route(MirrorRoute {
            name: RequestRouting::mirror_route(primary),
            percentage: share.value / 100,
            matches: vec![MirrorMatch {
                path: ValueTest {
                    prefix: Some("/".to_string()),
                    ..ValueTest::default()
                },
            }],
        }));
    }
    steps
}
