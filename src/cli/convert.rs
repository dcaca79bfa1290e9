//! `adphoto convert IN -o OUT`: run one picture through the photo core.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::photo::{self, PrepareOptions, Preset, Target};

#[derive(Debug, Clone, clap::Args)]
pub struct ConvertArgs {
    /// The picture to convert (JPEG, PNG, GIF, BMP, TIFF or WebP).
    pub input: PathBuf,
    /// Where to write the JPEG.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// outlook (96 px, ≤ 10,240 bytes) or large (648 px, ≤ 102,400 bytes).
    #[arg(long, default_value = "outlook")]
    pub preset: Preset,
    /// Square side in pixels (overrides the preset's).
    #[arg(long)]
    pub size: Option<u32>,
    /// Byte budget (overrides the preset's; at most 102,400).
    #[arg(long = "max-bytes")]
    pub max_bytes: Option<usize>,
    /// Print {"width","height","bytes","quality"} as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 on success; 2 with a one-line reason on stderr for bad input or options; 1 when the
/// output cannot be written.
pub fn run(args: &ConvertArgs) -> ExitCode {
    match convert(args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err((code, msg)) => {
            eprintln!("adphoto convert: {msg}");
            ExitCode::from(code)
        }
    }
}

fn convert(args: &ConvertArgs) -> Result<String, (u8, String)> {
    let base = args.preset.target();
    let target = match (args.size, args.max_bytes) {
        (None, None) => base,
        (s, b) => Target::custom(s.unwrap_or(base.size), b.unwrap_or(base.max_bytes))
            .map_err(|e| (2, e.to_string()))?,
    };
    let input = std::fs::read(&args.input)
        .map_err(|e| (2, format!("cannot read {}: {e}", args.input.display())))?;
    let opts = PrepareOptions::with_target(target);
    let out =
        photo::prepare(&input, &opts).map_err(|e| (2, format!("{}: {e}", args.input.display())))?;
    std::fs::write(&args.output, &out.jpeg)
        .map_err(|e| (1, format!("cannot write {}: {e}", args.output.display())))?;
    Ok(if args.json {
        serde_json::json!({
            "width": out.width,
            "height": out.height,
            "bytes": out.jpeg.len(),
            "quality": out.quality,
        })
        .to_string()
    } else {
        format!(
            "{} → {}: {}×{} px, {} bytes, quality {}{}",
            args.input.display(),
            args.output.display(),
            out.width,
            out.height,
            out.jpeg.len(),
            out.quality,
            if out.face_found {
                ", framed on the face"
            } else {
                ""
            }
        )
    })
}
