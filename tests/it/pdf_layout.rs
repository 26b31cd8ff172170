//! The rendered seeds, measured on the PDF with poppler and qpdf, not assumed.

use std::path::Path;
use std::process::Command;

use crate::common::*;

const MM: f64 = 72.0 / 25.4;

fn pdf(stem: &str) -> std::path::PathBuf {
    rendered().join(format!("{stem}.pdf"))
}

#[test]
fn seed_004_key_lines() {
    let lines = pdf_lines(&pdf("004-quang-binh-780"));
    assert_lines(
        &lines,
        &[
            "ỦY BAN NHÂN DÂN",
            "TỈNH QUẢNG BÌNH",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 780/UBND-KT",
            "Quảng Bình, ngày 17 tháng 5 năm 2021",
            "V/v tiếp tục triển khai thực hiện",
            "Chương trình OCOP năm 2021",
            "- UBND các huyện, thị xã, thành phố.",
            "KT. CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "Đoàn Ngọc Lâm",
            "Nơi nhận:",
            "- Như trên;",
            "- Chủ tịch, các PCT UBND tỉnh;",
            "- Lưu: VT, KT.",
        ],
        "seed 004",
    );
    let text = lines.join(" ");
    assert!(text.contains("(i) Tuyên truyền, hướng dẫn; (ii) Nhận đăng ký ý tưởng sản phẩm;"));
    assert!(text.contains("triển khai thực hiện./."));
}

#[test]
fn seed_000_key_lines() {
    let lines = pdf_lines(&pdf("000-bac-giang-snn"));
    assert_lines(
        &lines,
        &[
            "UBND TỈNH BẮC GIANG",
            "SỞ NÔNG NGHIỆP",
            "Số: /SNN-PTNT",
            "Bắc Giang, ngày tháng 9 năm 2020",
            "V/v đẩy nhanh tiến độ triển khai",
            "thực hiện",
            "Kính gửi: UBND các huyện, thành phố",
            "- UBND tỉnh (b/c);",
            "- Chi cục PTNT.",
            "GIÁM ĐỐC",
            "Dương Thanh Tùng",
        ],
        "seed 000",
    );
    let text = lines.join(" ");
    assert!(text.contains("trước ngày 30/10/2020"));
    assert!(text.contains("trước ngày 05/11/2020"));
}

