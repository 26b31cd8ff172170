//! The `vanthu` command line. Commands parse their arguments, call the library and
//! print the result; the work happens in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use vanthu::{Format, Renderer, output};

#[derive(Parser)]
#[command(
    name = "vanthu",
    version,
    about = "Soạn, đánh số, xuất PDF/DOCX văn bản hành chính theo Nghị định 30/2020/NĐ-CP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Pdf,
    Docx,
    Both,
}

#[derive(Subcommand)]
enum Command {
    /// Render letter files to PDF and/or DOCX.
    Render {
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
    },
    /// Check letter files and print what is wrong.
    Check {
        #[arg(required = true)]
        letters: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Render {
            letters,
            out,
            format,
            font_dir,
        } => {
            let formats: &[Format] = match format {
                FormatArg::Pdf => &[Format::Pdf],
                FormatArg::Docx => &[Format::Docx],
                FormatArg::Both => &[Format::Pdf, Format::Docx],
            };
            let renderer = Renderer::new(font_dir.as_deref())?;
            for path in output::render_files(&renderer, &letters, &out, formats)? {
                println!("{}", path.display());
            }
        }
        Command::Check { letters } => {
            output::check(&letters)?;
            for l in &letters {
                println!("{}: hợp lệ", l.display());
            }
        }
    }
    Ok(())
}
