//! Windows executables get resources: the icon (Explorer, taskbar, Start menu), a version resource
//! (file properties, the MSI's file version) and an application manifest (PerMonitorV2 DPI
//! awareness, common controls v6, long paths, no console window of its own). Built with Debian's
//! `x86_64-w64-mingw32-windres` when cross-compiling, the MinGW or MSVC tool on Windows.
//! Nothing to do for other targets.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The target, not the host: `cfg!(windows)` here would describe the machine running the build.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let icon = Path::new(&dir).join("assets/icon/adphoto.ico");
    let manifest = Path::new(&dir).join("installer/windows/adphoto.exe.manifest");
    println!("cargo:rerun-if-changed={}", icon.display());
    println!("cargo:rerun-if-changed={}", manifest.display());

    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let part = |name: &str| -> u64 {
        env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    // VS_FIXEDFILEINFO's 64-bit version: major.minor.patch.0, 16 bits each.
    let version_number = (major << 48) | (minor << 32) | (patch << 16);
    // Written out whole rather than given to `set_manifest`, which quotes it line by line into the
    // .rc and so puts a space before `<?xml`: malformed XML, and an exe whose manifest Windows
    // cannot parse does not start ("side-by-side configuration is incorrect").
    let text = std::fs::read_to_string(&manifest)
        .expect("installer/windows/adphoto.exe.manifest is readable")
        .replace("@VERSION@", &format!("{major}.{minor}.{patch}.0"));
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let manifest = Path::new(&out).join("adphoto.exe.manifest");
    std::fs::write(&manifest, text).expect("OUT_DIR is writable");

    let mut res = winresource::WindowsResource::new();
    res.set_icon(icon.to_str().expect("the source path is UTF-8"))
        .set_manifest_file(manifest.to_str().expect("OUT_DIR is UTF-8"))
        .set_language(0x0409) // en-US
        .set("ProductName", "adphoto")
        .set("FileDescription", "adphoto")
        .set(
            "Comments",
            &env::var("CARGO_PKG_DESCRIPTION").unwrap_or_default(),
        )
        .set("CompanyName", "adphoto developers")
        .set(
            "LegalCopyright",
            "Copyright 2026 adphoto developers. MIT or Apache-2.0.",
        )
        .set("InternalName", "adphoto")
        .set("OriginalFilename", "adphoto.exe")
        // Also set by `new()` from the same variables; said here so nobody has to look.
        .set("ProductVersion", &version)
        .set("FileVersion", &version)
        .set_version_info(winresource::VersionInfo::FILEVERSION, version_number)
        .set_version_info(winresource::VersionInfo::PRODUCTVERSION, version_number);
    // Only the program gets them, not the test and bench executables.
    if let Err(e) = res.compile_for("adphoto") {
        panic!(
            "could not compile the Windows resources ({e}); when cross-compiling on Debian, \
             install binutils-mingw-w64-x86-64 (x86_64-w64-mingw32-windres)"
        );
    }
}
