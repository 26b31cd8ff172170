//! OCOP batch documents: 1,000 certificates of one decision (a PDF each, both cores,
//! plus the combined PDF), and a decision whose annex lists 1,000 products.
//!
//! Every iteration renders new documents: the 1,000 product names are changed first
//! (outside the timing), as a real decision lists other products than the last one,
//! so typst's memoisation cannot answer from an earlier iteration.

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vanthu::store::Store;
use vanthu::{Renderer, data, ocop};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(&dir.path().join("b.db")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    data::import_file(&mut store, &root.join("data/demo.toml")).unwrap();
    let mut csv = String::from(
        "producer_id,producer_name,producer_kind,address,commune,product_id,product,group,programme,note\n",
    );
    let mut evals = String::new();
    for i in 0..1000 {
        csv.push_str(&format!(
            "p{i},Hợp tác xã số {i},cooperative,\"Thôn {i}, xã Trường Sơn\",ubnd-xa-truong-son,sp{i},Sản phẩm số {i},Thực phẩm,luc-nam-2021,\n"
        ));
        evals.push_str(&format!(
            "[[evaluations]]\nproduct = \"sp{i}\"\nround = \"r1000\"\ndate = \"2021-07-08\"\nscore = {}\ncouncil = \"district\"\n",
            50 + i % 20
        ));
    }
    std::fs::write(dir.path().join("p.csv"), csv).unwrap();
    std::fs::write(dir.path().join("e.toml"), evals).unwrap();
    data::import_file(&mut store, &dir.path().join("p.csv")).unwrap();
    data::import_file(&mut store, &dir.path().join("e.toml")).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2021, 7, 20).unwrap();
    let d = ocop::decide(
        &store,
        &ocop::DecisionRequest {
            round: "r1000",
            issuer: "ubnd-luc-nam",
            date,
            signer: None,
        },
    )
    .unwrap();
    let tx = store.conn_mut().transaction().unwrap();
    ocop::insert_certificates(&tx, "01/QĐ-UBND", "ubnd-luc-nam", date, &d.evaluated).unwrap();
    tx.commit().unwrap();
    let renderer = Renderer::new(None).unwrap();
    let mut round = 0;
    // New product names, then the decision's certificates and the decision itself.
    let mut rename = |store: &mut Store| {
        round += 1;
        store
            .conn()
            .execute(
                "UPDATE products SET name = 'Sản phẩm ' || ?1 || '-' || substr(id, 3) WHERE id LIKE 'sp%'",
                [round],
            )
            .unwrap();
    };
    let store = std::cell::RefCell::new(store);

    let mut g = c.benchmark_group("ocop");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("1000_certificates_2_threads_plus_combined", |b| {
        b.iter_batched(
            || {
                rename(&mut store.borrow_mut());
                let set = ocop::certificate_set(&store.borrow(), "01/QĐ-UBND", None, None).unwrap();
                assert_eq!(set.pages.len(), 1000);
                set
            },
            |set| {
                let mut files = 0;
                let combined = ocop::render_certificates(&renderer, &set, 2, |_, pdf| {
                    files += 1;
                    std::hint::black_box(pdf);
                    Ok(())
                })
                .unwrap();
                assert_eq!(files, 1000);
                combined
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("decision_with_1000_row_annex_pdf", |b| {
        b.iter_batched(
            || {
                rename(&mut store.borrow_mut());
                let request = ocop::DecisionRequest {
                    round: "r1000",
                    issuer: "ubnd-luc-nam",
                    date,
                    signer: None,
                };
                ocop::decide(&store.borrow(), &request)
                    .unwrap()
                    .decision
                    .unwrap()
                    .document
            },
            |decision| renderer.pdf(&decision).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
