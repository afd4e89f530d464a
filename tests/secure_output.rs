//! Secure defaults of the generated files, asserted on what the real binary writes for every
//! example with every target (`slipway compile EXAMPLE --out DIR --target ...`), parsed with
//! serde_yaml.
//!
//! Pods (in Deployments, Argo Rollouts, StatefulSets, DaemonSets, Jobs, CronJobs and bare
//! Pods, in `k8s/` and in every Kustomize file) run as non-root under the `RuntimeDefault`
//! seccomp profile, share no host namespace, mount no host path; every container drops all
//! capabilities, cannot escalate privileges, is not privileged, has a read-only root
//! filesystem, opens no host port and has CPU and memory limits. Kustomize patches never
//! touch those fields. Workflows grant nothing at the top level and least privilege per job,
//! never run on `pull_request_target` or `workflow_run`, pin every action to a commit, keep
//! `${{ }}` expressions out of shell scripts (values reach scripts through `env:`), and check
//! out without persisting the token.
//!
//! Each test collects every problem in every example and fails once, listing them all.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Every example directory, sorted.
fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no examples found");
    dirs
}

/// Every target, the opt-in ones (Argo CD, Prometheus) too.
fn every_target() -> String {
    let names: Vec<&str> = slipway::emit::Target::ALL
        .iter()
        .map(|t| t.name())
        .collect();
    names.join(",")
}

/// Compiles `example` with the binary and returns its files (path -> text).
fn compile(example: &Path) -> BTreeMap<String, String> {
    let name = example.file_name().unwrap().to_string_lossy().into_owned();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("secure-output")
        .join(&name);
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .arg("compile")
        .arg(example)
        .arg("--out")
        .arg(&out)
        .arg("--target")
        .arg(every_target())
        .arg("--quiet")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "compiling {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files = BTreeMap::new();
    let mut pending = vec![out.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(
                    format!("{name}/{relative}"),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// Every example's files, compiled once for all tests (path -> text).
fn compiled_examples() -> &'static BTreeMap<String, String> {
    static FILES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    FILES.get_or_init(|| {
        examples()
            .iter()
            .flat_map(|example| compile(example))
            .collect()
    })
}

/// Every YAML document of every file with one of these extensions, in every example.
fn documents(extension: &[&str]) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for (path, text) in compiled_examples() {
        if !extension.iter().any(|ext| path.ends_with(ext)) {
            continue;
        }
        for document in serde_yaml::Deserializer::from_str(text) {
            let value = <Value as serde::Deserialize>::deserialize(document)
                .unwrap_or_else(|error| panic!("{path} is not valid YAML: {error}"));
            if !value.is_null() {
                all.push((path.clone(), value));
            }
        }
    }
    all
}

fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, key| value.get(*key))
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool) == Some(true)
}

fn is_false_or_absent(value: Option<&Value>) -> bool {
    value.is_none_or(|v| v.as_bool() == Some(false))
}

/// The pod spec inside a workload object, by kind.
fn pod_spec(object: &Value) -> Option<&Value> {
    match object.get("kind")?.as_str()? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "Rollout" => {
            get(object, &["spec", "template", "spec"])
        }
        "CronJob" => get(object, &["spec", "jobTemplate", "spec", "template", "spec"]),
        "Pod" => object.get("spec"),
        _ => None,
    }
}

