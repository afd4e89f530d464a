//! The language server's memo (`check::Memo`) never changes a result: over a generated
//! multi-file spec and a fixed pseudo-random sequence of edits (numbers, renames, broken
//! syntax, unknown fields, defaults and overrides, strategies, `after`, templates, the app's
//! registry, duplicates, typos that ask for suggestions), the check that reuses the last
//! check's work gives, after every edit, exactly the diagnostics (rendered, and every field)
//! and the model of a fresh check of the same texts. Each model is handed back to the memo, as
//! the server hands it back, so the next check moves what it keeps out of it.

mod random_support;

use random_support::Random;
use slipway::check::modules::NoFiles;
use slipway::check::Memo;
use slipway::{RootFile, SourceFile};
use std::collections::BTreeMap;
use std::path::Path;

const APP: &str = "app shop {\n  registry = \"ghcr.io/acme\"\n}\n";

const TEMPLATES: &str = r#"import std/probes

/// Every web service starts here.
template web = service {
  replicas = 2
  ports { http = 8080 }
  resources { limits { cpu = 1  memory = 512Mi } }
}

template ready = http {
  path   = "/ready"
  port   = http
  period = 5s
}
"#;

const STRATEGIES: &str = r#"strategy standard = rolling {
  max_surge       = 25%
  max_unavailable = 0
}

strategy careful = canary {
  step { weight = 10%  pause = 10m }
  step { weight = 100% }
}
"#;

const ENVIRONMENTS: &str = r#"environment staging {
  cluster   = "staging-cluster"
  namespace = "shop-staging"
  trigger   = push { branch = "main" }
  strategy  = standard
}

environment preprod {
  cluster   = "staging-cluster"
  namespace = "shop-preprod"
  after     = staging
  approval  = manual { reviewers = ["release"] }
  strategy  = standard
  defaults {
    replicas = 2
  }
}

environment prod {
  cluster    = "prod-cluster"
  namespace  = "shop-prod"
  after      = preprod
  production = true
  approval   = manual { reviewers = ["sre"] }
  strategy   = careful
  override svc-1-0 { replicas = 4 }
  override svc-2-1 { strategy = standard }
}
"#;

const POLICIES: &str = r#"policy pinned {
  each    = deployment
  when    = environment.production
  require = service.image.pinned
  message = "production images are pinned"
}
"#;

/// Service `index` of file `file`: a mix of plain services, services built from a template,
/// short images that take the app's registry, probes from the standard library and from a
/// template, and dependencies.
fn service(file: usize, index: usize) -> String {
    let name = format!("svc-{file}-{index}");
    let image = match index % 3 {
        0 => format!("\"ghcr.io/acme/{name}:1.{index}.0\""),
        1 => format!("\"{name}:2.{file}\""),
        _ => format!("\"ghcr.io/acme/{name}@sha256:{}\"", "a".repeat(64)),
    };
    let from = if index % 4 == 1 { " from web" } else { "" };
    let probes = match index % 3 {
        0 => "  ports { http = 8080 }\n  liveness = probes.http-health\n  readiness = ready\n",
        1 => "  readiness = http { path = \"/ready\"  port = http  period = 5s }\n",
        _ => "  ports { http = 9090 }\n  liveness = http { path = \"/healthz\"  port = http }\n",
    };
    let depends = if index > 0 && index % 2 == 0 {
        format!("  depends_on = [svc-{file}-{}]\n", index - 1)
    } else {
        String::new()
    };
    let ports = if from.is_empty() && index % 3 == 1 {
        "  ports { http = 8081 }\n"
    } else {
        ""
    };
    format!(
        "/// Service {index} of file {file}.\nservice {name}{from} {{\n  image    = {image}\n  replicas = {replicas}\n{ports}{probes}{depends}  resources {{\n    requests {{ cpu = {cpu}m  memory = 128Mi }}\n  }}\n}}\n\n",
        replicas = 1 + index % 3,
        cpu = 100 + 50 * index,
    )
}

fn workspace() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert("app.slip".to_string(), APP.to_string());
    files.insert("templates.slip".to_string(), TEMPLATES.to_string());
    files.insert("strategies.slip".to_string(), STRATEGIES.to_string());
    files.insert("environments.slip".to_string(), ENVIRONMENTS.to_string());
    files.insert("policies.slip".to_string(), POLICIES.to_string());
    for file in 0..4 {
        let text: String = (0..6).map(|index| service(file, index)).collect();
        files.insert(format!("services-{file}.slip"), text);
    }
    files
}

