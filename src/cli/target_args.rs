//! `--preset`, `--size`, `--max-bytes`: the size and byte budget of the photos a command writes.

use clap::Args;

use crate::photo::{Preset, Target};

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// outlook: 96×96 px ≤ 10,240 bytes; large: 648×648 px ≤ 102,400 bytes.
    #[arg(long, default_value = "outlook")]
    pub preset: Preset,
    /// Square side in pixels (overrides the preset's).
    #[arg(long, value_name = "PX")]
    pub size: Option<u32>,
    /// Byte budget (overrides the preset's; at most 102,400).
    #[arg(long, value_name = "N")]
    pub max_bytes: Option<usize>,
}

impl TargetArgs {
    pub fn target(&self) -> Result<Target, String> {
        let base = self.preset.target();
        match (self.size, self.max_bytes) {
            (None, None) => Ok(base),
            (s, b) => Target::custom(s.unwrap_or(base.size), b.unwrap_or(base.max_bytes))
                .map_err(|e| e.to_string()),
        }
    }
}
