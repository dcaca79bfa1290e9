//! The shipped demo directory: a fictional company (assets/demo), so that everything can be
//! tried without an AD, in the window (Open demo directory) and on the command line (--demo).

use std::path::{Path, PathBuf};

/// The demo directory (a fictional company), built into the binary so it works anywhere.
pub const DEMO_LDIF: &str = include_str!("../../assets/demo/demo.ldif");

/// Writes the demo LDIF to `<data_dir>/demo/demo.ldif` and returns that path. It is written
/// afresh every time: what was done to the demo lives in its change file, not here.
pub fn install(data_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = data_dir.join("demo");
    let source = dir.join("demo.ldif");
    // The data folder is private (0700), whichever of its parts is made first — the demo often
    // is; a data folder left 0755 by an older version is tightened here too.
    crate::data_folder::create_private_dir(data_dir)?;
    crate::data_folder::create_private_dir(&dir)?;
    std::fs::write(&source, DEMO_LDIF)?;
    Ok(source)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_demo_installs_and_opens() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let path = super::install(&data).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&data), 0o700, "the data folder is private");
            assert_eq!(mode(&data.join("demo")), 0o700);
        }
        assert!(super::DEMO_LDIF.contains("DC=demo,DC=example"));
        let dir = super::super::Directory::open_ldif(&path, tmp.path().join("changes.ldif"));
        assert_eq!(dir.unwrap().base_dn(), "DC=demo,DC=example");
    }
}
