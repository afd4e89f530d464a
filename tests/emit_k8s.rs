//! The `k8s` target: a snapshot of the whole output tree of every example (new examples are
//! picked up by the loop), and one test per mapping rule on small inline specs (strategy,
//! tracks, probes, resources, variables and secrets, secure defaults, Service, HPA, PDB,
//! labels).

mod emit_support;

use emit_support::{compile, documents, example_dirs, inline, load_example};
use serde_json::{json, Value};
use slipway::emit::{self, Output, Target};
use std::collections::BTreeSet;

fn options(source: &str) -> slipway::emit::Options {
    emit_support::options(source, &[Target::K8s])
}

#[test]
fn every_example_output_tree() {
    for dir in example_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let output = compile(
            &format!("examples/{name}"),
            &load_example(&dir),
            &[Target::K8s],
        );
        assert!(!output.files.is_empty(), "examples/{name}: no k8s files");
        let mut tree = String::new();
        for (path, text) in &output.files {
            tree.push_str(&format!("=== {path} ===\n{text}"));
        }
        insta::assert_snapshot!(format!("example_{name}"), tree);
    }
}

// ---------------------------------------------------------------------------------------
// Mapping rules, on inline specs.

/// One app, one service `web` (body given), one environment `dev` (extra fields given).
fn spec(service: &str, environment: &str) -> String {
    format!(
        "app shop {{ registry = \"ghcr.io/acme\" }}\n\
         service web {{\n  image = \"web:1.2.3\"\n  {service}\n}}\n\
         environment dev {{\n  cluster = \"c\"\n  namespace = \"shop-dev\"\n  trigger = manual\n  {environment}\n}}\n"
    )
}

/// The `k8s/dev/` objects of a spec, by file.
fn emit_dev(text: &str) -> Output {
    compile("inline", &inline(text), &[Target::K8s])
}

/// Every object of `k8s/dev/web.yaml`, in file order.
fn web_objects(output: &Output) -> Vec<Value> {
    documents(&output.files["k8s/dev/web.yaml"])
}

fn kinds(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn find(objects: &[Value], kind: &str, name: &str) -> Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind}/{name} in {:?}", kinds(objects)))
}

fn container(deployment: &Value) -> Value {
    deployment["spec"]["template"]["spec"]["containers"][0].clone()
}

fn web_deployment(service: &str, environment: &str) -> Value {
    find(
        &web_objects(&emit_dev(&spec(service, environment))),
        "Deployment",
        "web",
    )
}

#[test]
fn rolling_strategy_keeps_counts_and_percentages() {
    let deployment = web_deployment(
        "",
        "strategy = rolling { max_surge = 2  max_unavailable = 10% }",
    );
    assert_eq!(
        deployment["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": "10%"}})
    );
    let default = web_deployment("", "");
    assert_eq!(
        default["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}})
    );
}

#[test]
fn recreate_strategy_has_no_rolling_update() {
    let deployment = web_deployment("", "strategy = recreate");
    assert_eq!(deployment["spec"]["strategy"], json!({"type": "Recreate"}));
}

#[test]
fn canary_runs_stable_and_canary_tracks() {
    let output = emit_dev(&spec(
        "ports { http = 8080 }\n replicas = 4",
        "strategy = canary { step { weight = 10% } step { weight = 100% } }",
    ));
    let objects = web_objects(&output);
    assert_eq!(
        kinds(&objects),
        [
            "ServiceAccount/web",
            "Deployment/web-stable",
            "Deployment/web-canary",
            "Service/web",
            "PodDisruptionBudget/web"
        ]
    );
    for track in ["stable", "canary"] {
        let deployment = find(&objects, "Deployment", &format!("web-{track}"));
        let spec = &deployment["spec"];
        let replicas = if track == "stable" { 4 } else { 0 };
        assert_eq!(
            spec["replicas"], replicas,
            "{track}: the live track runs full size, the canary rests at zero"
        );
        assert_eq!(spec["selector"]["matchLabels"]["version"], track);
        assert_eq!(spec["template"]["metadata"]["labels"]["version"], track);
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
    }
    let service = find(&objects, "Service", "web");
    assert_eq!(
        service["spec"]["selector"],
        json!({"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-dev"}),
        "the Service selects every track"
    );
}

