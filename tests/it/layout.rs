//! The rules of Nghị định 30, Phụ lục I, measured on every rendered page: the five
//! seed letters and the OCOP documents (plan, reminder, decision, transfer, expiry
//! notice, withdrawal; of 2021–2024 and of the 2026 two-level demo), as PDF
//! and as the DOCX converted by LibreOffice. The measures are pdfplumber's word
//! boxes (tests/layout_measure.py); nothing is assumed from the code.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::layout::*;
use crate::common::*;

/// One rendered document: its PDF, measured, and LibreOffice's PDF of its DOCX.
struct Rendered {
    name: String,
    pdf: Vec<Page>,
    docx: Vec<Page>,
    docx_path: PathBuf,
}

/// Every document of the tests, rendered once for the whole binary.
fn documents() -> &'static [Rendered] {
    static DOCS: OnceLock<Vec<Rendered>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let dir = root()
            .join("target")
            .join("test-output")
            .join(format!("layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for l in seed_letters() {
            let stem = l.file_stem().unwrap().to_string_lossy().into_owned();
            for ext in ["pdf", "docx"] {
                std::fs::copy(
                    rendered().join(format!("{stem}.{ext}")),
                    dir.join(format!("{stem}.{ext}")),
                )
                .unwrap();
            }
        }
        ocop_documents(&dir);
        let lo = libreoffice_pdfs(&dir);
        let mut docs: Vec<Rendered> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .map(|pdf| {
                let name = pdf.file_stem().unwrap().to_string_lossy().into_owned();
                Rendered {
                    pdf: measure(&pdf),
                    docx: measure(&lo.join(format!("{name}.pdf"))),
                    docx_path: dir.join(format!("{name}.docx")),
                    name,
                }
            })
            .collect();
        docs.sort_by(|a, b| a.name.cmp(&b.name));
        docs
    })
}

/// The OCOP plan, reminder, decision and transfer composed from the demo data.
fn ocop_documents(out: &Path) {
    let tmp = out.join("db");
    std::fs::create_dir_all(&tmp).unwrap();
    let db = demo_db(&tmp);
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/luc-nam-evaluations.toml")),
    );
    let ocop = |args: &[&str]| {
        stdout(
            vanthu()
                .arg("--db")
                .arg(&db)
                .arg("ocop")
                .args(args)
                .arg("--out")
                .arg(out),
        )
    };
    ocop(&[
        "plan",
        "--programme",
        "luc-nam-2021",
        "--date",
        "2021-03-10",
    ]);
    ocop(&[
        "remind",
        "--milestone",
        "bg-2020-danh-gia-huyen",
        "--issuer",
        "snn-bac-giang",
        "--date",
        "2020-09-20",
    ]);
    ocop(&[
        "decide",
        "--round",
        "luc-nam-2021-dot-1",
        "--issuer",
        "ubnd-luc-nam",
        "--date",
        "2021-07-20",
    ]);
    // Seed 002's district: the notice of expiring certificates, and the withdrawal.
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/cao-loc-ocop.toml")),
    );
    for (date, within) in [("2024-07-20", "6m"), ("2024-11-15", "3m")] {
        ocop(&[
            "expiring",
            "--issuer",
            "ubnd-cao-loc",
            "--within",
            within,
            "--date",
            date,
        ]);
    }
    // The 2026 demo, two-level government: the province's plan, the Sở's reminder to
    // communes and wards, the decision under 1489/QĐ-TTg and the 5★ transfer.
    stdout(
        vanthu()
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(root().join("data/bac-ninh-2026.toml")),
    );
    ocop(&[
        "plan",
        "--programme",
        "bac-ninh-2026",
        "--date",
        "2026-02-10",
    ]);
    ocop(&[
        "remind",
        "--milestone",
        "bn-2026-ho-so",
        "--issuer",
        "snnmt-bac-ninh",
        "--date",
        "2026-05-08",
    ]);
    ocop(&[
        "decide",
        "--round",
        "bac-ninh-2026-dot-1",
        "--issuer",
        "ubnd-bac-ninh",
        "--date",
        "2026-06-25",
    ]);
}

/// Both renderings of every document, named.
fn pages() -> impl Iterator<Item = (String, &'static [Page])> {
    documents().iter().flat_map(|d| {
        [
            (format!("{} (PDF)", d.name), d.pdf.as_slice()),
            (format!("{} (DOCX)", d.name), d.docx.as_slice()),
        ]
    })
}

