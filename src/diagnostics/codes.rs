//! The registry of diagnostic codes.
//!
//! Every problem Slipway reports has a stable code (`SW0101`), registered once here with a
//! short title and a long explanation in `codes/SWxxxx.md` (shown by `slipway explain`). Codes
//! are grouped by phase: `SW00xx` syntax, `SW01xx` names, `SW02xx` fields and values, `SW03xx`
//! delivery rules, `SW04xx` graphs, `SW05xx` policies. A code is never reused for another
//! meaning; retired codes stay in the table.

use serde::Serialize;

macro_rules! codes {
    ($( $variant:ident = $title:literal, )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every registered code, in order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as users write it, e.g. `SW0101`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => stringify!($variant), )* }
            }

            /// A one-line title.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// The long explanation in Markdown, with an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self {
                    $( Code::$variant => include_str!(concat!("codes/", stringify!($variant), ".md")), )*
                }
            }
        }
    };
}

codes! {
    SW0001 = "syntax error",
    SW0002 = "nesting too deep",
    SW0003 = "invalid string escape",
    SW0004 = "file is not valid UTF-8",
    SW0005 = "file too large",
    SW0006 = "too many deployments",
    SW0101 = "unknown declaration kind",
    SW0102 = "duplicate name",
    SW0103 = "unknown reference",
    SW0104 = "missing or repeated app declaration",
    SW0105 = "name is not a valid Kubernetes name",
    SW0106 = "import cannot be resolved",
    SW0107 = "import outside the project root",
    SW0108 = "import cycle",
    SW0109 = "import name clash",
    SW0110 = "declaration not allowed in a module",
    SW0111 = "empty spec",
    SW0201 = "unknown field",
    SW0202 = "field set twice",
    SW0203 = "missing required field",
    SW0204 = "wrong type",
    SW0205 = "wrong unit",
    SW0206 = "value out of range",
    SW0207 = "number too large",
    SW0208 = "unknown variant",
    SW0209 = "invalid image reference",
    SW0210 = "inline secret value",
    SW0211 = "wrong template",
    SW0212 = "GitHub expression in a spec string",
    SW0301 = "canary weights must increase",
    SW0302 = "last canary step must reach 100%",
    SW0303 = "recreate strategy with surge settings",
    SW0304 = "probe port is not declared",
    SW0305 = "minimum above maximum",
    SW0306 = "request above limit",
    SW0307 = "duplicate port",
    SW0308 = "rolling update that cannot make progress",
    SW0309 = "entry environment without a trigger",
    SW0310 = "manual approval without reviewers",
    SW0311 = "traffic strategy on a service without ports",
    SW0312 = "Argo Rollouts route without a name",
    SW0313 = "Argo Rollouts route without exactly two destinations (retired)",
    SW0314 = "Argo Rollouts route weights that add up to 0",
    SW0320 = "canary gates that cannot fail",
    SW0321 = "strategy needs what the environment's cluster does not have",
    SW0322 = "environment with two deployers",
    SW0323 = "setting no longer used",
    SW0324 = "image built without its build job's output",
    SW0330 = "exposure the environment's cluster cannot route",
    SW0331 = "invalid host name",
    SW0332 = "host claimed by two services",
    SW0333 = "TLS secret not given by reference",
    SW0334 = "setting that cannot be removed",
    SW0340 = "empty secret store path",
    SW0341 = "Secret synced from two stores",
    SW0342 = "Secret key synced from two values",
    SW0343 = "key missing from a synced Secret",
    SW0345 = "toleration that Kubernetes rejects",
    SW0346 = "canary steps written twice",
    SW0347 = "mirror share that copies nothing or that the engine cannot take",
    SW0348 = "request match that every value passes",
    SW0349 = "invalid regular expression",
    SW0350 = "CI credential or address written as a value",
    SW0351 = "invalid CI secret or variable name",
    SW0352 = "DAST scan without a target URL",
    SW0353 = "DAST scan of an environment the workflow does not deploy",
    SW0354 = "code analysis gate that cannot analyse a service",
    SW0355 = "invalid header name for a request match",
    SW0356 = "invalid cookie for a request match",
    SW0357 = "Argo Rollouts request routes that would escape the exposed path",
    SW0358 = "request match that tests nothing, or several ways",
    SW0359 = "Argo Rollouts request routes without the service's timeout and retries",
    SW0360 = "load generator that stops before the rollout",
    SW0361 = "hook that aborts a halting canary",
    SW0362 = "canary traffic to no pods",
    SW0363 = "build path outside the repository",
    SW0364 = "unknown or repeated build platform",
    SW0365 = "pods scheduled onto an architecture their image is not built for",
    SW0366 = "canary gates that cannot stop a rollout counted as a whole",
    SW0367 = "interval for a metric no gate measures",
    SW0401 = "promotion cycle",
    SW0402 = "service dependency cycle",
    SW0403 = "unreachable environment",
    SW0404 = "template cycle",
    SW0501 = "invalid policy condition",
    SW0502 = "policy violation",
    SW0503 = "waiver without a reason",
    SW0504 = "waiver that covers no violation",
    SW0505 = "policy too costly to evaluate",
}

impl Code {
    /// Codes that are no longer reported. They stay registered (a code is never reused) and
    /// keep their page, which says what replaced them.
    pub const RETIRED: &'static [Code] = &[Code::SW0313];

    /// Whether the compiler still reports this code.
    pub fn is_retired(self) -> bool {
        Code::RETIRED.contains(&self)
    }

    /// Looks a code up by its text, case-insensitively (`sw0101` works too).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
