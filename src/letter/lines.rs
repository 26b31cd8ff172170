//! The body as a Word user types it: every Enter starts a new paragraph.
//!
//! The markup (`markup`) follows Markdown, where one line break inside a paragraph is
//! a space and only a blank line starts a new paragraph. A clerk used to Word presses
//! Enter once between paragraphs, and Markdown would glue the next paragraph onto the
//! last bullet. The composer's body boxes therefore hold *lines*: [`word_paragraphs`]
//! turns them into the markup before a letter is made, and [`unwrap_lines`] turns a
//! letter file's body (whose paragraphs may be wrapped over several lines) back into
//! lines when it is opened in the composer.
//!
//! Invariants: both are idempotent; `word_paragraphs(unwrap_lines(body))` renders as
//! `body` does; consecutive list items and table rows stay one list and one table;
//! a line holding only a tera tag (`{% … %}`) is neither separated nor joined.

/// What a line of the body is, for deciding where paragraphs break.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Blank,
    /// `{% … %}` alone on its line: a template tag, transparent to the layout.
    Tag,
    /// `- `, `+ `, `* `, `1. `, `1) ` (after any indentation).
    ListItem,
    /// An indented line that is not a list item: a continuation inside a list.
    Indented,
    /// `| … `: a row of a pipe table.
    TableRow,
    /// `#`…: a heading, always one line.
    Heading,
    Text,
}

fn kind(line: &str) -> Line {
    let trimmed = line.trim_start();
    if trimmed.trim_end().is_empty() {
        return Line::Blank;
    }
    let t = trimmed.trim_end();
    if t.starts_with("{%") && t.ends_with("%}") {
        return Line::Tag;
    }
    if ["- ", "+ ", "* "].iter().any(|m| trimmed.starts_with(m)) || t == "-" {
        return Line::ListItem;
    }
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits)
        && matches!(trimmed.as_bytes().get(digits), Some(b'.' | b')'))
        && matches!(trimmed.as_bytes().get(digits + 1), None | Some(b' '))
    {
        return Line::ListItem;
    }
    if trimmed.starts_with('|') {
        return Line::TableRow;
    }
    if trimmed.starts_with('#') {
        return Line::Heading;
    }
    if line.starts_with([' ', '\t']) {
        return Line::Indented;
    }
    Line::Text
}

/// Whether a line of kind `next` after one of kind `prev` (both non-blank) belongs to
/// the same block, as Markdown would read the two without a blank line between them
/// and as a Word user means them.
fn same_block(prev: Line, next: Line) -> bool {
    matches!(
        (prev, next),
        (
            Line::ListItem | Line::Indented,
            Line::ListItem | Line::Indented
        ) | (Line::TableRow, Line::TableRow)
    )
}

/// The markup of a body typed line by line: a blank line is put between two lines
/// unless they are items of one list or rows of one table.
///
/// "Đoạn 1\n- ý a\n- ý b\nĐoạn 2" becomes "Đoạn 1\n\n- ý a\n- ý b\n\nĐoạn 2": the last
/// line is a paragraph of its own, not the end of the bullet "ý b".
pub fn word_paragraphs(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    // The last line that was not blank or a tag, and whether a blank line followed it.
    let mut prev: Option<Line> = None;
    let mut separated = true;
    for (i, line) in body.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let k = kind(line);
        match k {
            Line::Blank => separated = true,
            Line::Tag => {}
            _ => {
                if let Some(p) = prev
                    && !separated
                    && !same_block(p, k)
                {
                    out.push('\n');
                }
                prev = Some(k);
                separated = false;
            }
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// A letter file's body as the composer's lines: the lines of one paragraph (or of
/// one list item) joined by a space, blank lines and everything else kept.
pub fn unwrap_lines(body: &str) -> String {
    let mut out: Vec<String> = vec![];
    let mut prev = Line::Blank;
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let k = kind(line);
        let continues = match (prev, k) {
            // Markdown reads these as one paragraph (or the item's text) going on.
            (Line::Text | Line::ListItem, Line::Text) => true,
            (Line::ListItem, Line::Indented) => true,
            _ => false,
        };
        match out.last_mut() {
            Some(last) if continues => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => out.push(line.to_string()),
        }
        // A joined line keeps the kind of the line it joined.
        if !continues {
            prev = k;
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_enter_starts_a_paragraph_but_keeps_lists_and_tables_whole() {
        let typed =
            "Đoạn 1\n- ý a\n- ý b\nĐoạn 2\n| TT | Việc |\n|---|---|\n| 1 | Báo cáo |\nĐoạn 3";
        assert_eq!(
            word_paragraphs(typed),
            "Đoạn 1\n\n- ý a\n- ý b\n\nĐoạn 2\n\n| TT | Việc |\n|---|---|\n| 1 | Báo cáo |\n\nĐoạn 3"
        );
    }

    #[test]
    fn blank_lines_headings_numbers_and_tags() {
        assert_eq!(word_paragraphs("a\n\nb"), "a\n\nb");
        assert_eq!(
            word_paragraphs("# I. MỤC ĐÍCH\nNội dung"),
            "# I. MỤC ĐÍCH\n\nNội dung"
        );
        assert_eq!(
            word_paragraphs("1. Một\n2. Hai\nBa"),
            "1. Một\n2. Hai\n\nBa"
        );
        // A date or an amount at the start of a line is not a list item.
        assert_eq!(
            word_paragraphs("Ngày\n15.12.2026 họp"),
            "Ngày\n\n15.12.2026 họp"
        );
        assert_eq!(
            word_paragraphs("{% for x in xs %}\n- {{ x }}\n{% endfor %}\nSau"),
            "{% for x in xs %}\n- {{ x }}\n{% endfor %}\n\nSau"
        );
        assert_eq!(word_paragraphs("a\r\nb"), "a\n\nb");
    }

    #[test]
    fn both_are_idempotent_and_unwrapping_keeps_what_renders() {
        let wrapped = "Đề nghị các đơn vị\nbáo cáo trước ngày 15.\n\n- Một ý\n  tiếp theo\n- Ý hai\n\n| a | b |\n|---|---|\n| 1 | 2 |";
        let lines = unwrap_lines(wrapped);
        assert_eq!(
            lines,
            "Đề nghị các đơn vị báo cáo trước ngày 15.\n\n- Một ý tiếp theo\n- Ý hai\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        );
        assert_eq!(unwrap_lines(&lines), lines);
        let markup = word_paragraphs(&lines);
        assert_eq!(word_paragraphs(&markup), markup);
        assert_eq!(
            crate::letter::markup::parse(&markup).unwrap(),
            crate::letter::markup::parse(wrapped).unwrap()
        );
    }
}
