//! Runs a generated rollout script with bash, from a scratch copy of the output tree, against
//! a stub `kubectl` (first on PATH) that the test writes: shared by the tests of canary hooks
//! and canary scale. The stub gets `STUB_DIR` (the scratch directory) to record its calls and
//! read what it should answer.

#![allow(dead_code)]

use slipway::emit::Output;
use std::path::PathBuf;
use std::process::Command;

/// The output tree under `out/`, the stub under `bin/`; removed when dropped.
pub struct Sandbox {
    pub dir: PathBuf,
}

/// What one run of the script gave: whether it succeeded, its output, and the stub's calls.
pub struct Run {
    pub ok: bool,
    pub log: String,
    pub calls: String,
}

impl Sandbox {
    pub fn new(name: &str, output: &Output, kubectl: &str) -> Sandbox {
        let dir =
            std::env::temp_dir().join(format!("slipway-script-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in &output.files {
            let target = dir.join("out").join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let stub = dir.join("bin/kubectl");
        std::fs::write(&stub, kubectl).unwrap();
        let mut permissions = std::fs::metadata(&stub).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&stub, permissions).unwrap();
        Sandbox { dir }
    }

    /// Writes `text` to `name` in the scratch directory, for the stub to read.
    pub fn write(&self, name: &str, text: &str) {
        let path = self.dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs `bash SCRIPT ARGS` from the output tree, with every wait divided by 100.
    pub fn run(&self, script: &str, args: &[&str]) -> Run {
        let _ = std::fs::remove_file(self.dir.join("calls"));
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let output = Command::new("bash")
            .arg(script)
            .args(args)
            .current_dir(self.dir.join("out"))
            .env("PATH", path)
            .env("STUB_DIR", &self.dir)
            .env("SLIPWAY_TIME_DIVISOR", "100")
            .env("OVERLAY", "kustomize/overlays/prod")
            .output()
            .unwrap();
        Run {
            ok: output.status.success(),
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            calls: std::fs::read_to_string(self.dir.join("calls")).unwrap_or_default(),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