fn is_body(l: &Line) -> bool {
    (l.size - 14.0).abs() < 0.3
}

#[test]
fn the_spacing_profile_holds_on_every_page() {
    // Exactly single lines (16.1 pt at 14 pt), 6 pt after each paragraph.
    let indent = LEFT + 1.27 / 2.54 * 72.0;
    for (name, pages) in pages() {
        let mut pitches = 0;
        for (n, page) in pages.iter().enumerate() {
            let body: Vec<&Line> = page
                .lines
                .iter()
                .filter(|l| is_body(l) && l.top > 150.0 && l.bottom < page.height - 60.0)
                .collect();
            for w in body.windows(2) {
                let d = w[1].top - w[0].top;
                assert!(
                    !(1.0..=16.0).contains(&d),
                    "{name} p{}: lines {:.1} pt apart, under single spacing: {:?} / {:?}",
                    n + 1,
                    d,
                    w[0].text,
                    w[1].text
                );
                if (d - 16.1).abs() < 0.15 {
                    pitches += 1;
                }
                // A paragraph's first line (at the indent, not a continued line)
                // is at least 6 pt further down.
                let first_line = (w[1].x0 - indent).abs() < 1.0 && w[1].x0 > w[0].x0 + 1.0;
                if first_line && (w[0].x1 - RIGHT).abs() > 2.0 {
                    assert!(
                        d >= 16.1 + 5.8,
                        "{name} p{}: paragraph {:?} only {:.1} pt below the last line",
                        n + 1,
                        w[1].text,
                        d
                    );
                }
            }
        }
        assert!(pitches > 5, "{name}: no line at the single pitch");
    }
}

#[test]
fn nothing_crosses_a_margin() {
    for (name, pages) in pages() {
        for (n, page) in pages.iter().enumerate() {
            for l in &page.lines {
                assert!(
                    l.x0 >= LEFT - 1.0 && l.x1 <= RIGHT + 1.0,
                    "{name} p{}: {:?} runs from {:.1} to {:.1} (margins {LEFT:.1}–{RIGHT:.1})",
                    n + 1,
                    l.text,
                    l.x0,
                    l.x1
                );
            }
        }
    }
}

/// The number line "Số: …" of page 1 and the "V/v" subject lines under it.
fn number_and_subject(page: &Page) -> Option<(&Line, Vec<&Line>)> {
    let number = page.lines.iter().find(|l| l.text.starts_with("Số:"))?;
    let subject: Vec<&Line> = page
        .lines
        .iter()
        .filter(|l| {
            l.top > number.top + 5.0
                && l.top < number.top + 80.0
                && l.x1 < 300.0
                && (l.size - 12.0).abs() < 0.3
        })
        .collect();
    Some((number, subject))
}

#[test]
fn a_cong_van_subject_is_centred_under_its_number() {
    let mut seen = 0;
    for (name, pages) in pages() {
        let Some((number, subject)) = number_and_subject(&pages[0]) else {
            continue;
        };
        if subject.is_empty() || !subject[0].text.starts_with("V/v") {
            continue;
        }
        seen += 1;
        for l in &subject {
            assert!(
                (l.centre() - number.centre()).abs() <= 0.5 * MM,
                "{name}: {:?} centred at {:.1}, the number at {:.1}",
                l.text,
                l.centre(),
                number.centre()
            );
        }
        let gap = subject[0].top - number.bottom;
        assert!(
            (4.0..=10.0).contains(&gap),
            "{name}: the subject starts {gap:.1} pt under the number"
        );
    }
    assert!(seen >= 8, "only {seen} công văn subjects measured");
}

#[test]
fn several_addressees_each_take_a_line_under_the_colon() {
    let mut seen = 0;
    for (name, pages) in pages() {
        let lines = &pages[0].lines;
        let Some(i) = lines.iter().position(|l| l.plain() == "Kính gửi:") else {
            continue;
        };
        seen += 1;
        let label = &lines[i];
        let dashes: Vec<&Line> = lines[i + 1..]
            .iter()
            .take_while(|l| l.x0 > label.x0 + 20.0)
            .filter(|l| l.text.starts_with("- "))
            .collect();
        assert!(dashes.len() >= 2, "{name}: addressees {dashes:?}");
        for d in &dashes {
            assert!(
                d.x0 >= label.x1 - 5.0 && d.x0 <= label.x1 + 1.0,
                "{name}: {:?} starts at {:.1}, the label's colon ends at {:.1}",
                d.text,
                d.x0,
                label.x1
            );
        }
    }
    // 002 and 004, in both renderings
    assert!(seen >= 4, "only {seen} Kính gửi lists");
}

