//! The books as XLSX (rust_xlsxwriter): the same columns as the printed book, for the
//! clerk who keeps or sorts them in a spreadsheet. A4 landscape, the headings repeated
//! on every printed page.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use super::{BookError, OUTGOING_COLUMNS, OutgoingBook};

fn failed(e: rust_xlsxwriter::XlsxError) -> BookError {
    BookError::Xlsx(e.to_string())
}

/// Column widths in characters, per column of the outgoing book.
const WIDTHS: [f64; 10] = [14.0, 12.0, 44.0, 18.0, 30.0, 16.0, 8.0, 12.0, 10.0, 18.0];

/// One cell of a book's row.
pub(crate) enum Cell {
    Text(String),
    /// A number a spreadsheet sums (the copies, a Số đến).
    Number(f64),
}

/// A register book as one sheet: who keeps it, its title lines, the numbered headings.
pub(crate) struct Sheet<'a> {
    /// The sheet's tab ("Sổ đi 2026").
    pub name: String,
    pub keeper: &'a super::Keeper,
    /// "SỔ ĐĂNG KÝ VĂN BẢN ĐI".
    pub title: &'a str,
    /// "Năm: 2026 · Từ số 01 đến số 12".
    pub subtitle: String,
    pub columns: &'a [&'a str],
    /// In characters, one per column.
    pub widths: &'a [f64],
    pub rows: Vec<Vec<Cell>>,
}

/// The sheet as an XLSX file: title lines, the headings and their numbers, the rows.
pub(crate) fn sheet(s: Sheet) -> Result<Vec<u8>, BookError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(&s.name).map_err(failed)?;
    let font = |f: Format| f.set_font_name("Times New Roman").set_font_size(12);
    let title = font(Format::new())
        .set_bold()
        .set_align(FormatAlign::Center);
    let plain = font(Format::new()).set_align(FormatAlign::Center);
    let heading = font(Format::new())
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let numbered = font(Format::new())
        .set_italic()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = font(Format::new())
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let last = (s.columns.len() - 1) as u16;

    let mut row = 0u32;
    let mut line = |text: &str, f: &Format, row: &mut u32| -> Result<(), BookError> {
        sheet
            .merge_range(*row, 0, *row, last, text, f)
            .map_err(failed)?;
        *row += 1;
        Ok(())
    };
    if let Some(superior) = &s.keeper.superior {
        line(superior, &plain, &mut row)?;
    }
    line(&s.keeper.name.join(" "), &title, &mut row)?;
    line(s.title, &title, &mut row)?;
    line(&s.subtitle, &plain, &mut row)?;
    row += 1;
    let head = row;
    for (c, h) in s.columns.iter().enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(head, c, *h, &heading)
            .map_err(failed)?;
        sheet
            .write_string_with_format(head + 1, c, format!("({})", c + 1), &numbered)
            .map_err(failed)?;
        sheet
            .set_column_width(c, s.widths[c as usize])
            .map_err(failed)?;
    }
    sheet.set_row_height(head, 48).map_err(failed)?;
    row = head + 2;
    for r in &s.rows {
        for (c, v) in r.iter().enumerate() {
            let c = c as u16;
            match v {
                Cell::Text(t) => sheet.write_string_with_format(row, c, t, &cell),
                Cell::Number(n) => sheet.write_number_with_format(row, c, *n, &cell),
            }
            .map_err(failed)?;
        }
        row += 1;
    }
    sheet.set_landscape().set_paper_size(9);
    sheet.set_repeat_rows(head, head + 1).map_err(failed)?;
    sheet.set_print_fit_to_pages(1, 0);
    workbook.save_to_buffer().map_err(failed)
}

/// The outgoing register book: title lines, the 10 headings and their numbers, one
/// row per document.
pub fn outgoing(book: &OutgoingBook) -> Result<Vec<u8>, BookError> {
    let text = |s: &str| Cell::Text(s.to_string());
    let rows = book
        .rows
        .iter()
        .map(|r| {
            vec![
                text(&r.number_symbol),
                text(&r.date),
                text(&r.kind_subject),
                text(&r.signer),
                Cell::Text(r.recipients.join("\n")),
                text(&r.archive),
                // The number of copies is a number (a spreadsheet sums it).
                r.copies
                    .map_or_else(|| text(""), |n| Cell::Number(f64::from(n))),
                text(r.sent_on.as_deref().unwrap_or("")),
                text(""),
                text(&r.note),
            ]
        })
        .collect();
    sheet(Sheet {
        name: format!("Sổ đi {}", book.year),
        keeper: &book.keeper,
        title: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
        subtitle: format!(
            "Năm: {} · Từ số {} đến số {}",
            book.year,
            super::pdf::number(book.first),
            super::pdf::number(book.last)
        ),
        columns: &OUTGOING_COLUMNS,
        widths: &WIDTHS,
        rows,
    })
}
