//! The DOCX files, opened by real consumers: python-docx and LibreOffice headless.

use std::process::Command;

use crate::common::*;

fn python() -> String {
    std::env::var("VANTHU_PYTHON").unwrap_or_else(|_| {
        if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".into()
        } else {
            "python3".into()
        }
    })
}

fn inspect(stem: &str) -> serde_json::Value {
    let path = rendered().join(format!("{stem}.docx"));
    let out = stdout(
        Command::new(python())
            .arg(root().join("tests/docx_check.py"))
            .arg(path),
    );
    serde_json::from_str(&out).expect("docx_check.py prints JSON")
}

fn lines(v: &serde_json::Value) -> Vec<String> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| normalize(l.as_str().unwrap()))
        .collect()
}

#[test]
fn docx_page_fonts_and_key_text() {
    for letter in seed_letters() {
        let stem = letter.file_stem().unwrap().to_string_lossy().into_owned();
        let v = inspect(&stem);
        assert_eq!(
            v["page_twips"],
            serde_json::json!([11906, 16838]),
            "{stem}: A4"
        );
        // 20 / 20 / 30 / 15 mm
        assert_eq!(
            v["margins_twips"],
            serde_json::json!([1134, 1134, 1701, 850]),
            "{stem}"
        );
        assert_eq!(
            v["fonts"],
            serde_json::json!(["Times New Roman"]),
            "{stem}: fonts"
        );
        assert_eq!(v["runs_without_fonts"], 0, "{stem}: a run without fonts");
        assert_eq!(
            v["different_first_page"], true,
            "{stem}: page 1 has its own header"
        );
        assert_eq!(v["header_xml_has_page_field"], true, "{stem}: PAGE field");
        assert_eq!(
            v["first_header_text"],
            serde_json::json!([""]),
            "{stem}: no number on page 1"
        );
    }
    let v = inspect("004-quang-binh-780");
    let l = lines(&v);
    assert_lines(
        &l,
        &[
            "Số: 780/UBND-KT",
            "Quảng Bình, ngày 17 tháng 5 năm 2021",
            "V/v tiếp tục triển khai thực hiện",
            "KT. CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "Đoàn Ngọc Lâm",
            "Nơi nhận:",
            "- Lưu: VT, KT.",
        ],
        "docx 004",
    );
}

#[test]
fn docx_annex_table_has_merged_cells() {
    let v = inspect("003-luc-nam-ke-hoach");
    // producers 4 and 5 have two products: TT, name and address merge (3 columns × 2 rows)
    assert_eq!(v["vmerge"], 12, "vertical merges");
    let l = lines(&v);
    assert_lines(
        &l,
        &[
            "Hợp tác xã dịch vụ nông nghiệp Mai Sưu",
            "Bưởi Mai Sưu",
            "KẾ HOẠCH",
        ],
        "docx 003",
    );
}

#[test]
fn libreoffice_converts_every_docx_with_the_same_text() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<_> = seed_letters()
        .iter()
        .map(|l| rendered().join(format!("{}.docx", l.file_stem().unwrap().to_string_lossy())))
        .collect();
    let profile = format!(
        "-env:UserInstallation=file://{}/lo-profile",
        dir.path().display()
    );
    let out = run(Command::new("soffice")
        .arg(profile)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .args(&docs));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path().join("004-quang-binh-780.pdf");
    let l = pdf_lines(&pdf);
    assert_lines(
        &l,
        &[
            "Số: 780/UBND-KT",
            "Quảng Bình, ngày 17 tháng 5 năm 2021",
            "Đoàn Ngọc Lâm",
            "- Lưu: VT, KT.",
        ],
        "LibreOffice 004",
    );
    for d in &docs {
        let stem = d.file_stem().unwrap().to_string_lossy();
        assert!(
            dir.path().join(format!("{stem}.pdf")).exists(),
            "LibreOffice did not convert {stem}"
        );
    }
    let info = stdout(Command::new("pdfinfo").arg(&pdf));
    assert!(info.contains("(A4)"), "{info}");
}
