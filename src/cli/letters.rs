//! `vanthu render` and `vanthu check`: letter files to PDF and DOCX, and what is wrong
//! with them. A database is read only when `--db` names one (letters that name stored
//! records by id).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use vanthu::store::Store;
use vanthu::{Format, Renderer, letter, output};

use super::Globals;

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pdf,
    Docx,
    Both,
}

#[derive(Args)]
pub struct RenderArgs {
    /// Letter files (TOML).
    #[arg(required = true)]
    letters: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, short)]
    out: PathBuf,
    /// Which files to write.
    #[arg(long, value_enum, default_value = "both")]
    format: FormatArg,
    /// Extra font folder (e.g. licensed Times New Roman files); also VANTHU_FONT_DIR.
    #[arg(long, env = "VANTHU_FONT_DIR")]
    font_dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct CheckArgs {
    #[arg(required = true)]
    letters: Vec<PathBuf>,
}

/// The database named by `--db`, if any: the records letters may name by id.
fn lookup_store(globals: &Globals) -> anyhow::Result<Option<Store>> {
    Ok(match &globals.db {
        Some(db) => Some(Store::open(db)?),
        None => None,
    })
}

/// Renders each letter and prints the paths written.
pub fn render(globals: &Globals, args: RenderArgs) -> anyhow::Result<()> {
    let store = lookup_store(globals)?;
    let lookup = store.as_ref().map(|s| s as &dyn letter::Lookup);
    let formats: &[Format] = match args.format {
        FormatArg::Pdf => &[Format::Pdf],
        FormatArg::Docx => &[Format::Docx],
        FormatArg::Both => &[Format::Pdf, Format::Docx],
    };
    let renderer = Renderer::new(args.font_dir.as_deref())?;
    for path in output::render_files(&renderer, &args.letters, &args.out, formats, lookup)? {
        println!("{}", path.display());
    }
    Ok(())
}

/// Checks each letter and prints its verdict and warnings.
pub fn check(globals: &Globals, args: CheckArgs) -> anyhow::Result<()> {
    let store = lookup_store(globals)?;
    let lookup = store.as_ref().map(|s| s as &dyn letter::Lookup);
    let warnings = output::check(&args.letters, lookup)?;
    for (l, w) in args.letters.iter().zip(warnings) {
        if w.is_empty() {
            println!("{}: hợp lệ", l.display());
        } else {
            println!("{}: hợp lệ, lưu ý:", l.display());
            for w in w {
                println!("  {}: {}", w.field, w.message);
            }
        }
    }
    Ok(())
}