#[test]
fn blue_green_runs_blue_and_green_tracks() {
    let output = emit_dev(&spec("ports { http = 8080 }", "strategy = blue_green { }"));
    let names = kinds(&web_objects(&output));
    assert_eq!(
        names,
        [
            "ServiceAccount/web",
            "Deployment/web-blue",
            "Deployment/web-green",
            "Service/web"
        ]
    );
}

#[test]
fn probes_map_every_action() {
    let deployment = web_deployment(
        "ports { http = 8080  rpc = 9090 }\n\
         liveness = http { path = \"/healthz\"  port = http  initial_delay = 15s  period = 20s  timeout = 1500ms  failure_threshold = 4 }\n\
         readiness = tcp { port = http  success_threshold = 2 }\n\
         startup = grpc { port = rpc  period = 2s }",
        "",
    );
    let probes = container(&deployment);
    assert_eq!(
        probes["livenessProbe"],
        json!({
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 15,
            "periodSeconds": 20,
            "timeoutSeconds": 2,
            "failureThreshold": 4
        })
    );
    assert_eq!(
        probes["readinessProbe"],
        json!({"tcpSocket": {"port": "http"}, "successThreshold": 2})
    );
    assert_eq!(
        probes["startupProbe"],
        json!({"grpc": {"port": 9090}, "periodSeconds": 2})
    );

    let exec = web_deployment(
        "liveness = exec { command = [\"/bin/check\", \"--live\"] }",
        "",
    );
    assert_eq!(
        container(&exec)["livenessProbe"],
        json!({"exec": {"command": ["/bin/check", "--live"]}})
    );
}

#[test]
fn resources_keep_quantities_as_written() {
    let deployment = web_deployment(
        "resources { requests { cpu = 0.5  memory = 512Mi } limits { cpu = 1  memory = 1Gi } }",
        "",
    );
    assert_eq!(
        container(&deployment)["resources"],
        json!({"requests": {"cpu": "0.5", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}})
    );
    let only_requests = web_deployment("resources { requests { cpu = 250m } }", "");
    assert_eq!(
        container(&only_requests)["resources"],
        json!({"requests": {"cpu": "250m"}})
    );
    let none = web_deployment("", "");
    assert!(container(&none).get("resources").is_none());
}

#[test]
fn literals_go_to_a_config_map_and_secrets_to_secret_key_refs() {
    let output = emit_dev(&spec(
        "env { LOG_LEVEL = \"info\"  DB_PASSWORD = secret { name = \"web-db\"  key = \"password\" } }",
        "override web { env { LOG_LEVEL = \"debug\"  REGION = \"eu\" } }",
    ));
    let objects = web_objects(&output);
    // FNV-1a of the sorted, length-prefixed pairs (docs/semantics.md), computed apart.
    let name = "web-env-fd0f422b87";
    let config_map = find(&objects, "ConfigMap", name);
    assert_eq!(
        config_map["data"],
        json!({"LOG_LEVEL": "debug", "REGION": "eu"})
    );
    assert_eq!(config_map["immutable"], true);
    let container = container(&find(&objects, "Deployment", "web"));
    assert_eq!(
        container["envFrom"],
        json!([{"configMapRef": {"name": name}}])
    );
    assert_eq!(
        container["env"],
        json!([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "web-db", "key": "password"}}}])
    );

    let secrets_only = emit_dev(&spec(
        "env { TOKEN = secret { name = \"web-token\"  key = \"token\" } }",
        "",
    ));
    let objects = web_objects(&secrets_only);
    assert!(!kinds(&objects).iter().any(|k| k.starts_with("ConfigMap/")));
    assert!(container_of(&objects).get("envFrom").is_none());
}

