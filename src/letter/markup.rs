//! The body markup: a small, documented subset of Markdown (pulldown-cmark).
//!
//! | write | get |
//! |---|---|
//! | `# I. MỤC ĐÍCH, YÊU CẦU` | part heading (upper case, bold) |
//! | `## 1. Mục đích` | section heading (bold) |
//! | `### 6.1. Tổ chức …` | sub-section heading (bold italic) |
//! | a paragraph | justified paragraph, first line indented |
//! | `Điều 1. …` at the start of a paragraph | an article, `Điều 1.` in bold |
//! | `1. …` (ordered list) | numbered paragraphs `1.`, `2.` … (numbering kept) |
//! | `- …` / `+ …` (a nested `-` also gives `+`) | bullet lines |
//! | `**bold**`, `*italic*`, `***both***` | emphasis |
//! | `text[^1]` + `[^1]: note` | a footnote at the foot of the page |
//! | pipe table; a cell holding only `^` joins the cell above, `<` the cell to the left | table with merged cells |
//!
//! Anything else (HTML, images, code blocks, quotes) is refused with the line it is on.

use std::collections::HashMap;

use pulldown_cmark::{Alignment, Event, HeadingLevel as MdLevel, Options, Parser, Tag, TagEnd};

use crate::model::{Align, Block, BulletMarker, Cell, HeadingLevel, Inline, Table};

/// A markup problem, with the 1-based line of the body it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dòng {line}: {message}")]
pub struct MarkupError {
    pub line: usize,
    pub message: String,
}

