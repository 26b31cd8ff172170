//! Command-line faces split out of `main.rs`, one file per concern. Each parses its
//! arguments, calls the library and prints; no logic of its own.

pub mod books;
pub mod doctor;
pub mod ocop;
pub mod user;

use vanthu::model::DocDate;
use vanthu::store::{Store, register};
use vanthu::{Format, Renderer, output};

/// `--date`: a complete date, or today in Vietnam when absent.
pub fn full_date(date: Option<String>) -> anyhow::Result<chrono::NaiveDate> {
    match date {
        None => Ok(register::today_vn()),
        Some(d) => DocDate::parse_day(&d).ok_or_else(|| {
            anyhow::anyhow!("--date: \"{d}\" không phải ngày đầy đủ (ví dụ 2021-05-17)")
        }),
    }
}

/// Issues a composed OCOP document (printing its number) or writes it as a draft.
pub fn emit(
    store: &mut Store,
    renderer: &Renderer,
    composed: &vanthu::ocop::Composed,
    date: chrono::NaiveDate,
    issue: bool,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    if issue {
        let entry = register::issue(store, renderer, &composed.document, &composed.letter, date)?;
        println!("{}", entry.number_symbol);
    } else {
        let r = renderer.render(&composed.document, &[Format::Pdf, Format::Docx])?;
        std::fs::create_dir_all(out)?;
        for (ext, bytes) in [("pdf", r.pdf), ("docx", r.docx)] {
            let p = out.join(format!("{}.{ext}", composed.stem));
            output::write_atomic(&p, &bytes.expect("both formats requested"))?;
            println!("{}", p.display());
        }
    }
    Ok(())
}
