//! The command line: render, check, errors and escaping, through the real binary.

use std::process::Command;

use crate::common::*;

fn render_to(
    dir: &std::path::Path,
    letters: &[&std::path::Path],
    extra: &[&str],
) -> std::process::Output {
    run(vanthu()
        .arg("render")
        .args(letters)
        .arg("--out")
        .arg(dir)
        .args(extra))
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn format_pdf_writes_only_pdfs() {
    let out = tempfile::tempdir().unwrap();
    let letters = seed_letters();
    let refs: Vec<&std::path::Path> = letters.iter().map(|p| p.as_path()).collect();
    let o = render_to(out.path(), &refs, &["--format", "pdf"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = files_in(out.path());
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with(".pdf")));
}

#[test]
fn check_accepts_the_seeds() {
    let o = run(vanthu().arg("check").args(seed_letters()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).matches("hợp lệ").count(),
        5
    );
}

#[test]
fn check_warns_of_a_noi_nhan_without_its_file_copy_line() {
    let o = run(vanthu().arg("check").args(seed_letters()));
    let out = String::from_utf8_lossy(&o.stdout);
    let block = |stem: &str| {
        let start = out.find(stem).unwrap_or_else(|| panic!("{stem} in {out}"));
        let rest = &out[start..];
        let end = rest[1..].find("letters/").map_or(rest.len(), |e| e + 1);
        rest[..end].to_string()
    };
    // Seed 000 ends its Nơi nhận with "Chi cục PTNT", 002 with "Lưu: VT" (no unit).
    let b = block("000-bac-giang-snn.toml");
    assert!(b.contains("hợp lệ, lưu ý:"), "{b}");
    assert!(
        b.contains("recipients: Nơi nhận thiếu dòng cuối “Lưu: VT, PTNT.”"),
        "{b}"
    );
    let b = block("002-cao-loc-nn.toml");
    assert!(
        b.contains("recipients: dòng “Lưu: VT” của Nơi nhận thiếu đơn vị soạn thảo"),
        "{b}"
    );
    // 004 ends with "Lưu: VT, KT.": no warning.
    assert!(
        block("004-quang-binh-780.toml")
            .trim_end()
            .ends_with(": hợp lệ")
    );
}

/// Each broken letter: (what to break, replacement, expected field, expected words).
const BROKEN: &[(&str, &str, &str, &str)] = &[
    (
        "[signer]\ntitle = \"CHỦ TỊCH\"\nname = \"Trần Văn A\"\n",
        "",
        "signer",
        "[signer]",
    ),
    ("[signer]", "[nguoi_ky]", "dòng 17", "nguoi_ky"),
    (
        "kind = \"công văn\"",
        "kind = \"thư tay\"",
        "kind",
        "kế hoạch",
    ),
    (
        "date = \"2021-02-05\"",
        "date = \"2021-02-30\"",
        "date",
        "không có trong lịch",
    ),
    (
        "date = \"2021-02-05\"",
        "date = \"5 tháng 2\"",
        "date",
        "2021-05-17",
    ),
    ("Nội dung công văn.", "Nội dung <b>đậm</b>.", "body", "HTML"),
    (
        "Nội dung công văn.",
        "| ^ | a |\n|---|---|\n| b | c |",
        "body",
        "'^'",
    ),
    (
        "subject = \"V/v thử nghiệm\"",
        "subject = V/v thử nghiệm",
        "dòng 4",
        "TOML",
    ),
];

#[test]
fn broken_letters_get_one_clear_message_and_no_output() {
    for (from, to, field, words) in BROKEN {
        let text = MINIMAL.replace(from, to);
        assert_ne!(text, MINIMAL, "test case must change the letter: {from}");
        let (dir, path) = letter_file("hong.toml", &text);
        let out_dir = dir.path().join("out");
        let o = render_to(&out_dir, &[&path], &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{from} -> {to}: should fail");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("{}: {field}", path.display())),
            "{from} -> {to}: {err}"
        );
        assert!(err.contains(words), "{from} -> {to}: {err}");
        assert!(
            files_in(&out_dir).is_empty(),
            "nothing may be written: {:?}",
            files_in(&out_dir)
        );
        let c = run(vanthu().arg("check").arg(&path));
        assert!(!c.status.success());
        assert_eq!(
            String::from_utf8_lossy(&c.stderr),
            err,
            "check and render report alike"
        );
    }
}

#[test]
fn one_bad_letter_stops_the_whole_batch() {
    let (dir, bad) = letter_file("bad.toml", &MINIMAL.replace("[signer]", "[x]"));
    let good = dir.path().join("good.toml");
    std::fs::write(&good, MINIMAL).unwrap();
    let out_dir = dir.path().join("out");
    let o = render_to(&out_dir, &[&good, &bad], &[]);
    assert!(!o.status.success());
    assert!(files_in(&out_dir).is_empty(), "{:?}", files_in(&out_dir));
    // and once fixed, both render
    std::fs::write(&bad, MINIMAL).unwrap();
    std::fs::rename(&bad, dir.path().join("also-good.toml")).unwrap();
    let o = render_to(&out_dir, &[&good, &dir.path().join("also-good.toml")], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        files_in(&out_dir),
        ["also-good.docx", "also-good.pdf", "good.docx", "good.pdf"]
    );
}

#[test]
fn user_text_is_printed_literally_never_run() {
    let nasty = r#"#read("/etc/passwd")"#;
    let symbols = r#"*$_[x]@<y>\"#;
    let text = MINIMAL
        .replace("Nội dung công văn.", "Sản phẩm {{ a }} và {{ b }}.")
        .replace("V/v thử nghiệm", "V/v #read(\\\"/etc/passwd\\\") $x$ *y*")
        .replace("\"UBND các huyện\"", "'''#import \"/etc/hosts\"'''")
        + &format!("\n[data]\na = '{nasty}'\nb = '{symbols}'\n");
    let (dir, path) = letter_file("tiem.toml", &text);
    let o = render_to(dir.path(), &[&path], &["--format", "pdf"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = pdf_lines(&dir.path().join("tiem.pdf"));
    let all = lines.join("\n");
    assert!(
        all.contains(&format!("Sản phẩm {nasty} và {symbols}.")),
        "{all}"
    );
    assert!(all.contains("V/v #read(\"/etc/passwd\") $x$ *y*"), "{all}");
    assert!(all.contains("Kính gửi: #import \"/etc/hosts\""), "{all}");
    assert!(!all.contains("root:"), "a file was read: {all}");
}

#[test]
fn dates_take_leading_zeros_in_the_rendered_pdf() {
    for (date, line) in [
        ("2021-02-05", "Quảng Bình, ngày 05 tháng 02 năm 2021"),
        ("17/05/2021", "Quảng Bình, ngày 17 tháng 5 năm 2021"),
        ("2020-11-09", "Quảng Bình, ngày 09 tháng 11 năm 2020"),
    ] {
        let text = MINIMAL.replace("2021-02-05", date);
        let (dir, path) = letter_file("ngay.toml", &text);
        let o = render_to(dir.path(), &[&path], &["--format", "pdf"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_lines(
            &pdf_lines(&dir.path().join("ngay.pdf")),
            &[line, "Số: 12/UBND-KT"],
            date,
        );
    }
}

#[test]
fn decisions_print_authority_grounds_and_articles() {
    let text = MINIMAL
        .replace("kind = \"công văn\"", "kind = \"quyết định\"")
        .replace("subject = \"V/v thử nghiệm\"", "subject = \"Về việc công nhận sản phẩm OCOP năm 2021\"")
        .replace("addressees = [\"UBND các huyện\"]", "addressees = []")
        .replace("recipients = [\"Như trên\", \"Lưu: VT, KT\"]", "recipients = [\"Như Điều 3\", \"Lưu: VT, KT\"]")
        .replace(
            "Nội dung công văn.",
            "Điều 1. Công nhận 02 sản phẩm OCOP.\n\nĐiều 2. Quyết định có hiệu lực kể từ ngày ký.\n\nĐiều 3. Chánh Văn phòng thi hành./.",
        )
        + "\n[decision]\nauthority = \"Chủ tịch Ủy ban nhân dân tỉnh Quảng Bình\"\ngrounds = [\"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015\", \"Căn cứ Quyết định số 148/QĐ-TTg ngày 24/02/2023\"]\nproposal = \"Theo đề nghị của Giám đốc Sở Nông nghiệp và PTNT\"\n";
    let (dir, path) = letter_file("qd.toml", &text);
    let o = render_to(dir.path(), &[&path], &["--format", "pdf"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = pdf_lines(&dir.path().join("qd.pdf"));
    assert_lines(
        &lines,
        &[
            "Số: 12/QĐ-UBND",
            "QUYẾT ĐỊNH",
            "Về việc công nhận sản phẩm OCOP năm 2021",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH",
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;",
            "Căn cứ Quyết định số 148/QĐ-TTg ngày 24/02/2023;",
            "Theo đề nghị của Giám đốc Sở Nông nghiệp và PTNT.",
            "QUYẾT ĐỊNH:",
            "Điều 1. Công nhận 02 sản phẩm OCOP.",
            "- Như Điều 3;",
        ],
        "decision",
    );
    // articles out of order are refused
    let bad = text.replace("Điều 2.", "Điều 4.");
    let (_d, p) = letter_file("qd.toml", &bad);
    let o = run(vanthu().arg("check").arg(&p));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Điều 4."));
}

#[test]
fn unreadable_letter_and_usage_errors() {
    let o = run(vanthu().args(["check", "/nonexistent/thu.toml"]));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("/nonexistent/thu.toml: tệp: không đọc được tệp")
    );
    let o = run(Command::new(env!("CARGO_BIN_EXE_vanthu")).args(["render", "x.toml"]));
    assert!(!o.status.success(), "--out is required");
}

#[test]
fn the_readme_example_letter_renders() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .find("## Letter files")
        .expect("README has a Letter files section");
    let start = section + readme[section..].find("```toml\n").expect("a toml example") + 8;
    let end = start + readme[start..].find("\n```").unwrap();
    let (dir, path) = letter_file("vi-du.toml", &readme[start..end]);
    let o = render_to(dir.path(), &[&path], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = pdf_lines(&dir.path().join("vi-du.pdf"));
    assert_lines(
        &lines,
        &[
            "Số: 20/QĐ-UBND",
            "Lục Nam, ngày 03 tháng 6 năm 2021",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN LỤC NAM",
            "Phụ lục",
            "DANH SÁCH SẢN PHẨM ĐƯỢC CÔNG NHẬN",
        ],
        "README example",
    );
    let text = lines.join(" ");
    assert!(
        text.contains("(Kèm theo Quyết định số 20/QĐ-UBND ngày 03/6/2021 của UBND huyện Lục Nam)"),
        "{text}"
    );
    assert!(text.contains("Điều 1. Công nhận 2 sản phẩm"), "{text}");
    assert_eq!(
        text.matches("HTX dịch vụ nông nghiệp Mai Sưu").count(),
        2,
        "merged: once per pdftotext mode"
    );
}

/// A 20,000-row annex (100,000 cells) would take typst about 1.5 GB: it is refused
/// before any layout, saying the limit and what to do, and nothing is written; the
/// 5,000-row annex of the benchmark (25,000 cells) renders.
#[test]
fn an_annex_past_the_cell_budget_is_refused_before_any_work() {
    let annex = |rows: usize| {
        let mut body = String::from(
            "| TT | Sản phẩm | Chủ thể | Địa chỉ | Ghi chú |\n|---|---|---|---|---|\n",
        );
        for i in 1..=rows {
            body.push_str(&format!("| {i} | Mật ong {i} | HTX {i} | Lục Nam | |\n"));
        }
        format!("{MINIMAL}\n[[annexes]]\ntitle = \"Danh sách\"\nbody = '''\n{body}'''\n")
    };
    let (dir, path) = letter_file("lon.toml", &annex(20_000));
    let out = dir.path().join("out");
    let o = run(vanthu().arg("render").arg(&path).arg("--out").arg(&out));
    let text = printed(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("các bảng của văn bản có tổng cộng 100.005 ô, quá giới hạn 30.000 ô"),
        "{text}"
    );
    assert!(text.contains("tách phụ lục"), "{text}");
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().count() == 0);

    let (dir, path) = letter_file("vua.toml", &annex(5_000));
    let out = dir.path().join("out");
    let o = run(vanthu().arg("render").arg(&path).arg("--out").arg(&out));
    assert!(o.status.success(), "{}", printed(&o));
    assert!(out.join("vua.pdf").exists() && out.join("vua.docx").exists());
}