/// One kind of edit: which files it may touch and how it changes a text (`None`: it does not
/// apply to this text).
type Edit = fn(&str, &mut Random) -> Option<String>;

/// Replaces the `nth` occurrence (counted modulo the occurrences) of `from` with `to`.
fn replace_one(text: &str, from: &str, to: &str, nth: usize) -> Option<String> {
    let found: Vec<usize> = text.match_indices(from).map(|(at, _)| at).collect();
    let at = *found.get(nth % found.len().max(1))?;
    Some(format!("{}{to}{}", &text[..at], &text[at + from.len()..]))
}

fn change_a_number(text: &str, random: &mut Random) -> Option<String> {
    let to = format!("replicas = {}", random.below(5));
    let from = [
        "replicas = 1",
        "replicas = 2",
        "replicas = 3",
        "replicas = 4",
    ][random.below(4)];
    replace_one(text, from, &to, random.below(8))
}

fn rename_a_service(text: &str, random: &mut Random) -> Option<String> {
    let nth = random.below(6);
    let at = text.match_indices("service svc-").nth(nth)?.0 + "service svc-".len();
    Some(format!("{}x{}", &text[..at], &text[at..]))
}

fn break_syntax(text: &str, random: &mut Random) -> Option<String> {
    let broken = [
        "replicas = = 2",
        "replicas = 2 }",
        "image    = \"unterminated",
    ];
    replace_one(
        text,
        "replicas = ",
        broken[random.below(3)],
        random.below(6),
    )
    .map(|t| t.replacen("= = 2", "= =", 1))
}

fn add_an_unknown_field(text: &str, random: &mut Random) -> Option<String> {
    let field = [
        "replica = 2",
        "imagee = \"x\"",
        "livenes = http { port = http }",
    ][random.below(3)];
    replace_one(
        text,
        "  image    = ",
        &format!("  {field}\n  image    = "),
        random.below(6),
    )
}

fn edit_defaults_or_an_override(text: &str, random: &mut Random) -> Option<String> {
    match random.below(4) {
        0 => replace_one(
            text,
            "replicas = 2\n  }",
            "replicas = 5\n    env { A = \"b\" }\n  }",
            0,
        ),
        1 => replace_one(
            text,
            "override svc-1-0 { replicas = 4 }",
            "override svc-1-0 { replicas = 0 }",
            0,
        ),
        2 => replace_one(
            text,
            "  override svc-2-1",
            "  override svc-3-4 { replicas = 3 }\n  override svc-2-1",
            0,
        ),
        _ => replace_one(text, "override svc-1-0", "override svc-1-9", 0),
    }
}

fn edit_a_strategy(text: &str, random: &mut Random) -> Option<String> {
    match random.below(3) {
        0 => replace_one(
            text,
            "weight = 10%",
            &format!("weight = {}%", 5 + random.below(90)),
            0,
        ),
        1 => replace_one(
            text,
            "max_unavailable = 0",
            "max_unavailable = 0\n  max_surg = 1",
            0,
        ),
        _ => replace_one(text, "strategy careful", "strategy carefull", 0),
    }
}

fn remove_an_after(text: &str, random: &mut Random) -> Option<String> {
    replace_one(text, "  after     = staging\n", "", random.below(2)).or_else(|| {
        replace_one(
            text,
            "  after      = preprod\n",
            "  after      = staging\n",
            0,
        )
    })
}

fn use_a_template(text: &str, random: &mut Random) -> Option<String> {
    let nth = random.below(6);
    let at = text.match_indices(" {\n  image").nth(nth)?.0;
    let template = [" from web", " from ready", " from nothing-here"][random.below(3)];
    Some(format!("{}{template}{}", &text[..at], &text[at..]))
}

fn edit_a_template(text: &str, random: &mut Random) -> Option<String> {
    match random.below(4) {
        0 => replace_one(
            text,
            "replicas = 2\n  ports { http = 8080 }",
            "replicas = 7\n  ports { http = 8080 }",
            0,
        ),
        1 => replace_one(text, "path   = \"/ready\"", "path   = \"/readyz\"", 0),
        // A template named as a probe that was a kind before: the services that name `ready`
        // now find nothing, then something else.
        2 => replace_one(text, "template ready", "template readz", 0),
        _ => Some(format!(
            "{text}\ntemplate healthz = http {{ port = http }}\n"
        )),
    }
}