#[test]
fn a_single_addressee_is_centred_on_the_label_line() {
    let mut seen = 0;
    for (name, pages) in pages() {
        for l in pages[0]
            .lines
            .iter()
            .filter(|l| l.text.starts_with("Kính gửi: "))
        {
            seen += 1;
            assert!(
                (l.centre() - (LEFT + RIGHT) / 2.0).abs() < 2.0,
                "{name}: {:?} centred at {:.1}",
                l.text,
                l.centre()
            );
        }
    }
    assert!(seen >= 4, "only {seen} single addressees");
}

#[test]
fn numbers_symbols_and_addresses_never_break() {
    let symbol_cut = |text: &str| {
        let last = text.split(' ').next_back().unwrap_or("");
        (last.ends_with('-') || last.ends_with('/'))
            && last.chars().next().is_some_and(|c| c.is_ascii_digit())
            && last.contains('/')
    };
    for (name, pages) in pages() {
        for page in pages {
            for w in page.lines.windows(2) {
                let (a, b) = (w[0].plain(), w[1].plain());
                assert!(!symbol_cut(&a), "{name}: a symbol broken after {a:?}");
                let host_cut = a.ends_with("http://")
                    || a.ends_with("https://")
                    || (a.ends_with('.')
                        && b.split(' ').next().is_some_and(|f| {
                            f.contains(".vn") && f.chars().all(|c| !c.is_uppercase())
                        }));
                assert!(!host_cut, "{name}: an address broken: {a:?} / {b:?}");
            }
        }
    }
}

