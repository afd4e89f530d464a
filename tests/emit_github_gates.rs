//! Tests of the gates at both ends of the delivery loop in the `github` target: the code
//! analysis gate before the images are built (SonarQube's quality gate or CodeQL), the DAST
//! scan after an environment is deployed and before the next one is promoted, and the SLSA
//! build provenance every pushed image gets and every deploy job verifies before it applies
//! anything. Each test compiles a small inline spec and reads the workflow as YAML.

use serde_yaml::Value;
use slipway::emit::{self, Options, Target};
use slipway::SourceFile;

/// The workflow of an inline spec (which must be free of errors), as parsed YAML.
fn workflow(spec: &str) -> Value {
    let files = vec![SourceFile {
        name: "spec.slip".into(),
        text: spec.into(),
    }];
    let checked = slipway::check(&files);
    assert!(
        !checked.has_errors(),
        "the spec has errors: {:#?}",
        checked.diagnostics
    );
    let options = Options {
        targets: [Target::Github].into_iter().collect(),
        ..Options::all("spec.slip")
    };
    let output = emit::emit(&checked.model, &options);
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
    let sign = &workflow["jobs"]["sign"];
    assert_eq!(sign["permissions"]["id-token"], "write");
    for service in ["api", "web"] {
        let attest = step(sign, &format!("Attest the build provenance of {service}"));
        let script = attest["run"].as_str().unwrap();
        assert!(script.contains(
            "cosign attest --yes --type https://slsa.dev/provenance/v1 --predicate \"$predicate\" \"$IMAGE_REF\""
        ));
        assert!(script.contains("digest: {gitCommit: $commit}"));
        assert_eq!(
            attest["env"]["IMAGE_REF"],
            format!("${{{{ needs.image.outputs.ref_{service} }}}}").as_str(),
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
        let kubectl = names
            .iter()
            .position(|n| *n == "Configure kubectl")
            .unwrap();
        let pin = names
            .iter()
            .position(|n| n.starts_with("Pin the "))
            .unwrap();
        assert!(pin < verify && verify < kubectl, "{job}: {names:?}");
        let step = step(deploy, "Verify the provenance of the images this run built");
        let script = step["run"].as_str().unwrap();
        for expected in [
            "identity=\"$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF\"",
            "--certificate-identity \"$identity\"",
            "--certificate-oidc-issuer https://token.actions.githubusercontent.com",
            "--certificate-github-workflow-sha \"$GITHUB_SHA\"",
            "verify \"$REF_API\"",
            "verify \"$REF_WEB\"",
        ] {
            assert!(script.contains(expected), "{job}: {expected}");
        }
        assert_eq!(step["env"]["REF_WEB"], "${{ needs.image.outputs.ref_web }}");
        assert_eq!(
            deploy["permissions"]["packages"], "read",
            "cosign reads ghcr.io"
        );
        assert!(
            deploy["permissions"].get("id-token").is_none(),
            "only the sign job may mint an identity"
        );
        assert!(needs(deploy).contains(&"image"));
    }
}
