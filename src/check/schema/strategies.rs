//! The fields of the strategy kinds (`rolling`, `recreate`, `blue_green`, `canary` with its
//! `step` and `analysis` blocks). Part of the field table of [`super`]; kept apart only for
//! the size of the file.

use super::{block, repeated, required, value, Schema};

pub const ROLLING: Schema = Schema {
    what: "a rolling strategy",
    fields: &[
        value(
            "max_surge",
            "count or percentage",
            "Extra pods allowed during the update (default 25%).",
        ),
        value(
            "max_unavailable",
            "count or percentage",
            "Pods that may be unavailable (default 0).",
        ),
    ],
};

pub const RECREATE: Schema = Schema {
    what: "a recreate strategy",
    fields: &[],
};

pub const BLUE_GREEN: Schema = Schema {
    what: "a blue_green strategy",
    fields: &[
        value(
            "preview",
            "boolean",
            "Expose the new colour on a preview route before the switch (default true).",
        ),
        value(
            "auto_promote",
            "boolean",
            "Switch without waiting for approval (default false).",
        ),
        value(
            "scale_down_delay",
            "duration",
            "Keep the old colour this long after the switch (default 30s).",
        ),
    ],
};

pub const CANARY: Schema = Schema {
    what: "a canary strategy",
    fields: &[
        repeated("step", "block", "One traffic step: `weight` and optional `pause` (a duration or `approval`)."),
        value("step_weight", "percentage", "Instead of `step` blocks: grow the canary's traffic by this much at a time (10%, 20%, ...), up to `max_weight`, then 100%."),
        value("max_weight", "percentage", "With `step_weight`: the last weight before the canary takes all the traffic (default 100%)."),
        value("step_pause", "duration or approval", "With `step_weight`: the pause after each step below 100%."),
        block("analysis", "block", "Metric gates checked during each step or over the whole rollout: `interval`, `failure_limit`, `over`, `intervals`, `gates`."),
        block("requests", "block", "Routing by request: `header` and `cookie` conditions whose requests go to the canary, and `mirror`, the share of requests copied to it."),
        value("on_failure", "rollback | halt", "What happens when a gate fails (default rollback)."),
        value("engine", "workflow | argo_rollouts", "Who runs the steps: the delivery workflow (default) or an Argo Rollouts controller (`argo_rollouts`)."),
        value("route", "string", "With `engine = argo_rollouts`: the name of the VirtualService route Argo Rollouts shifts (default `\"primary\"`)."),
        value("subsets", "list of two names", "With `engine = argo_rollouts`: the stable and canary DestinationRule subsets the route splits between (default `[stable, canary]`)."),
        repeated("hook", "labelled block", "A Job run `before` the first step, `during` the steps (a load generator) or `after` the last: `hook smoke { at = before  image = \"...\" }`."),
    ],
};

pub const HOOK: Schema = Schema {
    what: "a canary hook",
    fields: &[
        required("at", "before | during | after", "When the Job runs: before the first step, beside the steps, or after the last step."),
        required("image", "string", "The Job's container image."),
        value("command", "list of strings", "The container's command (default: the image's entrypoint)."),
        value("timeout", "duration", "The longest the Job may run; a Job still running then has failed (default 5m)."),
        block("resources", "block", "The Job's `requests` and `limits`; one without the other sets both (default: CPU 100m to 1, memory 128Mi to 256Mi)."),
    ],
};

pub const CANARY_STEP: Schema = Schema {
    what: "a canary step",
    fields: &[
        required(
            "weight",
            "percentage",
            "Traffic sent to the canary in this step.",
        ),
        value(
            "pause",
            "duration or approval",
            "Wait this long, or until approved, before the next step.",
        ),
        value(
            "scale",
            "count or percentage",
            "The canary's pods in this step, apart from its weight: a count, or a share of the live track's pods (default: in proportion to the weight).",
        ),
    ],
};

pub const ANALYSIS: Schema = Schema {
    what: "an analysis block",
    fields: &[
        value(
            "interval",
            "duration",
            "How often gates are queried (default 1m).",
        ),
        value(
            "failure_limit",
            "integer ≥ 0",
            "Failed measurements of one gate tolerated before the canary fails (default 0), in each step or, with `over = rollout`, over the whole rollout.",
        ),
        value(
            "no_data",
            "fail | pass",
            "What a gate with no data (no traffic, no sidecar) counts as (default `fail`).",
        ),
        value(
            "over",
            "steps | rollout",
            "Where failed measurements are counted: in each step (default) or over the whole rollout (background analysis).",
        ),
        block(
            "intervals",
            "block",
            "A metric's own interval: `intervals { p99_latency = 15s }`.",
        ),
        required(
            "gates",
            "list of conditions",
            "Conditions such as `p99_latency < 500ms`, `success_rate >= 95%`.",
        ),
    ],
};
