//! The body of a document: blocks (parts, sections, paragraphs, articles, bullets,
//! tables) made of inline runs.

use serde::Serialize;

/// A piece of running text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    /// Text with its emphasis. The text is data: renderers print it literally.
    Text {
        text: String,
        bold: bool,
        italic: bool,
    },
    /// A forced line break inside a paragraph.
    Break,
    /// A footnote anchored here; its text goes to the foot of the page (seed 002).
    Footnote { content: Vec<Inline> },
}

impl Inline {
    pub fn plain(text: impl Into<String>) -> Self {
        Inline::Text {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }
}

/// The plain text of some runs (footnotes left out), for tests, titles and search.
pub fn plain_text(runs: &[Inline]) -> String {
    let mut out = String::new();
    for r in runs {
        match r {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::Break => out.push('\n'),
            Inline::Footnote { .. } => {}
        }
    }
    out
}

/// Heading levels of kế hoạch / công văn / báo cáo (Nghị định 30, "bố cục").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadingLevel {
    /// `I.`, `II.`: upper case, bold.
    Part,
    /// `1.`, `2.`: bold.
    Section,
    /// `1.1.`, `6.2.`: bold italic.
    Subsection,
}

/// The marker of a bullet line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BulletMarker {
    #[serde(rename = "-")]
    Dash,
    #[serde(rename = "+")]
    Plus,
}

/// One block of the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        level: HeadingLevel,
        runs: Vec<Inline>,
    },
    /// A justified paragraph with a first-line indent.
    Paragraph {
        runs: Vec<Inline>,
    },
    /// `Điều N.` of a decision, followed by its text on the same line.
    Article {
        number: u32,
        runs: Vec<Inline>,
    },
    /// A paragraph that starts with a number label such as `1.`.
    Numbered {
        label: String,
        runs: Vec<Inline>,
    },
    /// `- …` or `+ …`.
    Bullet {
        marker: BulletMarker,
        runs: Vec<Inline>,
    },
    Table(Table),
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// A cell placed on the table grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
    pub rowspan: usize,
    pub colspan: usize,
    pub header: bool,
    pub runs: Vec<Inline>,
}

/// A table with merged cells.
///
/// Invariant (checked by [`Table::new`]): every grid position is covered by exactly
/// one cell, spans stay inside the grid, and column widths are positive fractions
/// summing to 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    rows: usize,
    widths: Vec<f32>,
    aligns: Vec<Align>,
    header_rows: usize,
    cells: Vec<Cell>,
    /// For each grid position, row by row, the index in `cells` of the cell covering
    /// it: [`Table::cell_at`] in constant time (a 5,000-row annex asked it 25,000
    /// times of a linear search, half a second).
    #[serde(skip)]
    owners: Vec<usize>,
}

/// Why a table is not a valid grid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("bảng không có cột nào")]
    Empty,
    #[error("ô ở hàng {row}, cột {col} vượt ra ngoài bảng")]
    OutOfBounds { row: usize, col: usize },
    #[error("hàng {row}, cột {col} bị hai ô cùng chiếm")]
    Overlap { row: usize, col: usize },
    #[error("hàng {row}, cột {col} không có ô nào")]
    Hole { row: usize, col: usize },
}

impl Table {
    /// Builds a table from placed cells. Column widths are derived from the
    /// length of the text in each column, so both renderers size columns alike.
    pub fn new(
        columns: usize,
        aligns: Vec<Align>,
        header_rows: usize,
        cells: Vec<Cell>,
    ) -> Result<Table, TableError> {
        if columns == 0 {
            return Err(TableError::Empty);
        }
        let rows = cells.iter().map(|c| c.row + c.rowspan).max().unwrap_or(0);
        let mut owners = vec![usize::MAX; rows * columns];
        for (index, c) in cells.iter().enumerate() {
            if c.rowspan == 0 || c.colspan == 0 || c.col + c.colspan > columns {
                return Err(TableError::OutOfBounds {
                    row: c.row + 1,
                    col: c.col + 1,
                });
            }
            for r in c.row..c.row + c.rowspan {
                for k in c.col..c.col + c.colspan {
                    let slot = &mut owners[r * columns + k];
                    if *slot != usize::MAX {
                        return Err(TableError::Overlap {
                            row: r + 1,
                            col: k + 1,
                        });
                    }
                    *slot = index;
                }
            }
        }
        if let Some(i) = owners.iter().position(|o| *o == usize::MAX) {
            return Err(TableError::Hole {
                row: i / columns + 1,
                col: i % columns + 1,
            });
        }
        let mut weights = vec![4.0f32; columns];
        for c in cells.iter().filter(|c| c.colspan == 1) {
            let len = plain_text(&c.runs)
                .split('\n')
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0) as f32;
            // Short columns ("Ghi chú", "TT") get room not to wrap; long ones share the rest.
            let w = if len <= 14.0 {
                len * 1.4 + 3.0
            } else {
                len.min(28.0) + 4.0
            };
            weights[c.col] = weights[c.col].max(w);
        }
        let total: f32 = weights.iter().sum();
        let widths = weights.iter().map(|w| w / total).collect();
        let mut aligns = aligns;
        aligns.resize(columns, Align::Left);
        Ok(Table {
            rows,
            widths,
            aligns,
            header_rows,
            cells,
            owners,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn columns(&self) -> usize {
        self.widths.len()
    }

    /// Fractions of the text width, one per column, summing to 1.
    pub fn widths(&self) -> &[f32] {
        &self.widths
    }

    pub fn aligns(&self) -> &[Align] {
        &self.aligns
    }

    pub fn header_rows(&self) -> usize {
        self.header_rows
    }

    /// The cells in reading order (row by row, left to right).
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cell whose span covers (row, col).
    pub fn cell_at(&self, row: usize, col: usize) -> &Cell {
        &self.cells[self.owners[row * self.columns() + col]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(row: usize, col: usize, rowspan: usize, colspan: usize, t: &str) -> Cell {
        Cell {
            row,
            col,
            rowspan,
            colspan,
            header: row == 0,
            runs: vec![Inline::plain(t)],
        }
    }

    #[test]
    fn accepts_a_grid_with_merges() {
        let t = Table::new(
            2,
            vec![],
            1,
            vec![
                cell(0, 0, 1, 1, "TT"),
                cell(0, 1, 1, 1, "Sản phẩm"),
                cell(1, 0, 2, 1, "1"),
                cell(1, 1, 1, 1, "Hạt dẻ"),
                cell(2, 1, 1, 1, "Bưởi"),
            ],
        )
        .unwrap();
        assert_eq!(t.rows(), 3);
        assert_eq!(t.cell_at(2, 0).runs, vec![Inline::plain("1")]);
        assert!((t.widths().iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(t.widths()[0] < t.widths()[1]);
    }

    #[test]
    fn rejects_overlaps_and_holes() {
        let overlap = Table::new(
            2,
            vec![],
            0,
            vec![cell(0, 0, 1, 2, "a"), cell(0, 1, 1, 1, "b")],
        );
        assert_eq!(overlap, Err(TableError::Overlap { row: 1, col: 2 }));
        let hole = Table::new(2, vec![], 0, vec![cell(0, 0, 1, 1, "a")]);
        assert_eq!(hole, Err(TableError::Hole { row: 1, col: 2 }));
        let out = Table::new(1, vec![], 0, vec![cell(0, 0, 1, 2, "a")]);
        assert!(matches!(out, Err(TableError::OutOfBounds { .. })));
    }
}
