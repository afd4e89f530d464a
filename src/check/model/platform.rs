//! The platforms an image is built for (`build { platforms = ["linux/amd64", "linux/arm64"] }`),
//! as `docker buildx build --platform` names them, with the CPU architecture each gives a
//! node (`kubernetes.io/arch`), so the checker can tell when pods are scheduled onto nodes
//! their image cannot run on.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Platform {
    #[serde(rename = "linux/amd64")]
    LinuxAmd64,
    #[serde(rename = "linux/arm64")]
    LinuxArm64,
    #[serde(rename = "linux/arm/v7")]
    LinuxArmV7,
    #[serde(rename = "linux/ppc64le")]
    LinuxPpc64le,
    #[serde(rename = "linux/s390x")]
    LinuxS390x,
    #[serde(rename = "linux/riscv64")]
    LinuxRiscv64,
}

impl Platform {
    /// Every platform, as the spec (and buildx) writes it.
    pub const ALL: &'static [(&'static str, Platform)] = &[
        ("linux/amd64", Platform::LinuxAmd64),
        ("linux/arm64", Platform::LinuxArm64),
        ("linux/arm/v7", Platform::LinuxArmV7),
        ("linux/ppc64le", Platform::LinuxPpc64le),
        ("linux/s390x", Platform::LinuxS390x),
        ("linux/riscv64", Platform::LinuxRiscv64),
    ];

    /// The platform a spec string names.
    pub fn parse(text: &str) -> Option<Platform> {
        Platform::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, platform)| *platform)
    }

    /// As `--platform` takes it: `linux/arm64`.
    pub fn name(self) -> &'static str {
        Platform::ALL
            .iter()
            .find(|(_, platform)| *platform == self)
            .map_or("linux/amd64", |(name, _)| name)
    }

    /// The node label `kubernetes.io/arch` of the nodes this platform runs on.
    pub fn architecture(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "amd64",
            Platform::LinuxArm64 => "arm64",
            Platform::LinuxArmV7 => "arm",
            Platform::LinuxPpc64le => "ppc64le",
            Platform::LinuxS390x => "s390x",
            Platform::LinuxRiscv64 => "riscv64",
        }
    }
}