/// Escapes a value for insertion into the markup so that it prints literally: the
/// characters that open markup (emphasis, links, footnotes, tables, headings, HTML,
/// entities, `{{ }}` fields) get a backslash, so do a leading list or quote marker
/// and the `.`/`)` of a leading number; line breaks become spaces. Ordinary text
/// ("15/12/2027", "Như trên;") stays as typed, so the drafter reads it as typed.
pub fn escape(value: &str) -> String {
    const OPENS: &str = "\\*_[]<>`#|~!^&{}";
    let mut out = String::with_capacity(value.len() + 8);
    // Digits at the start: a following `.` or `)` would make a numbered item.
    let mut leading_digits = true;
    for (i, c) in value.chars().enumerate() {
        let at_start = i == 0;
        match c {
            '\r' | '\n' => out.push(' '),
            c if OPENS.contains(c)
                || (at_start && "-+=>".contains(c))
                || (leading_digits && !at_start && ".)".contains(c)) =>
            {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        leading_digits &= c.is_ascii_digit();
    }
    out
}

/// The marker that stands for a footnote until its definition is known.
const FOOTNOTE_MARK: &str = "\u{0}footnote:";

enum Pending {
    Paragraph,
    Heading(HeadingLevel),
    Bullet(BulletMarker),
    Numbered(String),
}

struct ListFrame {
    next: Option<u64>,
}

struct ItemFrame {
    first: Option<Pending>,
}

struct TableFrame {
    aligns: Vec<Align>,
    /// rows of (raw source of the cell, runs, is header)
    rows: Vec<Vec<(String, Vec<Inline>, bool)>>,
    in_head: bool,
    line: usize,
}

struct Converter<'a> {
    src: &'a str,
    blocks: Vec<Block>,
    runs: Vec<Inline>,
    pending: Option<Pending>,
    bold: usize,
    italic: usize,
    lists: Vec<ListFrame>,
    items: Vec<ItemFrame>,
    table: Option<TableFrame>,
    cell_start: usize,
    footnote_def: Option<(String, Vec<Block>)>,
    footnotes: HashMap<String, Vec<Inline>>,
    /// End of the last unescaped "[" seen in the source (footnote check).
    open_bracket_end: Option<usize>,
}

/// Parses a body written in the markup into blocks.
pub fn parse(src: &str) -> Result<Vec<Block>, MarkupError> {
    let mut c = Converter {
        src,
        blocks: vec![],
        runs: vec![],
        pending: None,
        bold: 0,
        italic: 0,
        lists: vec![],
        items: vec![],
        table: None,
        cell_start: 0,
        footnote_def: None,
        footnotes: HashMap::new(),
        open_bracket_end: None,
    };
    let opts = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    for (event, range) in Parser::new_ext(src, opts).into_offset_iter() {
        c.event(event, range)?;
    }
    c.flush(src.len())?;
    let Converter {
        mut blocks,
        footnotes,
        ..
    } = c;
    for b in &mut blocks {
        resolve_block(b, &footnotes)?;
    }
    Ok(blocks)
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

impl Converter<'_> {
    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, MarkupError> {
        Err(MarkupError {
            line: line_of(self.src, offset),
            message: message.into(),
        })
    }

    fn push_text(&mut self, text: &str) {
        let (bold, italic) = (self.bold > 0, self.italic > 0);
        if let Some(Inline::Text {
            text: last,
            bold: b,
            italic: i,
        }) = self.runs.last_mut()
            && *b == bold
            && *i == italic
        {
            last.push_str(text);
            return;
        }
        self.runs.push(Inline::Text {
            text: text.to_string(),
            bold,
            italic,
        });
    }

    /// Turns the collected runs into a block of the pending kind.
    fn flush(&mut self, offset: usize) -> Result<(), MarkupError> {
        let runs = trim_runs(std::mem::take(&mut self.runs));
        let pending = self.pending.take();
        if runs.is_empty() {
            return Ok(());
        }
        let block = match pending.unwrap_or(Pending::Paragraph) {
            Pending::Paragraph => paragraph_or_article(runs),
            Pending::Heading(level) => {
                let runs = if level == HeadingLevel::Part {
                    runs.into_iter().map(upper).collect()
                } else {
                    runs
                };
                Block::Heading { level, runs }
            }
            Pending::Bullet(marker) => Block::Bullet { marker, runs },
            Pending::Numbered(label) => Block::Numbered { label, runs },
        };
        if let Block::Table(_) = block {
            return self.err(offset, "internal: table as paragraph");
        }
        match &mut self.footnote_def {
            Some((_, blocks)) => blocks.push(block),
            None => self.blocks.push(block),
        }
        Ok(())
    }

    fn event(&mut self, event: Event, range: std::ops::Range<usize>) -> Result<(), MarkupError> {
        let at = range.start;
        match event {
            Event::Start(tag) => self.start(tag, range)?,
            Event::End(tag) => self.end(tag, range)?,
            Event::Text(t) | Event::Code(t) => {
                // An undefined footnote reference comes back as the texts "[", "^x", "]".
                let raw = &self.src[range.clone()];
                let after_bracket =
                    self.open_bracket_end == Some(range.start) && raw.starts_with('^');
                if raw.contains("[^") || after_bracket {
                    return self.err(
                        at,
                        "chú thích chưa có nội dung: thêm một dòng \"[^tên]: nội dung chú thích\"",
                    );
                }
                self.open_bracket_end = raw.ends_with('[').then_some(range.end);
                self.push_text(&t)
            }
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.runs.push(Inline::Break),
            Event::FootnoteReference(label) => self.runs.push(Inline::Footnote {
                content: vec![Inline::plain(format!("{FOOTNOTE_MARK}{label}"))],
            }),
            Event::Html(_) | Event::InlineHtml(_) => {
                return self.err(
                    at,
                    "không dùng thẻ HTML (<...>) trong nội dung; muốn in dấu '<' hãy viết \\<",
                );
            }
            Event::Rule => {
                return self.err(at, "dòng kẻ (---) không dùng trong văn bản");
            }
            other => {
                return self.err(at, format!("cú pháp không được hỗ trợ: {other:?}"));
            }
        }
        Ok(())
    }

    fn start(&mut self, tag: Tag, range: std::ops::Range<usize>) -> Result<(), MarkupError> {
        let at = range.start;
        match tag {
            Tag::Paragraph => {
                let item_first = self.items.last_mut().and_then(|i| i.first.take());
                self.pending = Some(item_first.unwrap_or(Pending::Paragraph));
            }
            Tag::Heading { level, .. } => {
                self.flush(at)?;
                let level = match level {
                    MdLevel::H1 => HeadingLevel::Part,
                    MdLevel::H2 => HeadingLevel::Section,
                    MdLevel::H3 => HeadingLevel::Subsection,
                    _ => {
                        return self.err(
                            at,
                            "chỉ có ba cấp đề mục: # (phần I.), ## (mục 1.), ### (tiểu mục 1.1.)",
                        );
                    }
                };
                self.pending = Some(Pending::Heading(level));
            }
            Tag::List(start) => {
                self.flush(at)?;
                self.lists.push(ListFrame { next: start });
            }
            Tag::Item => {
                self.flush(at)?;
                let depth = self.lists.len();
                let marker_char = self.src[range.clone()].trim_start().chars().next();
                let list = self.lists.last_mut().expect("item inside a list");
                let first = match &mut list.next {
                    Some(n) => {
                        let label = format!("{n}.");
                        *n += 1;
                        Pending::Numbered(label)
                    }
                    None if depth == 1 && marker_char != Some('+') => {
                        Pending::Bullet(BulletMarker::Dash)
                    }
                    None => Pending::Bullet(BulletMarker::Plus),
                };
                // Tight lists put the text straight into the item.
                self.pending = Some(match &first {
                    Pending::Numbered(l) => Pending::Numbered(l.clone()),
                    Pending::Bullet(m) => Pending::Bullet(*m),
                    _ => Pending::Paragraph,
                });
                self.items.push(ItemFrame { first: Some(first) });
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Link { .. } => {}
            Tag::Table(aligns) => {
                self.flush(at)?;
                self.table = Some(TableFrame {
                    aligns: aligns
                        .iter()
                        .map(|a| match a {
                            Alignment::Center => Align::Center,
                            Alignment::Right => Align::Right,
                            _ => Align::Left,
                        })
                        .collect(),
                    rows: vec![],
                    in_head: false,
                    line: line_of(self.src, at),
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                    t.rows.push(vec![]);
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(vec![]);
                }
            }
            Tag::TableCell => {
                self.runs.clear();
                self.cell_start = range.start;
            }
            Tag::FootnoteDefinition(label) => {
                self.flush(at)?;
                self.footnote_def = Some((label.to_string(), vec![]));
            }
            Tag::Image { .. } => return self.err(at, "không chèn hình ảnh vào nội dung văn bản"),
            Tag::CodeBlock(_) => {
                return self.err(
                    at,
                    "dòng thụt vào từ 4 dấu cách trở lên (hoặc ```) bị hiểu là khối mã; hãy bỏ các dấu cách ở đầu dòng",
                );
            }
            Tag::BlockQuote(_) => {
                return self.err(
                    at,
                    "không dùng trích dẫn (dòng bắt đầu bằng '>') trong văn bản",
                );
            }
            other => return self.err(at, format!("cú pháp không được hỗ trợ: {other:?}")),
        }
        Ok(())
    }

    fn end(&mut self, tag: TagEnd, range: std::ops::Range<usize>) -> Result<(), MarkupError> {
        let at = range.end;
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) => self.flush(at)?,
            TagEnd::Item => {
                self.flush(at)?;
                self.items.pop();
            }
            TagEnd::List(_) => {
                self.flush(at)?;
                self.lists.pop();
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::TableCell => {
                let raw = self.src[self.cell_start..range.end]
                    .trim()
                    .trim_matches('|')
                    .trim()
                    .to_string();
                let runs = trim_runs(std::mem::take(&mut self.runs));
                if let Some(t) = &mut self.table {
                    let head = t.in_head;
                    if let Some(row) = t.rows.last_mut() {
                        row.push((raw, runs, head));
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::Table => {
                let frame = self.table.take().expect("table end after start");
                let table = build_table(frame)?;
                self.blocks.push(Block::Table(table));
            }
            TagEnd::FootnoteDefinition => {
                self.flush(at)?;
                if let Some((label, blocks)) = self.footnote_def.take() {
                    let mut runs = vec![];
                    for b in blocks {
                        if !runs.is_empty() {
                            runs.push(Inline::plain(" "));
                        }
                        runs.extend(block_runs(b));
                    }
                    self.footnotes.insert(label, runs);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn block_runs(b: Block) -> Vec<Inline> {
    match b {
        Block::Heading { runs, .. }
        | Block::Paragraph { runs }
        | Block::Bullet { runs, .. }
        | Block::Numbered { runs, .. } => runs,
        Block::Article { number, runs } => {
            let mut v = vec![Inline::plain(format!("Điều {number}. "))];
            v.extend(runs);
            v
        }
        Block::Table(_) => vec![],
    }
}

fn upper(r: Inline) -> Inline {
    match r {
        Inline::Text { text, bold, italic } => Inline::Text {
            text: text.to_uppercase(),
            bold,
            italic,
        },
        other => other,
    }
}

/// Drops leading/trailing whitespace of a run list.
fn trim_runs(mut runs: Vec<Inline>) -> Vec<Inline> {
    if let Some(Inline::Text { text, .. }) = runs.first_mut() {
        *text = text.trim_start().to_string();
    }
    if let Some(Inline::Text { text, .. }) = runs.last_mut() {
        *text = text.trim_end().to_string();
    }
    runs.retain(|r| !matches!(r, Inline::Text { text, .. } if text.is_empty()));
    runs
}

/// A paragraph that begins with `Điều N.` is an article of a decision.
fn paragraph_or_article(mut runs: Vec<Inline>) -> Block {
    if let Some(Inline::Text { text, .. }) = runs.first_mut()
        && let Some(rest) = text.strip_prefix("Điều ")
    {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty()
            && rest[digits.len()..].starts_with('.')
            && let Ok(number) = digits.parse::<u32>()
        {
            let after = rest[digits.len() + 1..].trim_start().to_string();
            *text = after;
            let runs = trim_runs(runs);
            return Block::Article { number, runs };
        }
    }
    Block::Paragraph { runs }
}

fn build_table(frame: TableFrame) -> Result<Table, MarkupError> {
    let columns = frame.aligns.len();
    let err = |row: usize, message: String| MarkupError {
        line: frame.line + row + usize::from(row > 0),
        message,
    };
    let mut cells: Vec<Cell> = vec![];
    let mut grid: Vec<Vec<Option<usize>>> = vec![];
    for (r, row) in frame.rows.iter().enumerate() {
        grid.push(vec![None; columns]);
        for (c, (raw, runs, head)) in row.iter().enumerate().take(columns) {
            if let Some(idx) = grid[r][c] {
                let _ = idx;
                if raw != "^" && raw != "<" {
                    return Err(err(
                        r,
                        format!(
                            "ô ở cột {} bị ô gộp phía trên che; hãy ghi '^' vào ô này",
                            c + 1
                        ),
                    ));
                }
                continue;
            }
            match raw.as_str() {
                "^" => {
                    let above = r.checked_sub(1).and_then(|p| grid[p][c]).ok_or_else(|| {
                        err(
                            r,
                            format!(
                                "'^' ở hàng đầu (cột {}) không có ô nào phía trên để gộp",
                                c + 1
                            ),
                        )
                    })?;
                    let cell = &mut cells[above];
                    if cell.row + cell.rowspan != r || cell.col != c {
                        return Err(err(
                            r,
                            format!("'^' ở cột {} không gộp được với ô phía trên", c + 1),
                        ));
                    }
                    cell.rowspan += 1;
                    let span = cell.colspan;
                    grid[r][c..c + span].fill(Some(above));
                }
                "<" => {
                    let left = c.checked_sub(1).and_then(|p| grid[r][p]).ok_or_else(|| {
                        err(
                            r,
                            "'<' ở cột đầu tiên không có ô nào bên trái để gộp".to_string(),
                        )
                    })?;
                    let cell = &mut cells[left];
                    if cell.row != r || cell.rowspan != 1 {
                        return Err(err(
                            r,
                            format!("'<' ở cột {} không gộp được với ô bên trái", c + 1),
                        ));
                    }
                    cell.colspan += 1;
                    grid[r][c] = Some(left);
                }
                _ => {
                    grid[r][c] = Some(cells.len());
                    cells.push(Cell {
                        row: r,
                        col: c,
                        rowspan: 1,
                        colspan: 1,
                        header: *head,
                        runs: runs.clone(),
                    });
                }
            }
        }
        // GFM pads short rows; be safe if a row came short anyway.
        for (c, slot) in grid[r].iter_mut().enumerate().skip(row.len()) {
            *slot = Some(cells.len());
            cells.push(Cell {
                row: r,
                col: c,
                rowspan: 1,
                colspan: 1,
                header: false,
                runs: vec![],
            });
        }
    }
    let header_rows = usize::from(frame.rows.first().is_some_and(|r| r.iter().any(|c| c.2)));
    Table::new(columns, frame.aligns.clone(), header_rows, cells).map_err(|e| err(0, e.to_string()))
}

fn resolve_runs(
    runs: &mut [Inline],
    notes: &HashMap<String, Vec<Inline>>,
) -> Result<(), MarkupError> {
    for r in runs {
        if let Inline::Footnote { content } = r
            && let [Inline::Text { text, .. }] = content.as_slice()
            && let Some(label) = text.strip_prefix(FOOTNOTE_MARK)
        {
            let label = label.to_string();
            *content = notes.get(&label).cloned().ok_or_else(|| MarkupError {
                line: 0,
                message: format!(
                    "chú thích [^{label}] chưa có nội dung: thêm một dòng \"[^{label}]: nội dung chú thích\""
                ),
            })?;
        }
    }
    Ok(())
}

fn resolve_block(b: &mut Block, notes: &HashMap<String, Vec<Inline>>) -> Result<(), MarkupError> {
    match b {
        Block::Heading { runs, .. }
        | Block::Paragraph { runs }
        | Block::Bullet { runs, .. }
        | Block::Numbered { runs, .. }
        | Block::Article { runs, .. } => resolve_runs(runs, notes),
        Block::Table(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plain_text;

    fn text(b: &Block) -> String {
        match b {
            Block::Heading { runs, .. }
            | Block::Paragraph { runs }
            | Block::Bullet { runs, .. }
            | Block::Numbered { runs, .. }
            | Block::Article { runs, .. } => plain_text(runs),
            Block::Table(_) => "<table>".into(),
        }
    }

    #[test]
    fn headings_paragraphs_and_lists() {
        let src = "# I. Mục đích, yêu cầu\n\n## 1. Mục đích\n\n### 6.1. Tổ chức\n\nĐoạn **đậm** và *nghiêng*.\n\n1. Một\n2. Hai\n\n- Gạch\n  - Cộng lồng\n+ Cộng\n";
        let b = parse(src).unwrap();
        assert!(matches!(
            &b[0],
            Block::Heading {
                level: HeadingLevel::Part,
                ..
            }
        ));
        assert_eq!(text(&b[0]), "I. MỤC ĐÍCH, YÊU CẦU");
        assert!(matches!(
            &b[1],
            Block::Heading {
                level: HeadingLevel::Section,
                ..
            }
        ));
        assert!(matches!(
            &b[2],
            Block::Heading {
                level: HeadingLevel::Subsection,
                ..
            }
        ));
        match &b[3] {
            Block::Paragraph { runs } => {
                assert_eq!(
                    runs[1],
                    Inline::Text {
                        text: "đậm".into(),
                        bold: true,
                        italic: false
                    }
                );
                assert_eq!(
                    runs[3],
                    Inline::Text {
                        text: "nghiêng".into(),
                        bold: false,
                        italic: true
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            b[4],
            Block::Numbered {
                label: "1.".into(),
                runs: vec![Inline::plain("Một")]
            }
        );
        assert_eq!(
            b[5],
            Block::Numbered {
                label: "2.".into(),
                runs: vec![Inline::plain("Hai")]
            }
        );
        assert_eq!(
            b[6],
            Block::Bullet {
                marker: BulletMarker::Dash,
                runs: vec![Inline::plain("Gạch")]
            }
        );
        assert_eq!(
            b[7],
            Block::Bullet {
                marker: BulletMarker::Plus,
                runs: vec![Inline::plain("Cộng lồng")]
            }
        );
        assert_eq!(
            b[8],
            Block::Bullet {
                marker: BulletMarker::Plus,
                runs: vec![Inline::plain("Cộng")]
            }
        );
    }

    #[test]
    fn ordered_lists_keep_their_start_number() {
        let b = parse("3. Ba\n4. Bốn\n").unwrap();
        assert_eq!(
            b[0],
            Block::Numbered {
                label: "3.".into(),
                runs: vec![Inline::plain("Ba")]
            }
        );
    }

    #[test]
    fn articles_are_recognised() {
        let b =
            parse("Điều 1. Công nhận sản phẩm.\n\nĐiều 2. Hiệu lực.\n\nĐiều khoản khác.").unwrap();
        assert_eq!(
            b[0],
            Block::Article {
                number: 1,
                runs: vec![Inline::plain("Công nhận sản phẩm.")]
            }
        );
        assert!(matches!(b[1], Block::Article { number: 2, .. }));
        assert!(matches!(b[2], Block::Paragraph { .. }));
    }

    #[test]
    fn tables_merge_cells() {
        let src = "| TT | Chủ thể | Sản phẩm |\n|:--:|---|---|\n| 1 | HTX A | Dưa |\n| 2 | HTX B | Hạt dẻ |\n| ^ | ^ | Bưởi |\n| Tổng | < | 3 |\n";
        let b = parse(src).unwrap();
        let Block::Table(t) = &b[0] else { panic!() };
        assert_eq!((t.rows(), t.columns(), t.header_rows()), (5, 3, 1));
        let merged = t.cell_at(3, 1);
        assert_eq!((merged.row, merged.rowspan), (2, 2));
        assert_eq!(plain_text(&merged.runs), "HTX B");
        let total = t.cell_at(4, 1);
        assert_eq!((total.col, total.colspan), (0, 2));
        assert_eq!(t.aligns()[0], Align::Center);
    }

    #[test]
    fn bad_merges_are_refused_with_a_line() {
        let e = parse("Trước.\n\n| ^ | a |\n|---|---|\n| b | c |\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("hàng đầu"));
        let e = parse("| a | b |\n|---|---|\n| < | c |\n").unwrap_err();
        assert!(e.message.contains("cột đầu tiên"), "{e}");
    }

    #[test]
    fn footnotes_resolve_and_missing_ones_fail() {
        let b = parse("Có 01 sản phẩm[^1] hết hạn.\n\n[^1]: Hồng không hạt Bảo Lâm\n").unwrap();
        assert_eq!(b.len(), 1);
        let Block::Paragraph { runs } = &b[0] else {
            panic!()
        };
        assert_eq!(
            runs[1],
            Inline::Footnote {
                content: vec![Inline::plain("Hồng không hạt Bảo Lâm")]
            }
        );
        assert!(parse("Thiếu[^x] chú thích.").is_err());
    }

    #[test]
    fn unsupported_markup_names_its_line() {
        let e = parse("Dòng một.\n\n<b>đậm</b>\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(parse("![hình](a.png)").is_err());
        assert!(parse("Một\n\n    mã\n").is_err());
        assert!(parse("#### Cấp bốn").is_err());
    }

    #[test]
    fn escaped_values_print_literally() {
        let nasty = r#"*$_[x]@<y>\ #read("/etc/passwd") | ^"#;
        let b = parse(&format!("Sản phẩm {}.", escape(nasty))).unwrap();
        assert_eq!(text(&b[0]), format!("Sản phẩm {nasty}."));
        let b = parse(&format!("| a |\n|---|\n| {} |\n", escape("^"))).unwrap();
        let Block::Table(t) = &b[0] else { panic!() };
        assert_eq!(plain_text(&t.cell_at(1, 0).runs), "^");
        for plain in ["15/12/2027", "Như trên; (xem: 1.2)", "3 sao"] {
            assert_eq!(escape(plain), plain);
        }
        for value in [
            "12. Mục",
            "3) Ý",
            "+ a",
            "> trích",
            "= b",
            "{{ nam }}",
            "&amp;",
        ] {
            let b = parse(&escape(value)).unwrap();
            assert_eq!(text(&b[0]), value);
        }
        let b = parse(&escape("- 1. không phải danh sách")).unwrap();
        assert_eq!(
            b[0],
            Block::Paragraph {
                runs: vec![Inline::plain("- 1. không phải danh sách")]
            }
        );
    }
}
