//! The fast writer against serde_yaml (plus the YAML 1.1 quoting): every shape the emitters
//! produce and a corpus of awkward strings must come out byte for byte the same, or be left
//! to serde_yaml.

use super::{serde_yaml_text, writer};
use serde::Serialize;
use std::collections::BTreeMap;

/// The fast writer's text, or `None` when it leaves the document to serde_yaml.
fn fast<T: Serialize>(document: &T) -> Option<String> {
    let mut out = String::new();
    writer::write_document(&mut out, document)
        .ok()
        .map(|()| out)
}

/// Asserts that the fast writer agrees with serde_yaml; returns whether it handled `document`.
fn agrees<T: Serialize + std::fmt::Debug>(document: &T) -> bool {
    let reference = serde_yaml_text(document);
    match fast(document) {
        Some(text) => {
            assert_eq!(
                text, reference,
                "fast writer differs from serde_yaml for {document:?}"
            );
            true
        }
        None => false,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<i32>,
    ports: Vec<Port>,
    args: Vec<String>,
    labels: BTreeMap<String, String>,
    nested: Vec<Vec<String>>,
    empty: Empty,
    flag: bool,
    kind: Kind,
    unit: (),
}

#[derive(Debug, Serialize)]
struct Port {
    number: u16,
    big: u64,
    negative: i64,
    wide: i128,
}

#[derive(Debug, Serialize)]
struct Empty {}

#[derive(Debug, Serialize)]
enum Kind {
    Deployment,
}

fn container(text: &str) -> Container {
    Container {
        name: text.to_string(),
        image: None,
        replicas: Some(-3),
        ports: vec![
            Port {
                number: 8080,
                big: u64::MAX,
                negative: i64::MIN,
                wide: i128::MIN,
            },
            Port {
                number: 0,
                big: 1,
                negative: -1,
                wide: 0,
            },
        ],
        args: vec![text.to_string(), "--flag".to_string(), String::new()],
        labels: BTreeMap::from([
            (text.to_string(), text.to_string()),
            ("app".to_string(), "web".to_string()),
        ]),
        nested: vec![
            vec![text.to_string(), "b".to_string()],
            vec![],
            vec!["c".to_string()],
        ],
        empty: Empty {},
        flag: true,
        kind: Kind::Deployment,
        unit: (),
    }
}

#[test]
fn shapes_agree_and_take_the_fast_path() {
    assert!(agrees(&container("web")));
    assert!(agrees(&vec![container("a"), container("b")]));
    assert!(agrees(&BTreeMap::from([(
        "one".to_string(),
        "entry".to_string()
    )])));
    assert!(agrees(&BTreeMap::<String, String>::new()));
    assert!(agrees(&Vec::<String>::new()));
    assert!(agrees(&vec![vec![vec!["deep".to_string()]]]));
    assert!(agrees(&BTreeMap::from([(
        "k".to_string(),
        vec![BTreeMap::from([("a".to_string(), Vec::<u8>::new())])]
    )])));
    assert!(agrees(&vec![Empty {}]));
}

#[test]
fn unhandled_shapes_are_left_to_serde_yaml() {
    #[derive(Debug, Serialize)]
    enum Tagged {
        Value(u8),
    }
    assert!(!agrees(&BTreeMap::from([("f", 1.5)])));
    assert!(!agrees(&BTreeMap::from([("c", 'x')])));
    assert!(!agrees(&BTreeMap::from([("t", Tagged::Value(1))])));
    assert!(!agrees(&"a document that is a scalar"));
    assert!(!agrees(&BTreeMap::from([(1, "integer key")])));
    assert!(!agrees(&BTreeMap::from([("k".repeat(129), "long key")])));
    assert!(!agrees(&BTreeMap::from([("tab", "a\tb")])));
    assert!(!agrees(&BTreeMap::from([("accent", "café")])));
}

/// Strings chosen to hit every rule: YAML 1.2 and 1.1 look-alikes, indicators, spaces.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "a",
    "-",
    "--",
    "---",
    "---x",
    "...",
    "..x",
    "?",
    "?x",
    "? x",
    ":",
    ":x",
    ": x",
    "x:",
    "x:y",
    "x: y",
    "#",
    "#x",
    "x#y",
    "x #y",
    "x# y",
    ",x",
    "x,y",
    "[x",
    "x]",
    "{x",
    "x}",
    "&x",
    "*x",
    "!x",
    "x!",
    "|x",
    ">x",
    "'x",
    "x'y",
    "\"x",
    "x\"y",
    "%x",
    "25%",
    "@x",
    "x@y",
    "`x",
    " x",
    "x ",
    "a b",
    "a  b",
    "~",
    "~x",
    "null",
    "Null",
    "NULL",
    "nULL",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "yes",
    "Yes",
    "no",
    "NO",
    "on",
    "On",
    "off",
    "y",
    "Y",
    "n",
    "N",
    "=",
    "<<",
    "0",
    "00",
    "007",
    "-007",
    "+007",
    "1",
    "-1",
    "+1",
    "++1",
    "+-1",
    "-+1",
    "1_000",
    "1:30",
    "-1:30",
    "12:30:00",
    "1.5",
    "-1.5",
    "+1.5",
    ".5",
    "5.",
    "1e3",
    "1E3",
    "1e+3",
    "1.2.2",
    "1.4.2",
    "2.0",
    "0x1F",
    "0X1F",
    "0x",
    "0x+1",
    "-0x1F",
    "+0x1F",
    "0o17",
    "-0o17",
    "0o8",
    "0b101",
    "-0b101",
    "0b2",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".NaN",
    ".nan",
    "inf",
    "nan",
    "infinity",
    "-inf",
    "1e400",
    "99999999999999999999999",
    "340282366920938463463374607431768211456",
    "-170141183460469231731687303715884105729",
    "500m",
    "1Gi",
    "512Mi",
    "10s",
    "1h",
    "v1",
    "apps/v1",
    "app.kubernetes.io/name",
    "ghcr.io/acme/web:1.4.2",
    "web@sha256:abc",
    "/healthz",
    "*",
    "x*",
    "a=b",
    "<x",
    ">",
    "x>",
    "-x",
    "- x",
    "x -",
    "x - y",
];