#[test]
fn rules_have_the_lengths_of_the_decree() {
    for (name, pages) in pages() {
        let page = &pages[0];
        let title = page
            .lines
            .iter()
            .find(|l| l.text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
            .expect("national title");
        let motto = page
            .lines
            .iter()
            .find(|l| l.plain() == "Độc lập - Tự do - Hạnh phúc")
            .expect("motto");
        let under = |l: &Line| {
            page.rules
                .iter()
                .find(|r| {
                    r.top > l.bottom - 1.0 && r.top < l.bottom + 8.0 && r.x0 < l.x1 && r.x1 > l.x0
                })
                .unwrap_or_else(|| panic!("{name}: no rule under {:?}: {:?}", l.text, page.rules))
        };
        let r = under(motto);
        assert!(
            (r.length() - (motto.x1 - motto.x0)).abs() < 3.0,
            "{name}: the motto's rule is {:.1} pt, the motto {:.1} pt",
            r.length(),
            motto.x1 - motto.x0
        );
        // The agency's rule: a third to a half of the name's widest line.
        let agency: Vec<&Line> = page
            .lines
            .iter()
            .filter(|l| l.bold && l.x1 < title.x0 - 5.0 && l.top < motto.bottom + 2.0)
            .collect();
        if let Some(last) = agency.iter().max_by(|a, b| a.top.total_cmp(&b.top)) {
            let widest = agency.iter().map(|l| l.x1 - l.x0).fold(0.0, f64::max);
            let r = under(last);
            let f = r.length() / widest;
            assert!(
                (0.33..=0.5).contains(&f),
                "{name}: the agency's rule is {:.0} % of its name",
                f * 100.0
            );
        }
        // A kind's title block: the rule under the subject, 1/3–1/2 of it.
        // (not a table's borders: a short rule centred on the text)
        let centre = (LEFT + RIGHT) / 2.0;
        let title_rules = page.rules.iter().filter(|r| {
            r.top > 130.0
                && r.top < 400.0
                && r.length() < 0.6 * (RIGHT - LEFT)
                && ((r.x0 + r.x1) / 2.0 - centre).abs() < 3.0
        });
        for r in title_rules {
            let above: Vec<&Line> = page
                .lines
                .iter()
                .filter(|l| l.bold && l.bottom < r.top + 1.0 && l.bottom > r.top - 60.0)
                .collect();
            let widest = above.iter().map(|l| l.x1 - l.x0).fold(0.0, f64::max);
            if widest > 0.0 {
                let f = r.length() / widest;
                assert!(
                    (0.33..=0.5).contains(&f),
                    "{name}: a title rule is {:.0} % of its subject",
                    f * 100.0
                );
            }
        }
    }
}

#[test]
fn rules_are_single_lines_in_the_docx() {
    // LibreOffice drew each rule as a line, not a box: no thin rectangle taller than
    // a stroke and no vertical strokes in the header.
    for d in documents() {
        let page = &d.docx[0];
        assert!(page.rules.len() >= 2, "{}: rules {:?}", d.name, page.rules);
        let xml = docx_part(&d.docx_path, "word/document.xml");
        for border in xml.split("<w:pBdr>").skip(1) {
            let border = &border[..border.find("</w:pBdr>").unwrap()];
            assert!(
                border.contains("<w:bottom")
                    && !border.contains("<w:top")
                    && !border.contains("<w:left")
                    && !border.contains("<w:right"),
                "{}: a rule with more than a bottom border: {border}",
                d.name
            );
        }
    }
}

#[test]
fn each_annex_numbers_its_own_pages_under_its_own_label() {
    let d = documents()
        .iter()
        .find(|d| d.name == "003-luc-nam-ke-hoach")
        .unwrap();
    for (what, pages) in [("PDF", &d.pdf), ("DOCX", &d.docx)] {
        let start = pages
            .iter()
            .position(|p| p.lines.first().is_some_and(|l| l.plain() == "Phụ lục"))
            .unwrap_or_else(|| panic!("{what}: no page opens with “Phụ lục”"));
        let label = &pages[start].lines[0];
        assert!(label.bold && is_body(label), "{what}: {label:?}");
        // The letter's pages before carry numbers 2, 3, …; the annex's first none.
        let number = |p: &Page| {
            p.lines
                .iter()
                .find(|l| l.top < 50.0 && l.text.chars().all(|c| c.is_ascii_digit()))
                .map(|l| l.text.clone())
        };
        assert_eq!(number(&pages[start - 1]), Some(start.to_string()), "{what}");
        assert_eq!(
            number(&pages[start]),
            None,
            "{what}: the annex's first page"
        );
        if let Some(next) = pages.get(start + 1) {
            assert_eq!(
                number(next),
                Some("2".into()),
                "{what}: the annex's second page"
            );
        }
    }
}

#[test]
fn the_signature_never_stands_alone_on_its_page() {
    // The page with "Nơi nhận:" carries at least one line of the body above it, in the
    // PDF and in the DOCX (as LibreOffice lays it out).
    let mut checked = 0;
    for (name, pages) in pages() {
        let found = pages.iter().enumerate().find_map(|(n, p)| {
            p.lines
                .iter()
                .find(|l| l.plain().starts_with("Nơi nhận"))
                .map(|label| (n, p, label))
        });
        let Some((n, page, label)) = found else {
            continue;
        };
        let above = page
            .lines
            .iter()
            .filter(|l| is_body(l) && l.top > 45.0 && l.bottom <= label.top)
            .count();
        assert!(
            above >= 1,
            "{name}: page {} holds the signature block without a line of the body",
            n + 1
        );
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} documents with a signature block"
    );
}

#[test]
fn the_docx_paginates_as_the_pdf() {
    // Same page count, and every page opens with the same line.
    let mut lines = 0;
    let mut same = 0;
    for d in documents() {
        assert_eq!(
            d.pdf.len(),
            d.docx.len(),
            "{}: {} pages in PDF, {} in the DOCX (LibreOffice)",
            d.name,
            d.pdf.len(),
            d.docx.len()
        );
        for (n, (a, b)) in d.pdf.iter().zip(&d.docx).enumerate() {
            let first = |p: &Page| {
                p.lines
                    .iter()
                    .find(|l| l.top > 45.0)
                    .map(|l| l.plain())
                    .unwrap_or_default()
            };
            assert_eq!(first(a), first(b), "{} page {}", d.name, n + 1);
            for (x, y) in a.lines.iter().zip(&b.lines) {
                lines += 1;
                if x.plain() == y.plain() {
                    same += 1;
                }
            }
        }
    }
    eprintln!("{same} of {lines} lines alike in the PDF and the DOCX");
    // Line for line, nearly everything: a line within a fraction of a point of the
    // margin may break differently.
    assert!(
        same as f64 >= 0.97 * lines as f64,
        "only {same} of {lines} lines alike"
    );
}

