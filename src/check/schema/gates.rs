//! The fields of the delivery gates: the app's `quality_gate` (`sonarqube { ... }`,
//! `codeql { ... }`), the references to the CI's secrets and variables they take
//! (`ci_secret { name }`, `ci_variable { name }`), and an environment's `dast`
//! (`zap_baseline { ... }`, `zap_full { ... }`). Part of the field table of [`super`]; kept
//! apart only for the size of the file.

use super::{required, value, Schema};

pub const SONARQUBE: Schema = Schema {
    what: "a sonarqube quality gate",
    fields: &[
        value("host", "CI reference", "The server's URL, as a CI variable or secret: `ci_variable { name = \"SONAR_HOST_URL\" }` (the default). `https://sonarcloud.io` for SonarQube Cloud."),
        value("token", "CI reference", "The analysis token, as a CI secret: `ci_secret { name = \"SONAR_TOKEN\" }` (the default). Never the token itself."),
        value("project", "string", "The project key on the server (default: the app's name)."),
        value("organization", "string", "The organisation key, on SonarQube Cloud."),
    ],
};

pub const CODEQL: Schema = Schema {
    what: "a codeql quality gate",
    fields: &[value(
        "fail_on",
        "critical | high | medium | low",
        "The lowest security severity of an alert that fails the gate (default `high`).",
    )],
};

pub const CI_REFERENCE: Schema = Schema {
    what: "a CI reference",
    fields: &[required(
        "name",
        "string",
        "The name of the repository (or organisation) secret or variable: letters, digits and `_`, not starting with a digit or `GITHUB_`.",
    )],
};

pub const DAST: Schema = Schema {
    what: "a dast scan",
    fields: &[
        value("url", "string", "The `http://` or `https://` URL scanned (default: the first exposed host of the environment)."),
        value("fail_on", "high | medium | low | informational", "The lowest ZAP risk of an alert that fails the promotion (default `high`)."),
    ],
};