fn container_of(objects: &[Value]) -> Value {
    container(&find(objects, "Deployment", "web"))
}

#[test]
fn secure_defaults() {
    let objects = web_objects(&emit_dev(&spec("", "")));
    let account = find(&objects, "ServiceAccount", "web");
    assert_eq!(account["automountServiceAccountToken"], false);
    let pod = find(&objects, "Deployment", "web")["spec"]["template"]["spec"].clone();
    assert_eq!(pod["serviceAccountName"], "web");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(
        pod["securityContext"],
        json!({"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}})
    );
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        assert_eq!(pod[host], false, "{host}");
    }
    let container = pod["containers"][0].clone();
    assert_eq!(container["image"], "ghcr.io/acme/web:1.2.3");
    assert_eq!(
        container["securityContext"],
        json!({
            "allowPrivilegeEscalation": false,
            "privileged": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]}
        })
    );
    assert_eq!(
        container["volumeMounts"],
        json!([{"name": "tmp", "mountPath": "/tmp"}])
    );
    assert_eq!(pod["volumes"], json!([{"name": "tmp", "emptyDir": {}}]));
}

#[test]
fn relaxed_security_is_followed() {
    let objects = web_objects(&emit_dev(&spec(
        "security { run_as_user = 4242  read_only_root_filesystem = false  mount_service_account_token = true }",
        "",
    )));
    assert_eq!(
        find(&objects, "ServiceAccount", "web")["automountServiceAccountToken"],
        true
    );
    let pod = find(&objects, "Deployment", "web")["spec"]["template"]["spec"].clone();
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 4242);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"],
        false
    );
    assert!(
        pod.get("volumes").is_none(),
        "no /tmp volume on a writable root"
    );
    assert!(pod["containers"][0].get("volumeMounts").is_none());
}

#[test]
fn service_exposes_ports_by_name() {
    let objects = web_objects(&emit_dev(&spec(
        "ports { http = 8080  dns { number = 53  protocol = udp } }",
        "",
    )));
    let service = find(&objects, "Service", "web");
    assert_eq!(service["spec"]["type"], "ClusterIP");
    assert_eq!(
        service["spec"]["ports"],
        json!([
            {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"},
            {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}
        ])
    );
    assert_eq!(
        container_of(&objects)["ports"],
        json!([
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "dns", "containerPort": 53, "protocol": "UDP"}
        ])
    );
    let without_ports = web_objects(&emit_dev(&spec("", "")));
    assert!(!kinds(&without_ports)
        .iter()
        .any(|k| k.starts_with("Service/")));
}

#[test]
fn autoscaling_gives_an_hpa_per_workload_which_owns_the_count() {
    let objects = web_objects(&emit_dev(&spec(
        "replicas = 2\n autoscaling { min = 2  max = 8  cpu = 70% }",
        "",
    )));
    let hpa = find(&objects, "HorizontalPodAutoscaler", "web");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(
        hpa["spec"],
        json!({
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 8,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
        })
    );
    assert!(find(&objects, "Deployment", "web")["spec"]
        .get("replicas")
        .is_none());
    let canary = web_objects(&emit_dev(&spec(
        "ports { http = 8080 }\n autoscaling { min = 1  max = 3 }",
        "strategy = canary { step { weight = 100% } }",
    )));
    for track in ["web-stable", "web-canary"] {
        let hpa = find(&canary, "HorizontalPodAutoscaler", track);
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], track);
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        let replicas = find(&canary, "Deployment", track)["spec"]
            .get("replicas")
            .cloned();
        match track {
            "web-canary" => assert_eq!(replicas, Some(json!(0)), "the canary rests at zero"),
            _ => assert!(replicas.is_none(), "the autoscaler owns the live count"),
        }
    }
    let without = web_objects(&emit_dev(&spec("", "")));
    assert!(!kinds(&without)
        .iter()
        .any(|k| k.starts_with("HorizontalPodAutoscaler/")));
}

