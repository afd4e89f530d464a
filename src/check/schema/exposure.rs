//! The fields of `expose { ... }` and of its `gateway` kinds, and the empty body of `none`
//! (the value that turns a setting off in an override). Part of the field table of
//! [`super`]; kept apart only for the size of the file.

use super::{required, value, Schema};

pub const EXPOSE: Schema = Schema {
    what: "an expose block",
    fields: &[
        required("hosts", "host or list of hosts", "The host names outside traffic arrives for: `\"shop.example.com\"`, `[\"shop.example.com\", \"*.shop.example.com\"]` (a wildcard only as the leftmost label)."),
        value("path", "string", "The path prefix routed to the service (default `\"/\"`)."),
        value("port", "port name", "The port traffic goes to (default: the port named `http`, or the only TCP port)."),
        value("tls", "secret reference", "The TLS certificate and key, by the name of their Secret: `secret { name = \"shop-tls\" }`. Never the key itself."),
        value("gateway", "gateway", "What carries the traffic in: `istio` (a Gateway Slipway writes; `istio { selector = { istio = \"ingressgateway\" } }`), `istio { name = \"istio-system/public\" }` (an existing Gateway) or `ingress { class = \"nginx\" }`. Default: `istio` where `mesh = istio`, `ingress` where `mesh = none`."),
    ],
};

pub const ISTIO_GATEWAY: Schema = Schema {
    what: "an istio gateway",
    fields: &[
        value("selector", "map of label to string", "The labels of the gateway pods the Gateway Slipway writes applies to (default `{ istio = \"ingressgateway\" }`)."),
        value("name", "string", "An existing Gateway to bind to instead, `namespace/name` or `name` (in the environment's namespace); Slipway then writes no Gateway."),
    ],
};

pub const INGRESS: Schema = Schema {
    what: "an ingress gateway",
    fields: &[value(
        "class",
        "string",
        "The `ingressClassName` (default: the cluster's default IngressClass).",
    )],
};

pub const TLS_SECRET: Schema = Schema {
    what: "a TLS secret reference",
    fields: &[required(
        "name",
        "string",
        "The name of the `kubernetes.io/tls` Secret, where the gateway's pods run.",
    )],
};

/// `none` takes no settings.
pub const NONE: Schema = Schema {
    what: "`none`",
    fields: &[],
};
