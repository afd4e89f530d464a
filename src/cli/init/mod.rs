//! `slipway init [DIR]`: writes a commented starter spec that checks and compiles clean.

use super::status;
use std::path::Path;

/// The starter spec, also checked and compiled by the tests.
pub const STARTER: &str = include_str!("starter.slip");

pub const FILE_NAME: &str = "delivery.slip";

pub fn run(dir: &Path) -> u8 {
    let path = dir.join(FILE_NAME);
    if path.exists() {
        eprintln!("error: {} already exists; nothing written", path.display());
        return status::USAGE;
    }
    if let Err(error) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, STARTER)) {
        eprintln!("error: cannot write {}: {error}", path.display());
        return status::USAGE;
    }
    eprintln!(
        "wrote {}; next: `slipway check {}` and `slipway compile {} --out deploy/`",
        path.display(),
        dir.display(),
        dir.display()
    );
    status::OK
}