#[test]
fn disruption_budget_only_with_more_than_one_replica() {
    let has_budget = |replicas: u32| {
        let objects = web_objects(&emit_dev(&spec(&format!("replicas = {replicas}"), "")));
        kinds(&objects)
            .iter()
            .any(|k| k == "PodDisruptionBudget/web")
    };
    assert!(!has_budget(0));
    assert!(!has_budget(1));
    assert!(has_budget(2));
    let objects = web_objects(&emit_dev(&spec("ports { http = 80 }\n replicas = 3", "")));
    let budget = find(&objects, "PodDisruptionBudget", "web");
    assert_eq!(budget["apiVersion"], "policy/v1");
    assert_eq!(budget["spec"]["maxUnavailable"], 1);
    assert_eq!(
        budget["spec"]["selector"]["matchLabels"],
        find(&objects, "Service", "web")["spec"]["selector"]
    );
    let overridden = web_objects(&emit_dev(&spec(
        "replicas = 3",
        "override web { replicas = 1 }",
    )));
    assert!(!kinds(&overridden)
        .iter()
        .any(|k| k.starts_with("PodDisruptionBudget/")));
    // An autoscaled service counts its autoscaling `min`: `replicas` sizes nothing then.
    let autoscaled_budget = |replicas: u32, min: u32| {
        let body = format!("replicas = {replicas}\n autoscaling {{ min = {min}  max = 9 }}");
        let objects = web_objects(&emit_dev(&spec(&body, "")));
        kinds(&objects)
            .iter()
            .any(|k| k == "PodDisruptionBudget/web")
    };
    assert!(autoscaled_budget(1, 2));
    assert!(!autoscaled_budget(3, 1));
}

#[test]
fn every_object_and_pod_template_carries_the_standard_labels() {
    let output = emit_dev(&spec(
        "ports { http = 80 }\n replicas = 2\n env { A = \"b\" }\n autoscaling { min = 2  max = 4 }",
        "override web { image_tag = \"2.0.0\" }",
    ));
    let expected = json!({
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/instance": "web-dev",
        "app.kubernetes.io/version": "2.0.0",
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "slipway"
    });
    let objects = web_objects(&output);
    assert_eq!(
        kinds(&objects),
        [
            "ServiceAccount/web",
            "ConfigMap/web-env-566c6e1797",
            "Deployment/web",
            "Service/web",
            "HorizontalPodAutoscaler/web",
            "PodDisruptionBudget/web"
        ],
        "objects come in a fixed order"
    );
    for object in &objects {
        assert_eq!(object["metadata"]["labels"], expected, "{}", object["kind"]);
        assert_eq!(object["metadata"]["namespace"], "shop-dev");
    }
    let deployment = find(&objects, "Deployment", "web");
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["labels"],
        expected
    );
    assert_eq!(container(&deployment)["image"], "ghcr.io/acme/web:2.0.0");

    let namespace = documents(&output.files["k8s/dev/namespace.yaml"]);
    assert_eq!(
        namespace,
        [json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "shop-dev",
                // `mesh = istio` is the default: the sidecars are injected namespace-wide.
                "labels": {"app.kubernetes.io/part-of": "shop", "app.kubernetes.io/managed-by": "slipway", "istio-injection": "enabled"}
            }
        })]
    );
    let header = emit::header(&options("inline"));
    for (path, text) in &output.files {
        assert!(
            text.starts_with(&header),
            "{path} must start with the header"
        );
    }
}

#[test]
fn selected_environments_only() {
    let text = format!(
        "{}environment prod {{ cluster = \"c\"  namespace = \"shop-prod\"  after = dev }}\n",
        spec("", "")
    );
    let mut options = options("inline");
    options.environments = Some(BTreeSet::from(["prod".to_string()]));
    let output = emit_support::compile_with(&inline(&text), options);
    let paths: Vec<&str> = output.files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["k8s/prod/namespace.yaml", "k8s/prod/web.yaml"]);
}
