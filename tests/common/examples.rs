//! The crate's example programs and the demo's binaries, built on demand
//! for tests that run them as processes.

use std::path::PathBuf;
use std::process::Command;

/// Builds the example `name` with `features`, in the profile the test
/// itself was built in, and returns the path of its binary. Cargo runs tests
/// after building them, so this does not fight over the build lock.
pub fn build(name: &str, features: &[&str]) -> PathBuf {
    let mut args = vec!["--example", name];
    let joined = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", &joined]);
    }
    cargo_build(&args, name)
        .join("examples")
        .join(exe_name(name))
}

/// Builds the binary `name` of the `sse-wire-demo` package (`demo/`) and
/// returns its path.
#[allow(dead_code)]
pub fn build_demo(name: &str) -> PathBuf {
    cargo_build(&["-p", "sse-wire-demo", "--bin", name], name).join(exe_name(name))
}

/// Runs `cargo build` with `args` in the profile the test was built in, and
/// returns that profile's directory.
fn cargo_build(args: &[&str], name: &str) -> PathBuf {
    // target/<profile>/deps/<test>-<hash> -> target/<profile>
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--manifest-path"]);
    build.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    build.args(args);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building {name} failed");
    profile_dir
}

fn exe_name(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