#[test]
fn the_docx_edits_like_a_word_document() {
    for d in documents() {
        let styles = docx_part(&d.docx_path, "word/styles.xml");
        for id in [
            "Normal",
            "Heading1",
            "Heading2",
            "Heading3",
            "Recipients",
            "Signature",
        ] {
            assert!(
                styles.contains(&format!("w:styleId=\"{id}\"")),
                "{}: no style {id}",
                d.name
            );
        }
        let normal = &styles[styles.find("w:styleId=\"Normal\"").unwrap()..];
        let normal = &normal[..normal.find("</w:style>").unwrap()];
        assert!(normal.contains("<w:widowControl w:val=\"1\""), "{normal}");
        assert!(
            normal.contains("w:line=\"322\" w:lineRule=\"exact\""),
            "{normal}"
        );
        let doc = docx_part(&d.docx_path, "word/document.xml");
        assert!(doc.contains("<w:pStyle w:val=\"Normal\""), "{}", d.name);
        assert_ppr_in_schema_order(&doc, &d.name);
    }
}

/// Every `w:pPr`'s children appear in the order of ECMA-376 (CT_PPr).
fn assert_ppr_in_schema_order(xml: &str, name: &str) {
    const ORDER: [&str; 13] = [
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "widowControl",
        "pBdr",
        "spacing",
        "ind",
        "jc",
        "outlineLvl",
        "rPr",
        "sectPr",
        "pPrChange",
    ];
    for ppr in xml.split("<w:pPr>").skip(1) {
        let ppr = &ppr[..ppr.find("</w:pPr>").unwrap_or(ppr.len())];
        // The direct children, in order (rPr and sectPr contents skipped).
        let mut seen = vec![];
        let mut depth = 0;
        for tag in ppr.split('<').skip(1) {
            let closing = tag.starts_with('/');
            let name = tag
                .trim_start_matches('/')
                .split([' ', '>', '/'])
                .next()
                .unwrap_or("")
                .trim_start_matches("w:");
            let empty = tag.trim_end().ends_with("/>") || tag.contains("/>");
            if closing {
                depth -= 1;
                continue;
            }
            if depth == 0 {
                seen.push(name.to_string());
            }
            if !empty {
                depth += 1;
            }
        }
        let ranks: Vec<usize> = seen
            .iter()
            .filter_map(|n| ORDER.iter().position(|o| o == n))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{name}: pPr children out of schema order: {seen:?}"
        );
    }
}

#[test]
fn annexes_are_sections_and_footnotes_carry_their_marks() {
    let d = documents()
        .iter()
        .find(|d| d.name == "003-luc-nam-ke-hoach")
        .unwrap();
    let doc = docx_part(&d.docx_path, "word/document.xml");
    assert_eq!(doc.matches("<w:sectPr").count(), 2, "letter and annex");
    assert!(doc.contains("<w:pgNumType w:start=\"1\""));
    let d = documents()
        .iter()
        .find(|d| d.name == "002-cao-loc-nn")
        .unwrap();
    let notes = docx_part(&d.docx_path, "word/footnotes.xml");
    assert!(notes.contains("w:type=\"separator\" w:id=\"-1\""));
    assert!(notes.contains("w:type=\"continuationSeparator\" w:id=\"0\""));
    assert_eq!(notes.matches("<w:footnoteRef/>").count(), 1);
    let settings = docx_part(&d.docx_path, "word/settings.xml");
    assert!(settings.contains("<w:footnotePr><w:footnote w:id=\"-1\"/>"));
    // LibreOffice prints the note at the foot of page 1 with its number.
    let page = &d.docx[0];
    let note = page
        .lines
        .iter()
        .find(|l| l.text.contains("Hồng không hạt Bảo Lâm"))
        .expect("the footnote on page 1");
    assert!(note.top > page.height - 120.0 && note.text.starts_with('1'));
    assert!(
        page.rules
            .iter()
            .any(|r| r.top < note.top && r.top > note.top - 20.0),
        "a separator above the note"
    );
    // And page 1 starts where every page 1 starts.
    let top = |p: &Page| p.lines[0].top;
    let other = documents()
        .iter()
        .find(|d| d.name == "004-quang-binh-780")
        .unwrap();
    assert!((top(&d.docx[0]) - top(&other.docx[0])).abs() < 0.5);
}

