//! What OCOP certifies: the producers, their products, the evaluation scores, the
//! certificates and the certification tiers by date.

use chrono::Months;

use super::Rown;
use crate::data::importer::{COUNCILS, Importer, PRODUCER_KINDS, Table};
use crate::data::types::{Id, Score};
use crate::data::{Dataset, ImportReport};
use crate::store::import;

/// The producers.
pub(in crate::data) fn producers(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, p) in ds.producers.iter().enumerate() {
        let row = rown("producers", i);
        // A product list (CSV) repeats its producers: one already stored under the
        // same id and name is reused, a different name under that id is an error.
        if im.from_csv && im.exists(Table::Producers, p.id.trim()) {
            let stored = import::producer_name(im.tx, p.id.trim()).ok().flatten();
            if stored.as_deref() != Some(p.name.trim()) {
                im.problem(
                    &row,
                    "producer_name",
                    format!(
                        "chủ thể mã \"{}\" đã có với tên \"{}\", khác tên \"{}\" trong tệp",
                        p.id.trim(),
                        stored.unwrap_or_default(),
                        p.name.trim()
                    ),
                );
            }
            continue;
        }
        let id = im.new_id(&row, Table::Producers, &p.id);
        let name = im.text(&row, "name", &p.name);
        let address = im.text(&row, "address", &p.address);
        if !PRODUCER_KINDS.contains(&p.kind.as_str()) {
            im.problem(
                &row,
                "kind",
                format!(
                    "loại chủ thể \"{}\" không hợp lệ; hãy ghi một trong: {}",
                    p.kind,
                    PRODUCER_KINDS.join(", ")
                ),
            );
        }
        let commune = match &p.commune {
            Some(c) => im.reference(&row, "commune", Table::Agencies, c).map(Some),
            None => Some(None),
        };
        let email = im.email(&row, &p.email);
        if let (Some(id), Some(name), Some(address), Some(commune), Some(email)) =
            (id, name, address, commune, email)
            && im.write(
                &row,
                import::producer(
                    im.tx,
                    &import::NewProducer {
                        id: id.as_str(),
                        name: &name,
                        kind: &p.kind,
                        address: &address,
                        commune: commune.as_ref().map(Id::as_str),
                        email: email.as_deref(),
                    },
                ),
            )
        {
            report.producers += 1;
        }
    }
}

/// The products.
pub(in crate::data) fn products(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, p) in ds.products.iter().enumerate() {
        let row = rown("products", i);
        let id = im.new_id(&row, Table::Products, &p.id);
        let producer = im.reference(&row, "producer", Table::Producers, &p.producer);
        let name = im.text(&row, "name", &p.name);
        let programme = match &p.programme {
            Some(c) => im
                .reference(&row, "programme", Table::Programmes, c)
                .map(Some),
            None => Some(None),
        };
        if let (Some(producer), Some(name)) = (&producer, &name) {
            let dup = import::has_product(im.tx, producer.as_str(), name).unwrap_or(false);
            if dup {
                im.problem(
                    &row,
                    "name",
                    format!("chủ thể \"{producer}\" đã có sản phẩm \"{name}\" (trùng sản phẩm)"),
                );
                continue;
            }
        }
        if let (Some(id), Some(producer), Some(name), Some(programme)) =
            (id, producer, name, programme)
            && im.write(
                &row,
                import::product(
                    im.tx,
                    &import::NewProduct {
                        id: id.as_str(),
                        producer: producer.as_str(),
                        name: &name,
                        group: p.group.trim(),
                        programme: programme.as_ref().map(Id::as_str),
                        note: p.note.trim(),
                    },
                ),
            )
        {
            report.products += 1;
        }
    }
}

