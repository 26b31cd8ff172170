//! The register and the import, on a real SQLite file in a temporary folder.
//! - import of 10,000 products with their producers (CSV), into a database holding
//!   the demo agencies and programmes;
//! - issuing with rendering excluded (numbering + storing fixed 70 kB/55 kB files);
//! - issuing with rendering included (seed 004, PDF + DOCX).

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vanthu::store::{Store, register};
use vanthu::{Renderer, data, letter};

fn products_csv(n: usize) -> String {
    let mut s = String::from(
        "producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note\n",
    );
    for i in 0..n {
        let p = i / 2; // two products per producer
        s.push_str(&format!(
            "p{p},Hợp tác xã số {p},cooperative,\"Thôn {p}, xã Trường Sơn\",ubnd-xa-truong-son,sp{i},Sản phẩm số {i},Thực phẩm,luc-nam-2021,Đăng ký mới\n"
        ));
    }
    s
}

fn demo_store(dir: &Path) -> Store {
    let db = dir.join("b.db");
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(dir.join("b.db-wal"));
    let _ = std::fs::remove_file(dir.join("b.db-shm"));
    let mut s = Store::init(&db).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    data::import_file(&mut s, &root.join("data/demo.toml")).unwrap();
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("10k.csv");
    std::fs::write(&csv, products_csv(10_000)).unwrap();

    let mut g = c.benchmark_group("import");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("10k_products_csv", |b| {
        b.iter_batched(
            || demo_store(dir.path()),
            |mut store| {
                let r = data::import_file(&mut store, &csv).unwrap();
                assert_eq!(r.products, 10_000);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("letters/004-quang-binh-780.toml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("number ="))
        .map(|l| {
            if l.starts_with("date =") {
                "date = \"2021-05\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let draft = letter::parse(&text, Path::new("draft.toml")).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2021, 5, 17).unwrap();
    let pdf = vec![b'%'; 70_000];
    let docx = vec![b'P'; 55_000];

    let mut store = demo_store(dir.path());
    let mut g = c.benchmark_group("issue");
    g.bench_function("numbering_and_storing", |b| {
        b.iter(|| {
            register::issue_with(&mut store, &draft, &text, date, |_| {
                Ok(register::Files {
                    pdf: pdf.clone(),
                    docx: docx.clone(),
                    pages: 3,
                    signatures: vec![],
                })
            })
            .unwrap()
        })
    });
    let renderer = Renderer::new(None).unwrap();
    g.bench_function("with_rendering_seed_004", |b| {
        b.iter(|| register::issue(&mut store, &renderer, &draft, &text, date).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
