//! The crate's example programs, built on demand for tests that run them as
//! processes.

use std::path::PathBuf;
use std::process::Command;

/// Builds the example `name` with `features`, in the profile the test
/// itself was built in, and returns the path of its binary. Cargo runs tests
/// after building them, so this does not fight over the build lock.
pub fn build(name: &str, features: &[&str]) -> PathBuf {
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name, "--manifest-path"]);
    build.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    if !features.is_empty() {
        build.args(["--features", &features.join(",")]);
    }
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building the {name} example failed");
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