#[test]
fn seed_001_rebuilt_dispatch() {
    let lines = pdf_lines(&pdf("001-hoa-binh-332"));
    assert_lines(
        &lines,
        &[
            "Số: 332/UBND-KT",
            "Hòa Bình, ngày 17 tháng 3 năm 2023",
            "Kính gửi:",
            "- Các Sở, Ban, Ngành tỉnh;",
        ],
        "seed 001",
    );
    let text = lines.join(" ");
    for needle in [
        "Danh mục 14 sản phẩm tiếp tục đăng ký",
        "thu hồi 09 sản phẩm",
        "trước ngày 15/12/2023",
        "từ 70 điểm trở lên",
        "148/QĐ-TTg",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[test]
fn seed_002_list_and_footnote() {
    let lines = pdf_lines(&pdf("002-cao-loc-nn"));
    assert_lines(
        &lines,
        &[
            "ỦY BAN NHÂN DÂN",
            "HUYỆN CAO LỘC",
            "Số: /UBND-NN",
            "Cao Lộc, ngày tháng 7 năm 2024",
            "Kính gửi:",
            "- Ủy ban nhân dân các xã, thị trấn;",
            "- Ủy ban MTTQ, các tổ chức CT-XH huyện.",
            "1. UBND các xã, thị trấn",
            "- Lưu: VT.",
            "Nguyễn Văn Thịnh",
        ],
        "seed 002",
    );
    // the footnote text sits at the foot of page 1, numbered 1
    let page1 = stdout(
        Command::new("pdftotext")
            .args(["-f", "1", "-l", "1"])
            .arg(pdf("002-cao-loc-nn"))
            .arg("-"),
    );
    let page1 = normalize(&page1);
    assert!(
        page1.contains(
            "1 Hồng không hạt Bảo Lâm - Hợp tác xã sản xuất cây củ quả sạch Hòa Cư, xã Hoà Cư"
        ),
        "{page1}"
    );
}

#[test]
fn seed_003_plan_and_annex() {
    let path = pdf("003-luc-nam-ke-hoach");
    let lines = pdf_lines(&path);
    assert_lines(
        &lines,
        &[
            "Số: /KH-UBND",
            "Lục Nam, ngày tháng 3 năm 2021",
            "KẾ HOẠCH",
            "Triển khai Chương trình Mỗi xã một sản phẩm năm 2021",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "II. NỘI DUNG THỰC HIỆN",
            "III. TỔ CHỨC THỰC HIỆN",
            "6.1. Tổ chức đăng ký và tiếp nhận ý tưởng sản phẩm",
            "Đánh giá đợt 1: Trước ngày 10/7/2021",
            "- Lưu: VT, Phòng NN&PTNT.",
            "Hoàng Văn Toán",
        ],
        "seed 003",
    );
    let text = lines.join(" ");
    assert!(text.contains("3- 4 sao là 10.000.000 đồng, 5 sao là 20.000.000 đồng"));
    assert!(text.contains("là 100.000.000 đồng"));
    // The annex is on the last page, alone.
    let pages = page_count(&path);
    let last = normalize(&stdout(
        Command::new("pdftotext")
            .args(["-f", &pages.to_string(), "-l", &pages.to_string()])
            .arg(&path)
            .arg("-"),
    ));
    assert!(
        last.contains("BIỂU DỰ KIẾN CÁC SẢN PHẨM ĐĂNG KÝ THAM GIA"),
        "{last}"
    );
    assert!(
        last.contains("(Kèm theo Kế hoạch số /KH-UBND ngày /3/2021 của UBND huyện Lục Nam)"),
        "{last}"
    );
    assert!(
        !last.contains("Hoàng Văn Toán"),
        "annex must start a new page"
    );
    // One producer, two products: the producer's name is printed once.
    assert_eq!(
        last.matches("Hợp tác xã dịch vụ nông nghiệp Mai Sưu")
            .count(),
        1
    );
    assert!(last.contains("Hạt dẻ Mai Sưu") && last.contains("Bưởi Mai Sưu"));
    assert_eq!(last.matches("Đăng ký mới").count(), 8);
}

fn page_count(pdf: &Path) -> usize {
    let info = stdout(Command::new("pdfinfo").arg(pdf));
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo prints Pages")
}

#[test]
fn every_pdf_is_a4_embeds_its_fonts_and_passes_qpdf() {
    for letter in seed_letters() {
        let stem = letter.file_stem().unwrap().to_string_lossy().into_owned();
        let path = pdf(&stem);
        let info = stdout(Command::new("pdfinfo").arg(&path));
        assert!(
            info.contains("Page size:       595.276 x 841.89 pts (A4)"),
            "{stem}: {info}"
        );
        let fonts = stdout(Command::new("pdffonts").arg(&path));
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{stem}: no fonts");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type... encoding emb sub uni object ID: emb is the 4th column from the end
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "{stem}: font not embedded: {row}");
            assert!(
                row.contains("LiberationSerif"),
                "{stem}: unexpected font {row}"
            );
        }
        let check = run(Command::new("qpdf").arg("--check").arg(&path));
        assert!(
            check.status.success(),
            "{stem}: qpdf --check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn pdf_metadata_and_pdfa_identification() {
    let path = pdf("004-quang-binh-780");
    let info = stdout(Command::new("pdfinfo").arg(&path));
    assert!(
        info.contains(
            "Title:           V/v tiếp tục triển khai thực hiện Chương trình OCOP năm 2021"
        ),
        "{info}"
    );
    assert!(
        info.contains("Author:          Ủy ban nhân dân tỉnh Quảng Bình"),
        "{info}"
    );
    assert!(info.contains("Keywords:        780/UBND-KT"), "{info}");
    let meta = stdout(Command::new("pdfinfo").arg("-meta").arg(&path));
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    assert!(
        meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{meta}"
    );
    assert!(
        meta.contains("xml:lang=\"vi\"") || meta.contains("<dc:language>"),
        "{meta}"
    );
}

/// Word boxes of every page: (page, xMin, yMin, xMax, yMax, word), in points.
fn words(pdf: &Path) -> Vec<(usize, f64, f64, f64, f64, String)> {
    let html = stdout(Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-"));
    let mut out = vec![];
    let mut page = 0;
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let attr = |name: &str| -> f64 {
                let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + rest[start..].find('"').unwrap();
                rest[start..end].parse().unwrap()
            };
            let word =
                rest[rest.find('>').unwrap() + 1..rest.rfind("</word>").unwrap()].to_string();
            out.push((
                page,
                attr("xMin"),
                attr("yMin"),
                attr("xMax"),
                attr("yMax"),
                word,
            ));
        }
    }
    out
}

#[test]
fn text_stays_inside_the_margins_and_pages_are_numbered_from_two() {
    for letter in seed_letters() {
        let stem = letter.file_stem().unwrap().to_string_lossy().into_owned();
        let path = pdf(&stem);
        let ws = words(&path);
        let pages = page_count(&path);
        assert!(pages >= 2, "{stem}: seeds are longer than one page");
        // Each annex numbers its own pages: its first page (opening with "Phụ lục")
        // has no number, like page 1, and its second shows 2.
        let opens_annex = |p: usize| {
            ws.iter()
                .filter(|w| w.0 == p && w.2 >= 20.0 * MM - 1.0)
                .min_by(|a, b| a.2.total_cmp(&b.2))
                .is_some_and(|w| w.5 == "Phụ")
        };
        let starts: Vec<usize> = (1..=pages).filter(|p| *p == 1 || opens_annex(*p)).collect();
        let printed = |p: usize| {
            let start = starts.iter().rev().find(|s| **s <= p).copied().unwrap_or(1);
            p - start + 1
        };
        let tol = 1.0;
        for (page, x0, y0, x1, y1, w) in &ws {
            assert!(
                *x0 >= 30.0 * MM - tol,
                "{stem} p{page}: {w:?} left of the 30 mm margin ({x0})"
            );
            assert!(
                *x1 <= (210.0 - 15.0) * MM + tol,
                "{stem} p{page}: {w:?} right of the 15 mm margin ({x1})"
            );
            assert!(
                *y1 <= (297.0 - 20.0) * MM + tol,
                "{stem} p{page}: {w:?} below the 20 mm margin ({y1})"
            );
            if *y0 < 20.0 * MM - tol {
                // Only the page number may stand in the top margin.
                assert_eq!(
                    w,
                    &printed(*page).to_string(),
                    "{stem} p{page}: {w:?} in the top margin"
                );
            }
        }
        let in_top = |p: usize| {
            ws.iter()
                .filter(|w| w.0 == p && w.2 < 20.0 * MM)
                .collect::<Vec<_>>()
        };
        for s in &starts {
            assert!(
                in_top(*s).is_empty(),
                "{stem}: page {s} opens a part and has no number"
            );
        }
        for p in (2..=pages).filter(|p| !starts.contains(p)) {
            let top = in_top(p);
            assert_eq!(
                top.len(),
                1,
                "{stem}: page {p} needs exactly one number in the top margin"
            );
            let centre = (top[0].1 + top[0].3) / 2.0;
            let text_centre = (30.0 + (210.0 - 15.0)) / 2.0 * MM;
            assert!(
                (centre - text_centre).abs() < 2.0 * MM,
                "{stem}: page number of page {p} not centred"
            );
        }
    }
}

#[test]
fn header_columns_and_body_indent() {
    let ws = words(&pdf("004-quang-binh-780"));
    let first = |w: &str| {
        ws.iter()
            .find(|x| x.0 == 1 && x.5 == w)
            .unwrap_or_else(|| panic!("{w}"))
    };
    // "Số:" in the left column, the national title in the right one, on the same page.
    let so = first("Số:");
    let cong = first("CỘNG");
    assert!(so.3 < cong.1 + 40.0, "number in the left column");
    assert!(
        cong.1 > 30.0 * MM + 50.0 * MM,
        "national title in the right column"
    );
    // The date line is italic text on the right, level with the number.
    let quang = ws
        .iter()
        .find(|x| x.0 == 1 && x.5 == "Quảng" && x.1 > 100.0 * MM)
        .unwrap();
    assert!(
        (quang.2 - so.2).abs() < 3.0,
        "date line level with the number"
    );
    // Body paragraphs start 1.27 cm in from the left margin.
    let de = ws.iter().find(|x| x.0 == 1 && x.5 == "Đề").unwrap();
    let indent = de.1 - 30.0 * MM;
    assert!(
        (indent - 12.7 * MM).abs() < 1.0,
        "first-line indent {indent}"
    );
}
