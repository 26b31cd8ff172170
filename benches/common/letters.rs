//! The benchmarks' letters: one province, one signer with a signature image and a
//! seal, and three-page công văn whose bodies differ by a number, so that no two
//! iterations give typst (which memoises) the same input. Shared by
//! `benches/sign.rs` and `benches/verify.rs`.

use std::path::Path;

use vanthu::store::Store;
use vanthu::{Renderer, data, letter};

use crate::png;

pub const DATA: &str = r#"
[[agencies]]
id = "ubnd-hoa-binh"
name = ["Ủy ban nhân dân", "tỉnh Hòa Bình"]
level = "province"
place = "Hòa Bình"
abbreviation = "UBND"
short_name = "UBND tỉnh Hòa Bình"
units = ["KT"]
seal_image = "dau.png"
seal_diameter_mm = 36

[[people]]
id = "nguyen-van-chuong"
agency = "ubnd-hoa-binh"
name = "Nguyễn Văn Chương"
title = "PHÓ CHỦ TỊCH"
authority = ["KT. CHỦ TỊCH"]
signature_image = "chu-ky.png"
"#;

/// A three-page công văn whose body carries `n`, so no two are alike.
pub fn letter_text(n: usize) -> String {
    let paragraph = format!(
        "Văn bản số thứ {n}: UBND tỉnh đề nghị các đơn vị rà soát, tổng hợp kết quả thực hiện Chương trình OCOP, đánh giá sản phẩm theo bộ tiêu chí, đề xuất khen thưởng lần {n}.\n\n"
    );
    format!(
        r#"kind = "công văn"
date = "2026-12"
subject = """
V/v đôn đốc báo cáo kết quả
Chương trình OCOP năm 2026 (đợt {n})"""
addressees = ["UBND các huyện, thành phố"]
recipients = ["Như trên", "Lưu: VT, KT"]
body = """
{}"""

[issuer]
id = "ubnd-hoa-binh"
unit = "KT"

[signer]
id = "nguyen-van-chuong"
"#,
        paragraph.repeat(24)
    )
}

/// A store in `dir` holding [`DATA`] and its images.
pub fn store(dir: &Path) -> Store {
    std::fs::write(dir.join("chu-ky.png"), png::signature(600, 240)).unwrap();
    std::fs::write(dir.join("dau.png"), png::seal(500)).unwrap();
    std::fs::write(dir.join("data.toml"), DATA).unwrap();
    let mut store = Store::init(&dir.join("b.db")).unwrap();
    data::import_file(&mut store, &dir.join("data.toml")).unwrap();
    store
}

/// `count` distinct letters, numbered and rendered to PDF.
pub fn rendered(store: &Store, renderer: &Renderer, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|n| {
            let text = letter_text(n);
            let doc = letter::parse_with(&text, Path::new("b.toml"), Some(store)).unwrap();
            let doc = doc.numbered(
                n as u32 + 1,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            );
            renderer.pdf(&doc).unwrap().0
        })
        .collect()
}
