//! Tests of the gates at both ends of the delivery loop in the `github` target: the code
//! analysis gate before the images are built (SonarQube's quality gate or CodeQL), the DAST
//! scan after an environment is deployed and before the next one is promoted, and the SLSA
//! build provenance every pushed image gets and every deploy job verifies before it applies
//! anything. Each test compiles a small inline spec and reads the workflow as YAML.

mod emit_support;

use serde_yaml::Value;
use slipway::emit::Target;

/// The workflow of an inline spec (which must be free of errors), as parsed YAML.
fn workflow(spec: &str) -> Value {
    let output = emit_support::compile("spec.slip", &emit_support::inline(spec), &[Target::Github]);
    serde_yaml::from_str(&output.files[".github/workflows/demo-delivery.yml"]).unwrap()
}

fn step_names(job: &Value) -> Vec<&str> {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|step| step["name"].as_str().unwrap())
        .collect()
}

fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|step| step["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

fn needs(job: &Value) -> Vec<&str> {
    job["needs"].as_sequence().map_or_else(Vec::new, |items| {
        items.iter().map(|i| i.as_str().unwrap()).collect()
    })
}

const TWO_SERVICES: &str = r#"
app demo { registry = "ghcr.io/acme" }
service web {
  image = "ghcr.io/acme/web:1.0.0"
  build { toolchain = npm { node = 20 } }
  ports { http = 8080 }
}
service api {
  image = "ghcr.io/acme/api:1.0.0"
  build { toolchain = maven { java = 17 } }
  ports { http = 8080 }
}
environment staging {
  cluster = "staging"
  namespace = "demo"
  trigger = push { branch = "main" }
}
environment prod {
  cluster = "prod"
  namespace = "demo"
  after = staging
  approval = manual { reviewers = ["ops"] }
}
"#;

#[test]
fn the_sign_job_attests_slsa_provenance_for_every_pushed_image() {
    let workflow = workflow(TWO_SERVICES);
    for service in ["api", "web"] {
        let sign = &workflow["jobs"][format!("sign-{service}").as_str()];
        assert_eq!(sign["permissions"]["id-token"], "write");
        let attest = step(sign, &format!("Attest the build provenance of {service}"));
        let script = attest["run"].as_str().unwrap();
        assert!(script.contains(
            "cosign attest --yes --type https://slsa.dev/provenance/v1 --predicate \"$predicate\" \"$IMAGE_REF\""
        ));
        assert!(script.contains("digest: {gitCommit: $commit}"));
        assert_eq!(
            attest["env"]["IMAGE_REF"],
            format!("${{{{ needs.image-{service}.outputs.reference }}}}").as_str(),
            "the digest the image job pushed, never a tag"
        );
    }
}

#[test]
fn every_deploy_job_verifies_provenance_before_it_touches_the_cluster() {
    let workflow = workflow(TWO_SERVICES);
    for job in ["deploy-staging", "deploy-prod"] {
        let deploy = &workflow["jobs"][job];
        let names = step_names(deploy);
        let verify = names
            .iter()
            .position(|n| *n == "Verify the provenance of the images this run built")
            .expect("a verification step");
        // The pin step reads the cluster (an unchanged service must run there already); the
        // verification comes before anything is applied.
        let apply = names
            .iter()
            .position(|n| n.starts_with("Apply the "))
            .unwrap();
        let pin = names
            .iter()
            .position(|n| n.starts_with("Pin the "))
            .unwrap();
        assert!(pin < verify && verify < apply, "{job}: {names:?}");
        let step = step(deploy, "Verify the provenance of the images this run built");
        let script = step["run"].as_str().unwrap();
        for expected in [
            "identity=\"$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF\"",
            "--certificate-identity \"$identity\"",
            "--certificate-oidc-issuer https://token.actions.githubusercontent.com",
            "--certificate-github-workflow-sha \"$GITHUB_SHA\"",
            "if [ \"$CHANGED_API\" = true ]; then verify \"$REF_API\"; fi",
            "if [ \"$CHANGED_WEB\" = true ]; then verify \"$REF_WEB\"; fi",
        ] {
            assert!(script.contains(expected), "{job}: {expected}");
        }
        assert_eq!(
            step["env"]["REF_WEB"],
            "${{ needs.image-web.outputs.reference }}"
        );
        assert_eq!(
            deploy["permissions"]["packages"], "read",
            "cosign reads ghcr.io"
        );
        assert!(
            deploy["permissions"].get("id-token").is_none(),
            "only the sign job may mint an identity"
        );
        assert!(needs(deploy).contains(&"image-web"));
    }
}

const SONAR: &str = r#"
app demo {
  registry = "ghcr.io/acme"
  quality_gate = sonarqube {
    host = ci_secret { name = "SONAR_URL" }
    token = ci_secret { name = "SONAR_TOKEN_DEMO" }
    project = "acme_demo"
    organization = "acme"
  }
}
service web {
  image = "ghcr.io/acme/web:1.0.0"
  build { toolchain = gradle { java = 21 } }
}
environment staging {
  cluster = "staging"
  namespace = "demo"
  trigger = push { branch = "main" }
}
"#;

#[test]
fn the_sonarqube_gate_blocks_the_image_job_and_reads_references_only() {
    let workflow = workflow(SONAR);
    let quality = &workflow["jobs"]["quality"];
    assert_eq!(
        needs(&workflow["jobs"]["image-web"]),
        ["changes", "test", "quality"]
    );
    assert!(
        quality.get("if").is_none(),
        "pull requests are analysed too"
    );
    assert_eq!(
        quality["permissions"],
        serde_yaml::from_str::<Value>("contents: read").unwrap()
    );
    assert_eq!(
        step_names(quality),
        [
            "Check out",
            "Set up Java",
            "Build web",
            "SonarQube analysis and quality gate"
        ]
    );
    let scan = step(quality, "SonarQube analysis and quality gate");
    assert!(scan["uses"]
        .as_str()
        .unwrap()
        .starts_with("SonarSource/sonarqube-scan-action@fd88b7d7ccbaefd23d8f36f73b59db7a3d246602"));
    assert_eq!(
        scan["with"]["args"],
        "-Dsonar.projectKey=acme_demo -Dsonar.qualitygate.wait=true -Dsonar.organization=acme -Dsonar.java.binaries=**/target/classes,**/build/classes"
    );
    assert_eq!(scan["env"]["SONAR_HOST_URL"], "${{ secrets.SONAR_URL }}");
    assert_eq!(
        scan["env"]["SONAR_TOKEN"],
        "${{ secrets.SONAR_TOKEN_DEMO }}"
    );
}

#[test]
fn a_bare_sonarqube_gate_reads_the_conventional_names() {
    let spec = SONAR.replace(
        "quality_gate = sonarqube {\n    host = ci_secret { name = \"SONAR_URL\" }\n    token = ci_secret { name = \"SONAR_TOKEN_DEMO\" }\n    project = \"acme_demo\"\n    organization = \"acme\"\n  }",
        "quality_gate = sonarqube",
    );
    let workflow = workflow(&spec);
    let scan = step(
        &workflow["jobs"]["quality"],
        "SonarQube analysis and quality gate",
    );
    assert_eq!(scan["env"]["SONAR_HOST_URL"], "${{ vars.SONAR_HOST_URL }}");
    assert_eq!(scan["env"]["SONAR_TOKEN"], "${{ secrets.SONAR_TOKEN }}");
    assert!(scan["with"]["args"]
        .as_str()
        .unwrap()
        .starts_with("-Dsonar.projectKey=demo "));
}

#[test]
fn codeql_runs_one_job_per_language_with_only_security_events_to_write() {
    let spec = TWO_SERVICES.replace(
        "app demo { registry = \"ghcr.io/acme\" }",
        "app demo {\n  registry = \"ghcr.io/acme\"\n  quality_gate = codeql { fail_on = medium }\n}",
    );
    let workflow = workflow(&spec);
    assert_eq!(
        needs(&workflow["jobs"]["image-web"]),
        [
            "changes",
            "test",
            "codeql-java-kotlin",
            "codeql-javascript-typescript"
        ]
    );
    let job = &workflow["jobs"]["codeql-java-kotlin"];
    assert_eq!(
        job["permissions"],
        serde_yaml::from_str::<Value>("{actions: read, contents: read, security-events: write}")
            .unwrap()
    );
    let init = step(job, "Initialise CodeQL");
    assert_eq!(init["with"]["languages"], "java-kotlin");
    assert_eq!(init["with"]["build-mode"], "none");
    let gate = step(job, "Fail on alerts of security severity medium or higher");
    assert_eq!(gate["env"]["MINIMUM_SCORE"], "4.0");
    for (id, job) in workflow["jobs"].as_mapping().unwrap() {
        if !id.as_str().unwrap().starts_with("codeql-") {
            assert!(
                job["permissions"].get("security-events").is_none(),
                "{id:?} cannot write code scanning alerts"
            );
        }
    }
}

const EXPOSED: &str = r#"
app demo { registry = "ghcr.io/acme" }
service web {
  image = "ghcr.io/acme/web:1.0.0"
  ports { http = 8080 }
  expose {
    hosts = ["*.demo.example.com", "staging.demo.example.com"]
    path = "/shop"
    tls = secret { name = "demo-tls" }
  }
}
environment staging {
  cluster = "staging"
  namespace = "demo"
  trigger = push { branch = "main" }
  dast = zap_full
}
environment prod {
  cluster = "prod"
  namespace = "demo"
  after = staging
}
"#;

#[test]
fn dast_scans_the_exposed_host_and_holds_back_the_next_environment() {
    let workflow = workflow(EXPOSED);
    let dast = &workflow["jobs"]["dast-staging"];
    assert_eq!(needs(dast), ["deploy-staging"]);
    assert_eq!(needs(&workflow["jobs"]["deploy-prod"]), ["dast-staging"]);
    assert_eq!(dast["if"], "github.event_name != 'pull_request'");
    assert_eq!(
        dast["permissions"],
        serde_yaml::from_str::<Value>("{}").unwrap(),
        "the scan needs no token"
    );
    let scan = step(dast, "Scan staging with OWASP ZAP (full scan)");
    assert_eq!(
        scan["env"]["TARGET"], "https://staging.demo.example.com/shop",
        "the first host without a wildcard, https with tls"
    );
    assert_eq!(scan["env"]["SCAN"], "zap-full-scan.py");
    assert_eq!(scan["env"]["FAIL_ON"], "3", "high by default");
    assert!(scan["env"]["ZAP_IMAGE"]
        .as_str()
        .unwrap()
        .contains("@sha256:"));
    assert!(workflow.get("jobs").unwrap().get("dast-prod").is_none());
}
