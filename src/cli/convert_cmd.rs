//! `adphoto convert IN -o OUT`: run one picture through the photo core.

use std::path::PathBuf;

use super::{Failure, Outcome};
use crate::photo::{self, PrepareOptions};

#[derive(Debug, Clone, clap::Args)]
pub struct ConvertArgs {
    /// The picture to convert (JPEG, PNG, GIF, BMP, TIFF or WebP).
    pub input: PathBuf,
    /// Where to write the JPEG.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    #[command(flatten)]
    pub target: super::target_args::TargetArgs,
    /// Print {"width","height","bytes","quality"} as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 on success; 2 with a one-line reason for bad input or options; 1 when the output
/// cannot be written.
pub fn run(args: &ConvertArgs) -> Result<Outcome, Failure> {
    let line = convert(args).map_err(|(code, message)| Failure { message, code })?;
    say!("{line}");
    Ok(Outcome::Ok)
}

fn convert(args: &ConvertArgs) -> Result<String, (u8, String)> {
    let target = args.target.target().map_err(|e| (2, e))?;
    let out = photo::prepare_file(&args.input, &PrepareOptions::with_target(target))
        .map_err(|e| (2, e.to_string()))?;
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
