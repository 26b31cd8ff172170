//! Fills a register with N issued documents for the service benchmark
//! (`scripts/bench-serve`): seed 004's letter with varied subjects, kinds and years,
//! issued through the real register (numbering, one transaction each) with small
//! stand-in files instead of rendering, which the benchmark does not measure here.
//!
//! usage: cargo run --release --example fill_register -- DB N

use std::path::Path;

use vanthu::letter;
use vanthu::store::{Store, register};

const VERBS: &[&str] = &[
    "đôn đốc thực hiện",
    "triển khai",
    "báo cáo kết quả",
    "hướng dẫn",
    "tổng hợp",
    "đề nghị bổ sung",
    "góp ý dự thảo",
    "kiểm tra",
    "đánh giá, phân hạng",
];
const TOPICS: &[&str] = &[
    "Chương trình OCOP",
    "sản phẩm chủ lực",
    "hồ sơ sản phẩm",
    "kế hoạch năm",
    "tiêu chí nông thôn mới",
    "xúc tiến thương mại",
    "chứng nhận sao",
    "hội đồng cấp huyện",
    "dự toán kinh phí",
    "quy hoạch vùng nguyên liệu",
    "truy xuất nguồn gốc",
];
const KINDS: &[&str] = &["công văn", "thông báo", "kế hoạch", "báo cáo"];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (db, n): (&Path, usize) = match args.as_slice() {
        [_, db, n] => (Path::new(db), n.parse()?),
        _ => anyhow::bail!("usage: fill_register DB N"),
    };
    let mut store = Store::open(db)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = std::fs::read_to_string(root.join("letters/004-quang-binh-780.toml"))?;
    // The seed without its kind, number, date and (three-line) subject.
    let body = seed
        .split_once("Chương trình OCOP năm 2021\"\"\"\n")
        .expect("seed 004's subject ends so")
        .1;
    let base = [body];
    let started = std::time::Instant::now();
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let year = 2000 + (i % 25) as i32;
        let subject = format!(
            "V/v {} {} năm {} (đợt {})",
            VERBS[i % VERBS.len()],
            TOPICS[(i / 7) % TOPICS.len()],
            year,
            i % 97
        );
        let head = format!("kind = \"{kind}\"\nsubject = \"{subject}\"\ndate = \"{year}-05\"\n");
        let text = format!("{head}{}", base.join("\n"));
        let draft = letter::parse(&text, Path::new("fill.toml"))?;
        let date = chrono::NaiveDate::from_ymd_opt(year, 5, 1 + (i % 28) as u32).expect("valid");
        register::issue_with(&mut store, &draft, &text, date, |_| {
            Ok(register::Files {
                pdf: b"%PDF-1.7 stand-in".to_vec(),
                docx: b"PK stand-in".to_vec(),
                pages: 1,
                signatures: vec![],
            })
        })?;
    }
    eprintln!("{n} documents in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