/// Renders the letter file `text` as `dir/<stem>.toml` and returns its PDF's pages and
/// those of LibreOffice's PDF of its DOCX, measured.
fn render_letter(dir: &Path, stem: &str, text: &str) -> (Vec<Page>, Vec<Page>) {
    let path = dir.join(format!("{stem}.toml"));
    std::fs::write(&path, text).unwrap();
    stdout(vanthu().arg("render").arg(&path).arg("--out").arg(dir));
    let lo = libreoffice_pdfs(dir);
    (
        measure(&dir.join(format!("{stem}.pdf"))),
        measure(&lo.join(format!("{stem}.pdf"))),
    )
}

#[test]
fn a_long_subject_and_agency_name_wrap_inside_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(root().join("letters/004-quang-binh-780.toml")).unwrap();
    let words = |n: usize, w: &str| vec![w; n].join(" ");
    let subject = format!("V/v {}", words(50, "triển khai"));
    let agency = words(30, "Sở Nông nghiệp");
    let letter = seed
        .replace(
            "subject = \"\"\"\nV/v tiếp tục triển khai thực hiện\nChương trình OCOP năm 2021\"\"\"",
            &format!("subject = \"{subject}\""),
        )
        .replace(
            "name = [\"Ủy ban nhân dân\", \"tỉnh Quảng Bình\"]",
            &format!("name = [\"Ủy ban nhân dân tỉnh Quảng Bình\", \"{agency}\"]"),
        );
    assert!(subject.chars().count() >= 300 && agency.chars().count() >= 300);
    assert_ne!(letter, seed, "the seed's lines were found");
    let (pdf, docx) = render_letter(dir.path(), "long", &letter);
    for (what, pages) in [("PDF", pdf), ("DOCX", docx)] {
        let page = &pages[0];
        let title_x0 = national_title_x0(page);
        let number = page
            .lines
            .iter()
            .find(|l| l.text.starts_with("Số:"))
            .unwrap();
        for l in page.lines.iter().filter(|l| l.top < number.top + 200.0) {
            assert!(l.x0 >= LEFT - 1.0 && l.x1 <= RIGHT + 1.0, "{what}: {l:?}");
            // A header word of the left column stays left of the national title.
            for w in l
                .words
                .iter()
                .filter(|w| w.x0 < title_x0 - 5.0 && l.size < 13.5)
            {
                assert!(
                    w.x1 <= title_x0,
                    "{what}: {:?} of {:?} crosses into the right column",
                    w.text,
                    l.text
                );
            }
        }
        let subject_lines = page
            .lines
            .iter()
            .filter(|l| (l.size - 12.0).abs() < 0.3 && l.top > number.top)
            .count();
        assert!(
            subject_lines >= 4,
            "{what}: the subject wraps ({subject_lines} lines)"
        );
    }
}

#[test]
fn an_urgent_letter_paginates_alike() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(root().join("letters/004-quang-binh-780.toml")).unwrap();
    let letter = seed.replace(
        "number = 780\n",
        "number = 780\nurgency = \"thượng khẩn\"\n",
    );
    assert_ne!(letter, seed);
    let (pdf, docx) = render_letter(dir.path(), "urgent", &letter);
    assert_eq!(pdf.len(), docx.len());
    for (n, (a, b)) in pdf.iter().zip(&docx).enumerate() {
        let first = |p: &Page| p.lines.iter().find(|l| l.top > 45.0).map(|l| l.plain());
        assert_eq!(first(a), first(b), "page {}", n + 1);
    }
    let mark = |p: &Page| {
        p.lines
            .iter()
            .find(|l| l.plain() == "THƯỢNG KHẨN")
            .map(|l| l.top)
            .expect("the urgency mark")
    };
    // The mark sits under the subject in both, within a point.
    assert!((mark(&pdf[0]) - mark(&docx[0])).abs() < 4.0);
}
