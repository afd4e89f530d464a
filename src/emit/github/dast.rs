//! The DAST job of an environment with `dast`: `dast-<env>` needs the environment's deploy
//! jobs (see [`super::flow`] for how it waits when some are skipped), and the environments `after` it need the DAST job instead, so a scan that finds
//! an alert of the spec's risk (`fail_on`) or higher stops the promotion.
//!
//! OWASP ZAP runs from its image pinned by digest ([`pins::ZAP_IMAGE`]): `zap-baseline.py`
//! (spider and passive rules) or `zap-full-scan.py` (active attacks too), writing a JSON and an
//! HTML report. The script reads the alerts' `riskcode` (3 high to 0 informational) and fails
//! on any at or above the threshold, and also when the scan did not complete: a scan that did
//! not run must not pass. The reports are uploaded with the run, whatever the result. The job
//! needs no token and no permission; the target reaches the script through `env:` only.

use super::flow::{Detection, Start};
use super::pins;
use super::types::{Job, Permissions, Step};
use crate::check::model::{Dast, DastScan, Environment};

/// The id of an environment's DAST job.
pub(crate) fn job_id(environment: &str) -> String {
    format!("dast-{environment}")
}

/// The DAST job of `environment` after its jobs `earlier`, or `None` when it has no scan.
pub fn job(environment: &Environment, detection: &Detection, earlier: &[String]) -> Option<Job> {
    let dast = environment.dast.as_ref()?;
    let url = dast.url.clone()?;
    let name = &environment.name.value;
    let (script_name, words) = scan(dast);
    let steps = vec![
        Step::run(
            format!("Scan {name} with OWASP ZAP ({words})"),
            super::without_header(SCRIPT),
        )
        .env("ZAP_IMAGE", pins::ZAP_IMAGE)
        .env("SCAN", script_name)
        .env("TARGET", url)
        .env("FAIL_ON", dast.fail_on.code().to_string())
        .env("FAIL_ON_NAME", dast.fail_on.keyword()),
        Step::uses("Keep the ZAP reports", pins::UPLOAD_ARTIFACT.reference())
            .when("always()")
            .with("name", job_id(name))
            .with("path", "${{ runner.temp }}/zap")
            .with("if-no-files-found", "warn"),
    ];
    let mut job = Job::new(
        format!("DAST of {name} ({words})"),
        Permissions::new(),
        steps,
    );
    let start = Start::within_environment(detection, earlier, &[]);
    job.condition = Some(start.condition(detection));
    job.needs = start.needs;
    job.timeout_minutes = match dast.scan {
        DastScan::Baseline => 30,
        DastScan::Full => 120,
    };
    Some(job)
}

/// What the scans need, for the workflow's header comment.
pub fn note(environments: &[&Environment]) -> Option<String> {
    let scanned: Vec<&str> = environments
        .iter()
        .filter(|e| e.dast.is_some() && e.deployed_by_workflow())
        .map(|e| e.name.value.as_str())
        .collect();
    (!scanned.is_empty()).then(|| {
        format!(
            "# OWASP ZAP scans {} once deployed, from GitHub's runner: the URL must be reachable
             # from there. An alert at the spec's risk or higher stops the promotion.
",
            scanned.join(", ")
        )
    })
}

/// ZAP's script for the scan, and the scan in words.
fn scan(dast: &Dast) -> (&'static str, &'static str) {
    match dast.scan {
        DastScan::Baseline => ("zap-baseline.py", "baseline"),
        DastScan::Full => ("zap-full-scan.py", "full scan"),
    }
}

const SCRIPT: &str = include_str!("dast.sh");
