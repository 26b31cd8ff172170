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

/// The outgoing register book: title lines, the 10 headings and their numbers, one
/// row per document.
pub fn outgoing(book: &OutgoingBook) -> Result<Vec<u8>, BookError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(format!("Sổ đi {}", book.year))
        .map_err(failed)?;
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

    let mut row = 0u32;
    let mut line = |text: &str, f: &Format, row: &mut u32| -> Result<(), BookError> {
        sheet
            .merge_range(*row, 0, *row, 9, text, f)
            .map_err(failed)?;
        *row += 1;
        Ok(())
    };
    if let Some(s) = &book.keeper.superior {
        line(s, &plain, &mut row)?;
    }
    line(&book.keeper.name.join(" "), &title, &mut row)?;
    line("SỔ ĐĂNG KÝ VĂN BẢN ĐI", &title, &mut row)?;
    line(
        &format!(
            "Năm: {} · Từ số {} đến số {}",
            book.year,
            super::pdf::number(book.first),
            super::pdf::number(book.last)
        ),
        &plain,
        &mut row,
    )?;
    row += 1;
    let head = row;
    for (c, h) in OUTGOING_COLUMNS.iter().enumerate() {
        let c = c as u16;
        sheet
            .write_string_with_format(head, c, *h, &heading)
            .map_err(failed)?;
        sheet
            .write_string_with_format(head + 1, c, format!("({})", c + 1), &numbered)
            .map_err(failed)?;
        sheet
            .set_column_width(c, WIDTHS[c as usize])
            .map_err(failed)?;
    }
    sheet.set_row_height(head, 48).map_err(failed)?;
    row = head + 2;
    for r in &book.rows {
        let cells = [
            r.number_symbol.as_str(),
            r.date.as_str(),
            r.kind_subject.as_str(),
            r.signer.as_str(),
            &r.recipients.join("\n"),
            r.archive.as_str(),
            "",
            r.sent_on.as_deref().unwrap_or(""),
            "",
            r.note.as_str(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, c as u16, *v, &cell)
                .map_err(failed)?;
        }
        // The number of copies is a number (a spreadsheet sums it).
        if let Some(n) = r.copies {
            sheet
                .write_number_with_format(row, 6, f64::from(n), &cell)
                .map_err(failed)?;
        }
        row += 1;
    }
    sheet.set_landscape().set_paper_size(9);
    sheet.set_repeat_rows(head, head + 1).map_err(failed)?;
    sheet.set_print_fit_to_pages(1, 0);
    workbook.save_to_buffer().map_err(failed)
}