/// The evaluation rounds and their scores.
pub(in crate::data) fn evaluations(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, e) in ds.evaluations.iter().enumerate() {
        let row = rown("evaluations", i);
        let product = im.reference(&row, "product", Table::Products, &e.product);
        let date = im.date(&row, "date", &e.date);
        let score = Score::parse(e.score)
            .map_err(|m| im.problem(&row, "score", m))
            .ok();
        if !COUNCILS.contains(&e.council.as_str()) {
            im.problem(
                &row,
                "council",
                format!(
                    "cấp hội đồng \"{}\" không hợp lệ; hãy ghi một trong: {}",
                    e.council,
                    COUNCILS.join(", ")
                ),
            );
        }
        let round = im.text(&row, "round", &e.round);
        if let (Some(product), Some(date), Some(score), Some(round)) = (product, date, score, round)
            && im.write(
                &row,
                import::evaluation(
                    im.tx,
                    product.as_str(),
                    &round,
                    date,
                    i64::from(score.points()),
                    &e.council,
                ),
            )
        {
            report.evaluations += 1;
        }
    }
}

/// The certificates (36 months from their date unless given).
pub(in crate::data) fn certificates(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, c) in ds.certificates.iter().enumerate() {
        let row = rown("certificates", i);
        let product = im.reference(&row, "product", Table::Products, &c.product);
        let issued = im.date(&row, "issued_on", &c.issued_on);
        if !(3..=5).contains(&c.stars) {
            im.problem(
                &row,
                "stars",
                format!(
                    "{} sao: chỉ sản phẩm từ 3 đến 5 sao được chứng nhận",
                    c.stars
                ),
            );
        }
        let decision = im.text(&row, "decision", &c.decision);
        let issuer = match &c.issuer {
            Some(i) => im.reference(&row, "issuer", Table::Agencies, i).map(Some),
            None => Some(None),
        };
        let expires = match (&c.expires_on, issued) {
            (Some(e), _) => im.date(&row, "expires_on", e),
            // 36 months from the decision; chrono clamps to the month's last day.
            (None, Some(d)) => d.checked_add_months(Months::new(36)),
            (None, None) => None,
        };
        if let (Some(product), Some(issued), Some(expires), Some(decision), Some(issuer)) =
            (product, issued, expires, decision, issuer)
            && (3..=5).contains(&c.stars)
            && let Ok(stars) = u8::try_from(c.stars)
            && im.write(
                &row,
                crate::store::ocop::insert_certificate(
                    im.tx,
                    &crate::store::ocop::NewCertificate {
                        product_id: product.as_str(),
                        decision: &decision,
                        stars,
                        issued_on: issued,
                        expires_on: expires,
                        issuer_id: issuer.as_ref().map(Id::as_str),
                    },
                ),
            )
        {
            report.certificates += 1;
        }
    }
}

/// The certification tiers by date.
pub(in crate::data) fn tiers(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, t) in ds.tiers.iter().enumerate() {
        let row = rown("tiers", i);
        let province = im.reference(&row, "province", Table::Agencies, &t.province);
        if !COUNCILS.contains(&t.level.as_str()) {
            im.problem(
                &row,
                "level",
                format!(
                    "cấp \"{}\" không hợp lệ; hãy ghi một trong: {}",
                    t.level,
                    COUNCILS.join(", ")
                ),
            );
        }
        if !(3..=5).contains(&t.min_stars) || !(t.min_stars..=5).contains(&t.max_stars) {
            im.problem(
                &row,
                "min_stars",
                "cần 3 ≤ min_stars ≤ max_stars ≤ 5 (chỉ sản phẩm từ 3 sao được công nhận)",
            );
        }
        let from = match &t.from {
            Some(f) => im.date(&row, "from", f).map(Some),
            None => Some(None),
        };
        if let (Some(province), Some(from)) = (province, from)
            && im.write(
                &row,
                import::tier(
                    im.tx,
                    province.as_str(),
                    from,
                    &t.level,
                    t.min_stars,
                    t.max_stars,
                ),
            )
        {
            report.tiers += 1;
        }
    }
}