fn sequence(value: Option<&Value>) -> &[Value] {
    value
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

/// Every problem with one pod spec's security settings.
fn pod_problems(pod: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut require = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    for namespace in ["hostNetwork", "hostPID", "hostIPC"] {
        require(
            is_false_or_absent(pod.get(namespace)),
            &format!("{namespace} is set"),
        );
    }
    let pod_security = pod.get("securityContext");
    require(
        is_true(pod_security.and_then(|s| s.get("runAsNonRoot"))),
        "the pod does not set runAsNonRoot: true",
    );
    let root_user = |security: Option<&Value>| {
        security
            .and_then(|s| s.get("runAsUser"))
            .and_then(Value::as_i64)
            == Some(0)
    };
    require(!root_user(pod_security), "the pod runs as user 0");
    let pod_seccomp =
        get(pod, &["securityContext", "seccompProfile", "type"]).and_then(Value::as_str);
    for volume in sequence(pod.get("volumes")) {
        require(
            volume.get("hostPath").is_none(),
            "a volume mounts a host path",
        );
    }
    let containers = sequence(pod.get("containers"))
        .iter()
        .chain(sequence(pod.get("initContainers")))
        .chain(sequence(pod.get("ephemeralContainers")));
    let mut count = 0;
    for container in containers {
        count += 1;
        let name = container.get("name").and_then(Value::as_str).unwrap_or("?");
        let security = container.get("securityContext");
        let setting = |key: &str| security.and_then(|s| s.get(key));
        let mut require = |ok: bool, what: &str| {
            if !ok {
                problems.push(format!("container {name}: {what}"));
            }
        };
        require(
            setting("allowPrivilegeEscalation").and_then(Value::as_bool) == Some(false),
            "allowPrivilegeEscalation is not false",
        );
        require(is_false_or_absent(setting("privileged")), "runs privileged");
        require(
            is_true(setting("readOnlyRootFilesystem")),
            "the root filesystem is not read-only",
        );
        require(!root_user(security), "runs as user 0");
        require(
            setting("runAsNonRoot").and_then(Value::as_bool) != Some(false),
            "sets runAsNonRoot: false",
        );
        let drops = sequence(get(container, &["securityContext", "capabilities", "drop"]));
        require(
            drops.iter().any(|d| d.as_str() == Some("ALL")),
            "does not drop ALL capabilities",
        );
        let adds = sequence(get(container, &["securityContext", "capabilities", "add"]));
        require(adds.is_empty(), "adds capabilities");
        let seccomp =
            get(container, &["securityContext", "seccompProfile", "type"]).and_then(Value::as_str);
        require(
            seccomp.or(pod_seccomp) == Some("RuntimeDefault"),
            "no RuntimeDefault seccomp profile",
        );
        for resource in ["cpu", "memory"] {
            let limit = get(container, &["resources", "limits", resource]);
            require(limit.is_some(), &format!("no {resource} limit"));
        }
        for port in sequence(container.get("ports")) {
            require(port.get("hostPort").is_none(), "opens a host port");
        }
    }
    if count == 0 {
        problems.push("the pod has no containers".to_string());
    }
    problems
}

/// Fails with every problem found, one per line.
fn assert_none(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} {what}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_pod_runs_with_secure_defaults() {
    let mut problems = Vec::new();
    let mut pods = 0;
    for (path, object) in documents(&[".yaml", ".yml"]) {
        if path.contains("/.github/") {
            continue;
        }
        let Some(pod) = pod_spec(&object) else {
            continue;
        };
        pods += 1;
        let name = get(&object, &["metadata", "name"])
            .and_then(Value::as_str)
            .unwrap_or("?");
        for problem in pod_problems(pod) {
            problems.push(format!("{path} ({name}): {problem}"));
        }
    }
    assert!(pods > 0, "the examples produced no pods");
    assert_none("insecure pod settings", problems);
}

/// Fields a patch must never add, change or remove.
const PROTECTED: &[&str] = &[
    "securityContext",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostPath",
    "hostPort",
    "privileged",
    "capabilities",
    "automountServiceAccountToken",
];

#[test]
fn kustomize_patches_never_touch_security_settings() {
    let mut problems = Vec::new();
    for (path, document) in documents(&[".yaml"]) {
        if !path.contains("/kustomize/") {
            continue;
        }
        // JSON 6902 patches are lists of operations; the other files are whole objects.
        for operation in document.as_sequence().map_or(&[][..], Vec::as_slice) {
            let target = operation.get("path").and_then(Value::as_str).unwrap_or("");
            let value = operation
                .get("value")
                .map(|v| serde_yaml::to_string(v).unwrap_or_default())
                .unwrap_or_default();
            for field in PROTECTED {
                if target.contains(field) || value.contains(&format!("{field}:")) {
                    problems.push(format!(
                        "{path}: an operation on `{target}` touches {field}"
                    ));
                }
            }
            let removes_limit = operation.get("op").and_then(Value::as_str) == Some("remove")
                && target.contains("limits");
            if removes_limit {
                problems.push(format!("{path}: removes `{target}`"));
            }
        }
    }
    assert_none("patches that weaken security", problems);
}

/// Scopes a job may write to, and why.
const WRITABLE: &[&str] = &[
    "packages",     // push images to the registry
    "id-token",     // sign with Sigstore keyless (OIDC) and log in to clouds
    "attestations", // record build provenance
    "deployments",  // report deployments to GitHub environments
];

fn workflows() -> Vec<(String, Value)> {
    let found: Vec<(String, Value)> = documents(&[".yml", ".yaml"])
        .into_iter()
        .filter(|(path, _)| path.contains("/.github/workflows/"))
        .collect();
    assert!(!found.is_empty(), "the examples produced no workflows");
    found
}

fn jobs(workflow: &Value) -> Vec<(String, &Value)> {
    workflow
        .get("jobs")
        .and_then(Value::as_mapping)
        .map(|jobs| {
            jobs.iter()
                .map(|(id, job)| (id.as_str().unwrap_or("?").to_string(), job))
                .collect()
        })
        .unwrap_or_default()
}

/// Problems with one `permissions:` value; `top` is the workflow-wide one.
fn permission_problems(permissions: Option<&Value>, top: bool) -> Vec<String> {
    let Some(permissions) = permissions else {
        return vec!["declares no permissions (it would get the repository default)".to_string()];
    };
    let Some(map) = permissions.as_mapping() else {
        return vec![format!(
            "grants `{}` (use a map of scopes)",
            permissions.as_str().unwrap_or("?")
        )];
    };
    let mut problems = Vec::new();
    for (scope, access) in map {
        let scope = scope.as_str().unwrap_or("?");
        match access.as_str() {
            Some("none" | "read") => {}
            Some("write") if top => problems.push(format!("grants `{scope}: write` to every job")),
            Some("write") if !WRITABLE.contains(&scope) => {
                problems.push(format!("grants `{scope}: write`"))
            }
            Some("write") => {}
            other => problems.push(format!("grants `{scope}: {}`", other.unwrap_or("?"))),
        }
    }
    problems
}

#[test]
fn workflows_grant_least_privilege() {
    let mut problems = Vec::new();
    for (path, workflow) in workflows() {
        for problem in permission_problems(workflow.get("permissions"), true) {
            problems.push(format!("{path}: the workflow {problem}"));
        }
        for (id, job) in jobs(&workflow) {
            for problem in permission_problems(job.get("permissions"), false) {
                problems.push(format!("{path}: job {id} {problem}"));
            }
        }
    }
    assert_none("permission problems", problems);
}

#[test]
fn workflows_never_run_untrusted_code_with_secrets() {
    let mut problems = Vec::new();
    for (path, workflow) in workflows() {
        let triggers: Vec<String> = match workflow.get("on") {
            Some(Value::Mapping(map)) => map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            Some(Value::Sequence(list)) => list
                .iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => vec![],
        };
        for dangerous in ["pull_request_target", "workflow_run"] {
            if triggers.iter().any(|t| t == dangerous) {
                problems.push(format!("{path}: runs on `{dangerous}`"));
            }
        }
    }
    assert_none("dangerous triggers", problems);
}

fn steps(job: &Value) -> &[Value] {
    sequence(job.get("steps"))
}

/// Whether `uses` names an action by a full commit hash (or a local or digest-pinned one).
fn is_pinned(uses: &str) -> bool {
    if uses.starts_with("./") {
        return true;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    let Some((_, reference)) = uses.rsplit_once('@') else {
        return false;
    };
    reference.len() == 40
        && reference
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[test]
fn workflows_pin_every_action_to_a_commit() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (path, workflow) in workflows() {
        for (id, job) in jobs(&workflow) {
            let uses = job
                .get("uses")
                .into_iter()
                .chain(steps(job).iter().filter_map(|s| s.get("uses")));
            for uses in uses {
                count += 1;
                let uses = uses.as_str().unwrap_or("?");
                if !is_pinned(uses) {
                    problems.push(format!(
                        "{path}: job {id} uses `{uses}`, not pinned to a commit"
                    ));
                }
            }
        }
    }
    assert!(count > 0, "no `uses:` found");
    assert_none("unpinned actions", problems);
}

#[test]
fn workflows_keep_expressions_out_of_scripts() {
    let mut problems = Vec::new();
    for (path, workflow) in workflows() {
        for (id, job) in jobs(&workflow) {
            for (index, step) in steps(job).iter().enumerate() {
                let name = step
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or(format!("step {}", index + 1), str::to_string);
                let script = step.get("run").and_then(Value::as_str).unwrap_or("");
                if script.contains("${{") {
                    problems.push(format!("{path}: job {id}, {name}: `${{{{ }}}}` inside `run:` (pass it through `env:`)"));
                }
                let github_script = get(step, &["with", "script"])
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if github_script.contains("${{") {
                    problems.push(format!(
                        "{path}: job {id}, {name}: `${{{{ }}}}` inside a github-script"
                    ));
                }
            }
        }
    }
    assert_none("template injection risks", problems);
}

#[test]
fn workflows_check_out_without_persisting_the_token() {
    let mut problems = Vec::new();
    for (path, workflow) in workflows() {
        for (id, job) in jobs(&workflow) {
            for step in steps(job) {
                let uses = step.get("uses").and_then(Value::as_str).unwrap_or("");
                if !uses.starts_with("actions/checkout@") {
                    continue;
                }
                let persist = get(step, &["with", "persist-credentials"]);
                let off = persist.and_then(Value::as_bool) == Some(false)
                    || persist.and_then(Value::as_str) == Some("false");
                if !off {
                    problems.push(format!(
                        "{path}: job {id} checks out with the token left in .git/config"
                    ));
                }
            }
        }
    }
    assert_none("checkouts that persist credentials", problems);
}

#[test]
fn pinning_recognises_commits_only() {
    assert!(is_pinned(
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
    ));
    assert!(is_pinned("./.github/actions/deploy"));
    assert!(is_pinned("docker://alpine@sha256:0123"));
    for loose in [
        "actions/checkout@v4",
        "actions/checkout",
        "docker://alpine:3",
        "a/b@11BD71901BBE5B1630CEEA73D27597364C9AF683",
    ] {
        assert!(!is_pinned(loose), "{loose}");
    }
}