fn edit_the_app(text: &str, random: &mut Random) -> Option<String> {
    match random.below(3) {
        0 => replace_one(text, "ghcr.io/acme", "registry.example.com/team", 0),
        1 => replace_one(text, "  registry = \"ghcr.io/acme\"\n", "", 0),
        _ => Some(text.replace("registry.example.com/team", "ghcr.io/acme")),
    }
}

fn duplicate_a_service(text: &str, random: &mut Random) -> Option<String> {
    let nth = random.below(6);
    let start = text.match_indices("/// Service").nth(nth)?.0;
    let end = start + text[start..].find("}\n\n")? + 3;
    Some(format!("{text}{}", &text[start..end]))
}

fn shift_the_file(text: &str, _: &mut Random) -> Option<String> {
    Some(format!("// a comment that moves every declaration\n{text}"))
}

fn name_a_missing_probe(text: &str, random: &mut Random) -> Option<String> {
    let name = ["healthz", "readz", "probes.http-helth"][random.below(3)];
    replace_one(
        text,
        "readiness = ready",
        &format!("readiness = {name}"),
        random.below(3),
    )
}

/// Each kind of edit with the files it edits ("services" for any services file).
const EDITS: &[(&str, Edit)] = &[
    ("services", change_a_number),
    ("services", rename_a_service),
    ("services", break_syntax),
    ("services", add_an_unknown_field),
    ("environments.slip", edit_defaults_or_an_override),
    ("strategies.slip", edit_a_strategy),
    ("environments.slip", remove_an_after),
    ("services", use_a_template),
    ("templates.slip", edit_a_template),
    ("app.slip", edit_the_app),
    ("services", duplicate_a_service),
    ("services", shift_the_file),
    ("services", name_a_missing_probe),
];

fn roots(files: &BTreeMap<String, String>) -> Vec<RootFile> {
    files
        .iter()
        .map(|(name, text)| {
            RootFile::named(SourceFile {
                name: name.clone(),
                text: text.clone(),
            })
        })
        .collect()
}

/// Everything a check gives that the memo could change: the diagnostics as the command line
/// renders them, every field of each, and the model.
fn outcome(checked: &slipway::Checked) -> (String, String, String) {
    (
        slipway::diagnostics::render::render_short(&checked.files, &checked.diagnostics),
        format!("{:#?}", checked.diagnostics),
        format!("{:#?}", checked.model),
    )
}

fn assert_same(
    step: usize,
    what: &str,
    memoised: &slipway::Checked,
    files: &BTreeMap<String, String>,
) {
    let fresh = slipway::check_project(roots(files), Path::new(""), &NoFiles);
    let (fresh_short, fresh_all, fresh_model) = outcome(&fresh);
    let (short, all, model) = outcome(memoised);
    assert_eq!(
        short, fresh_short,
        "step {step} ({what}): rendered diagnostics differ"
    );
    assert_eq!(all, fresh_all, "step {step} ({what}): diagnostics differ");
    assert!(model == fresh_model, "step {step} ({what}): models differ");
}

#[test]
fn after_every_edit_the_memoised_check_equals_a_fresh_one() {
    let original = workspace();
    let mut files = original.clone();
    let mut memo = Memo::new();
    let mut random = Random(0x5eed_1234_abcd_ef01);
    let mut hits = 0;
    let mut kinds_applied = vec![0; EDITS.len()];
    for step in 0..240 {
        let what = if step % 25 == 24 {
            files = original.clone();
            "back to the start"
        } else {
            let kind = random.below(EDITS.len());
            let (target, edit) = EDITS[kind];
            let name = match target {
                "services" => format!("services-{}.slip", random.below(4)),
                file => file.to_string(),
            };
            if let Some(edited) = edit(&files[&name], &mut random) {
                files.insert(name, edited);
                kinds_applied[kind] += 1;
            }
            target
        };
        let checked =
            slipway::check_project_with(roots(&files), Path::new(""), &NoFiles, &mut memo);
        hits += memo.hits;
        assert_same(step, what, &checked, &files);
        // As the server does: the model goes back to the memo, to be taken apart by the next
        // check (its services, deployments and service order).
        memo.recycle(checked.model, memo.generation());
    }
    assert!(
        kinds_applied.iter().all(|applied| *applied > 0),
        "every kind of edit is made: {kinds_applied:?}"
    );
    assert!(hits > 1_000, "the memo was used: {hits} hits");
}

