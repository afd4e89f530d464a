//! Inline secrets (SW0210): what is flagged, what is not, and that a flagged value is never
//! written. The rendered diagnostics of each flagged shape are snapshotted by the cases in
//! `tests/cases/invalid/secret-*.slip`; this file checks the heuristics over many values at
//! once, the values that must stay accepted (the examples use them), and, through the binary,
//! that a compile with a flagged value writes nothing to `--out` for any target.

use slipway::{Code, SourceFile};
use std::path::PathBuf;
use std::process::Command;

/// The codes reported for a spec with one service whose `env` block is `env`, whose app is
/// `app` and whose liveness probe is `probe`.
fn codes(app: &str, env: &str, probe: &str) -> Vec<Code> {
    let text = format!(
        "app shop {{\n  {app}\n}}\n\nservice web {{\n  image = \"ghcr.io/acme/web:1.4.2\"\n  ports {{ http = 8080 }}\n  {probe}\n  env {{\n    {env}\n  }}\n}}\n"
    );
    let file = SourceFile {
        name: "spec.slip".to_string(),
        text,
    };
    slipway::check(&[file])
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

fn env_codes(env: &str) -> Vec<Code> {
    codes("", env, "")
}

#[test]
fn secret_names_with_any_real_value_are_flagged() {
    for env in [
        r#"DB_PASSWORD = "pw""#,
        r#"DB_PASSWORD = "/hunter2""#,
        r#"DB_PASSWORD = "${A}${B}""#,
        r#"DB_PASS = "hunter2""#,
        r#"DB_PWD = "hunter2""#,
        r#"REDIS_PASSPHRASE = "open sesame""#,
        r#"STRIPE_API_KEY = "k""#,
        r#"AWS_SECRET_ACCESS_KEY = "abc""#,
        r#"JWT_SIGNING_KEY = "abc""#,
        r#"SMTP_CREDENTIALS = "user:pw""#,
        r#"GHTOKEN = "abc""#,
    ] {
        assert_eq!(env_codes(env), [Code::SW0210], "`{env}` should be flagged");
    }
}

#[test]
fn token_shapes_are_flagged_whatever_the_name() {
    for env in [
        r#"GH = "ghp_16C7e42F292c6912E7710c838347Ae178B4a""#,
        r#"GL = "glpat-abcdefghij0123456789""#,
        r#"AWS = "AKIAIOSFODNN7EXAMPLE""#,
        r#"SLACK = "xoxb-123-456-abc""#,
    ] {
        assert_eq!(env_codes(env), [Code::SW0210], "`{env}` should be flagged");
    }
}

#[test]
fn urls_with_credentials_are_flagged_wherever_they_go_out() {
    let url = "postgres://admin:hunter2@db:5432/shop";
    assert_eq!(
        env_codes(&format!(r#"DATABASE_URL = "{url}""#)),
        [Code::SW0210]
    );
    assert_eq!(
        env_codes(r#"REPO = "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/a/b""#),
        [Code::SW0210]
    );
    for app in [
        r#"repository = "https://oauth2:glpat-abcdefghij@gitlab.com/acme/shop""#,
        r#"registry = "bot:hunter2@registry.acme.com""#,
        r#"prometheus = "http://admin:hunter2@prometheus:9090""#,
    ] {
        assert_eq!(
            codes(app, "", ""),
            [Code::SW0210],
            "`{app}` should be flagged"
        );
    }
}

#[test]
fn passwords_on_exec_probe_command_lines_are_flagged() {
    for command in [
        r#"["mysqladmin", "ping", "-phunter2"]"#,
        r#"["redis-cli", "-a", "hunter2", "ping"]"#,
        r#"["check", "--password=hunter2"]"#,
        r#"["check", "--token", "abc"]"#,
        r#"["sh", "-c", "PGPASSWORD=hunter2 pg_isready"]"#,
        r#"["sh", "-c", "mysqladmin ping -uroot -phunter2"]"#,
        r#"["curl", "-f", "http://u:p@localhost:8080/health"]"#,
    ] {
        let probe = format!("liveness = exec {{ command = {command} }}");
        assert_eq!(
            codes("", "", &probe),
            [Code::SW0210],
            "`{command}` should be flagged"
        );
    }
}

#[test]
fn references_paths_and_plain_settings_are_not_flagged() {
    for env in [
        r#"API_TOKEN = "${API_TOKEN}""#,
        r#"API_TOKEN = "$(API_TOKEN)""#,
        r#"DB_PASSWORD = """#,
        r#"DB_PASSWORD_FILE = "/run/secrets/db""#,
        r#"TOKEN_URL = "https://auth.acme.com/oauth/token""#,
        r#"SECRET_NAME = "web-db""#,
        r#"TOKEN_TTL = "1h""#,
        r#"PWD = "/app""#,
        r#"PASSWORD_MIN_LENGTH = "12""#,
        r#"KEYCLOAK_URL = "https://sso.acme.com""#,
        r#"PASSENGER_COUNT = "4""#,
        r#"SSH_REPO = "ssh://git@github.com/acme/shop.git""#,
        r#"MIRROR = "https://mirror.acme.com/path@v2""#,
        r#"DB_PASSWORD = secret { name = "web-db"  key = "password" }"#,
    ] {
        assert_eq!(env_codes(env), [], "`{env}` should be accepted");
    }
    for command in [
        r#"["mysqladmin", "ping", "-p$MYSQL_PASSWORD"]"#,
        r#"["sh", "-c", "PGPASSWORD=$DB_PASSWORD pg_isready -p 5432"]"#,
        r#"["check", "--password-file", "/run/secrets/pw"]"#,
        r#"["python", "-m", "worker.health"]"#,
    ] {
        let probe = format!("liveness = exec {{ command = {command} }}");
        assert_eq!(codes("", "", &probe), [], "`{command}` should be accepted");
    }
}

#[test]
fn a_flagged_value_is_never_written() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("secrets-not-written");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    let spec = "app shop {\n  repository = \"https://x-access-token:hunter2@github.com/acme/shop\"\n  registry   = \"ghcr.io/acme\"\n  prometheus = \"http://prometheus:9090\"\n}\n\nservice web {\n  image = \"web:1.4.2\"\n  ports { http = 8080 }\n  env { DATABASE_URL = \"postgres://admin:hunter2@db/shop\" }\n}\n\nenvironment staging {\n  cluster   = \"staging\"\n  namespace = \"shop-staging\"\n  trigger   = push { branch = \"main\" }\n}\n";
    std::fs::write(dir.join("spec/app.slip"), spec).unwrap();
    let out = dir.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_slipway"))
        .args(["compile", "spec", "--out", "out", "--quiet"])
        .args(["--target", "k8s,istio,kustomize,github,argocd,prometheus"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(stderr.contains("SW0210"), "{stderr}");
    let written = std::fs::read_dir(&out).map_or(0, |entries| entries.count());
    assert_eq!(written, 0, "nothing may be written to --out");
}