#[test]
fn awkward_strings_agree() {
    for text in AWKWARD {
        let text = text.to_string();
        agrees(&BTreeMap::from([("key".to_string(), text.clone())]));
        agrees(&BTreeMap::from([(text.clone(), "value".to_string())]));
        agrees(&BTreeMap::from([(text.clone(), text.clone())]));
        agrees(&vec![text.clone()]);
        agrees(&container(&text));
    }
}

#[test]
fn random_strings_agree() {
    const ALPHABET: &[u8] = b"ab xyzonNuleE019._-+:#?!%@'\"{}[],&*|>=<~`/\\\n";
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut fast_count = 0;
    for _ in 0..20_000 {
        let length = (next() % 7) as usize;
        let text: String = (0..length)
            .map(|_| char::from(ALPHABET[(next() % ALPHABET.len() as u64) as usize]))
            .collect();
        if agrees(&BTreeMap::from([(text.clone(), vec![text.clone()])])) {
            fast_count += 1;
        }
        agrees(&BTreeMap::from([("k".to_string(), text)]));
    }
    assert!(
        fast_count > 10_000,
        "the fast path handled only {fast_count} of 20000"
    );
}

/// Multi-line strings: literal blocks, their headers and what follows them.
const MULTI_LINE: &[&str] = &[
    "two\nlines",
    "ends\n",
    "ends twice\n\n",
    "\n",
    "\nleading break",
    " leading space\nx",
    "a\n\nb\n",
    "trailing space \nx",
    "x\ntrailing ",
    "tab\tx\ny",
    "set -eu\necho \"$A\"\nkubectl apply -k x\n",
    "a\n  indented\n",
    "café\nx",
    "x\r\ny",
    "- dash\n# hash\n",
    "key: value\nother: x",
    "\n\nx",
];

#[test]
fn multi_line_strings_agree() {
    #[derive(Debug, Serialize)]
    struct Step {
        name: String,
        run: String,
        with: BTreeMap<String, String>,
    }
    let mut fast_count = 0;
    for text in MULTI_LINE {
        let text = text.to_string();
        let documents = [
            agrees(&BTreeMap::from([("run".to_string(), text.clone())])),
            agrees(&BTreeMap::from([
                ("run".to_string(), text.clone()),
                ("z".to_string(), "after".to_string()),
            ])),
            agrees(&vec![text.clone(), "after".to_string()]),
            agrees(&vec![vec![text.clone()]]),
            agrees(&BTreeMap::from([(
                "steps".to_string(),
                vec![Step {
                    name: "a".into(),
                    run: text.clone(),
                    with: BTreeMap::from([("k".into(), text.clone())]),
                }],
            )])),
        ];
        fast_count += documents.iter().filter(|&&fast| fast).count();
    }
    assert!(
        fast_count >= 40,
        "the fast path took only {fast_count} multi-line documents"
    );
}