#[test]
fn a_clean_spec_is_checked_once_and_then_taken_from_the_memo() {
    let files = workspace();
    let fresh = slipway::check_project(roots(&files), Path::new(""), &NoFiles);
    assert!(
        !fresh.has_errors(),
        "the generated spec is clean: {}",
        slipway::diagnostics::render::render_short(&fresh.files, &fresh.diagnostics)
    );
    let mut memo = Memo::new();
    let first = slipway::check_project_with(roots(&files), Path::new(""), &NoFiles, &mut memo);
    assert_eq!(memo.hits, 0);
    let stale = memo.generation();
    memo.recycle(first.model, stale);
    let again = slipway::check_project_with(roots(&files), Path::new(""), &NoFiles, &mut memo);
    // Only the 16 services that use a template are expanded, lowered and deployed again; the
    // 8 others, the app, the policy and the environments' expansions take 29 pieces of work
    // and 8 x 3 deployments from the memo, and the services' graph is the last check's.
    assert_eq!((memo.hits, memo.misses), (29 + 24 + 1, 16));
    assert_same(0, "the same texts", &again, &files);
    // A model from another check than the last is not taken back: its 8 services are lowered
    // and deployed again, and the graph (whose order is in that model) analysed again.
    memo.recycle(again.model, stale);
    slipway::check_project_with(roots(&files), Path::new(""), &NoFiles, &mut memo);
    assert_eq!((memo.hits, memo.misses), (29 - 8, 16 + 8 + 24 + 1));
}

/// An edit of one file: its name and how its text changes.
type FileEdit<'a> = (&'a str, &'a dyn Fn(&str) -> String);

/// Edits made one after another, each compared with a fresh check.
fn check_each(edits: &[FileEdit]) {
    let mut files = workspace();
    let mut memo = Memo::new();
    for (step, (name, edit)) in edits.iter().enumerate() {
        let edited = edit(&files[*name]);
        files.insert(name.to_string(), edited);
        let checked =
            slipway::check_project_with(roots(&files), Path::new(""), &NoFiles, &mut memo);
        assert_same(step, name, &checked, &files);
        memo.recycle(checked.model, memo.generation());
    }
}

#[test]
fn a_template_declared_later_reaches_a_service_that_named_it_before() {
    check_each(&[
        ("services-0.slip", &|t| {
            t.replace("readiness = http {", "readiness = healthz {")
        }),
        ("app.slip", &|t| t.to_string()),
        ("templates.slip", &|t| {
            format!("{t}\ntemplate healthz = http {{ port = http }}\n")
        }),
        ("app.slip", &|t| t.to_string()),
        ("templates.slip", &|t| {
            t.replace("template healthz", "template healthy")
        }),
    ]);
}

#[test]
fn the_services_graph_is_taken_from_the_memo_only_while_names_and_dependencies_stay() {
    check_each(&[
        // A cycle: svc-0-2 already depends on svc-0-1.
        ("services-0.slip", &|t| {
            t.replace(
                "service svc-0-1 from web {\n",
                "service svc-0-1 from web {\n  depends_on = [svc-0-2]\n",
            )
        }),
        // Nothing of the graph changes: its cycle is replayed.
        ("app.slip", &|t| t.to_string()),
        // The cycle's edges move: its labels follow them.
        ("services-0.slip", &|t| format!("// every span moves\n{t}")),
        ("app.slip", &|t| t.to_string()),
        ("services-1.slip", &|t| {
            t.replace("depends_on = [svc-1-1]", "depends_on = [svc-1-3]")
        }),
        ("services-0.slip", &|t| {
            t.replace("  depends_on = [svc-0-2]\n", "")
        }),
        // A renamed service: the order changes, and a dependency on it is unknown.
        ("services-2.slip", &|t| {
            t.replace("service svc-2-3", "service svc-2-9")
        }),
        ("app.slip", &|t| t.to_string()),
    ]);
}
