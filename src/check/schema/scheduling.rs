//! The fields of `scheduling { ... }` (a service's or an override's), of its `toleration`
//! blocks and of a strict `spread`. Part of the field table of [`super`]; kept apart only for
//! the size of the file.

use super::{repeated, value, Schema};

pub const SCHEDULING: Schema = Schema {
    what: "a scheduling block",
    fields: &[
        value("node_selector", "map of node label to string", "Node labels a node must carry for the pods to run there: `{ \"kubernetes.io/arch\" = \"arm64\" }`."),
        repeated("toleration", "block", "A taint the pods tolerate: `toleration { key = \"dedicated\"  value = \"edge\"  effect = no_schedule }`; `for = 5m` with `no_execute`. Repeat the block for several."),
        value("spread", "zone | host", "Spread the pods evenly across zones or nodes (at most one more in any than in another, where the scheduler can); `zone { strict = true }` leaves a pod pending rather than uneven."),
        value("priority_class", "string", "The PriorityClass of the pods, e.g. `\"business-critical\"` (it must exist in the cluster)."),
    ],
};

pub const TOLERATION: Schema = Schema {
    what: "a toleration",
    fields: &[
        value("key", "string", "The taint's key (default: every key; then `value` cannot be set)."),
        value("value", "string", "The taint's value (default: every value of the key)."),
        value("effect", "no_schedule | prefer_no_schedule | no_execute", "The taint's effect (default: every effect)."),
        value("for", "duration", "With `no_execute`: how long a pod stays on a node after the taint appears (default: for ever)."),
    ],
};

pub const SPREAD: Schema = Schema {
    what: "a spread",
    fields: &[value(
        "strict",
        "boolean",
        "Leave a pod pending rather than spread unevenly (`DoNotSchedule`; default false: `ScheduleAnyway`).",
    )],
};
