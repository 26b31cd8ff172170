//! The import of each section of a dataset, in the order the import runs them (a
//! section may refer to rows of the sections before it, in the database or the file).
//! Each checks its rows through the [`Importer`], writes them in the import's
//! transaction and counts them in the report.

use chrono::Months;

use super::importer::{COUNCILS, Importer, LEVELS, PRODUCER_KINDS, Table};
use super::types::{Id, Score};
use super::{Dataset, ImportReport};
use crate::model::AuthorityLine;
use crate::store::import;

/// The name of row `i` of a section in messages (`agencies[3]`, `dòng 12` of a CSV).
pub(super) type Rown<'a> = dyn Fn(&str, usize) -> String + 'a;

/// The agencies, then their parents (a parent may come later in the file).
pub(super) fn agencies(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    // Agencies first without parents, so parents may come later in the file.
    for (i, a) in ds.agencies.iter().enumerate() {
        let row = rown("agencies", i);
        let id = im.new_id(&row, Table::Agencies, &a.id);
        if !LEVELS.contains(&a.level.as_str()) {
            im.problem(
                &row,
                "level",
                format!(
                    "cấp \"{}\" không hợp lệ; hãy ghi một trong: {}",
                    a.level,
                    LEVELS.join(", ")
                ),
            );
        }
        // One line of text per printed line of the name.
        let lines: Option<Vec<String>> = a
            .name
            .clone()
            .into_vec()
            .iter()
            .map(|l| im.text(&row, "name", l))
            .collect();
        let name = lines.map(|l| l.join("\n"));
        let place = im.text(&row, "place", &a.place);
        let abbr = im.text(&row, "abbreviation", &a.abbreviation);
        let short = im.text(&row, "short_name", &a.short_name);
        let email = im.email(&row, &a.email);
        let reply_to = im.email_in(&row, "reply_to", &a.reply_to);
        if let (
            Some(id),
            Some(name),
            Some(place),
            Some(abbr),
            Some(short),
            Some(email),
            Some(reply_to),
        ) = (id, name, place, abbr, short, email, reply_to)
            && im.write(
                &row,
                import::agency(
                    im.tx,
                    &import::NewAgency {
                        id: id.as_str(),
                        name: &name,
                        level: &a.level,
                        place: &place,
                        abbreviation: &abbr.to_uppercase(),
                        short_name: &short,
                        units: &a.units.join(","),
                        email: email.as_deref(),
                        reply_to: reply_to.as_deref(),
                    },
                ),
            )
        {
            report.agencies += 1;
            im.seal(&row, ds.base.as_deref(), a);
            im.wordings(&row, a);
        }
    }
    for (i, a) in ds.agencies.iter().enumerate() {
        if let Some(parent) = &a.parent {
            let row = rown("agencies", i);
            if let Some(p) = im.reference(&row, "parent", Table::Agencies, parent) {
                let set = import::agency_parent(im.tx, a.id.trim(), p.as_str());
                im.write(&row, set);
            }
        }
    }
}

/// The people (signers) and the agencies they sign for.
pub(super) fn people(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    for (i, p) in ds.people.iter().enumerate() {
        let row = rown("people", i);
        let id = im.new_id(&row, Table::People, &p.id);
        let agency = im.reference(&row, "agency", Table::Agencies, &p.agency);
        let name = im.text(&row, "name", &p.name);
        let title = im.text(&row, "title", &p.title);
        let email = im.email(&row, &p.email);
        let signs_for: Vec<Option<Id>> = p
            .signs_for
            .iter()
            .map(|a| im.reference(&row, "signs_for", Table::Agencies, a))
            .collect();
        let signs_for: Option<Vec<String>> = signs_for
            .into_iter()
            .map(|a| a.map(|a| a.as_str().to_string()))
            .collect();
        for a in &p.authority {
            if AuthorityLine::parse(a).is_none() {
                im.problem(
                    &row,
                    "authority",
                    format!("\"{a}\" không phải thể thức ký (TM., KT., TL., TUQ., Q. + chức danh)"),
                );
            }
        }
        if let (Some(id), Some(agency), Some(name), Some(title), Some(email), Some(signs_for)) =
            (id, agency, name, title, email, signs_for)
            && im.write(
                &row,
                import::person(
                    im.tx,
                    &import::NewPerson {
                        id: id.as_str(),
                        agency: agency.as_str(),
                        name: &name,
                        title: &title,
                        authority: &p.authority.join("\n"),
                        email: email.as_deref(),
                        signs_for: &signs_for.join(","),
                    },
                ),
            )
        {
            report.people += 1;
            if let Some(image) = &p.signature_image {
                im.signature_image(&row, ds.base.as_deref(), &p.id, image);
            }
        }
    }
}

/// The product groups.
pub(super) fn groups(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    for (i, g) in ds.groups.iter().enumerate() {
        let row = rown("groups", i);
        let id = im.new_id(&row, Table::Groups, &g.id);
        let name = im.text(&row, "name", &g.name);
        let members: Vec<Option<Id>> = g
            .members
            .iter()
            .map(|m| im.reference(&row, "members", Table::Agencies, m))
            .collect();
        if let (Some(id), Some(name)) = (id, name)
            && im.write(&row, import::group(im.tx, id.as_str(), &name))
        {
            for m in members.into_iter().flatten() {
                let added = import::group_member(im.tx, id.as_str(), m.as_str());
                im.write(&row, added);
            }
            report.groups += 1;
        }
    }
}

/// The programmes with their budget lines.
pub(super) fn programmes(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    for (i, p) in ds.programmes.iter().enumerate() {
        let row = rown("programmes", i);
        let id = im.new_id(&row, Table::Programmes, &p.id);
        let issuer = im.reference(&row, "issuer", Table::Agencies, &p.issuer);
        let name = im.text(&row, "name", &p.name);
        if !(2000..=2100).contains(&p.year) {
            im.problem(&row, "year", format!("năm {} không hợp lệ", p.year));
        }
        for (k, b) in p.budget.iter().enumerate() {
            if b.amount < 0 {
                im.problem(
                    &row,
                    &format!("budget[{}].amount", k + 1),
                    "số tiền không được âm",
                );
            }
        }
        let mut wording = |field: &str, value: &Option<String>, default: &str| match value {
            Some(v) => im.text(&row, field, v),
            None => Some(default.to_string()),
        };
        let lead = wording(
            "lead_unit",
            &p.lead_unit,
            "Phòng Nông nghiệp và Phát triển nông thôn",
        );
        let finance = wording(
            "finance_unit",
            &p.finance_unit,
            "Phòng Tài chính - Kế hoạch",
        );
        let local = wording("local_units", &p.local_units, "UBND các xã, thị trấn");
        if let (Some(id), Some(issuer), Some(name), Some(lead), Some(finance), Some(local)) =
            (id, issuer, name, lead, finance, local)
            && im.write(
                &row,
                import::programme(
                    im.tx,
                    &import::NewProgramme {
                        id: id.as_str(),
                        year: p.year,
                        issuer: issuer.as_str(),
                        name: &name,
                        target_products: p.target_products,
                        lead_unit: &lead,
                        finance_unit: &finance,
                        local_units: &local,
                    },
                ),
            )
        {
            for (k, b) in p.budget.iter().enumerate() {
                let line = import::budget_line(
                    im.tx,
                    id.as_str(),
                    k as i64 + 1,
                    &b.label,
                    b.amount.max(0),
                );
                im.write(&row, line);
            }
            report.programmes += 1;
        }
    }
}

/// The producers.
pub(super) fn producers(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
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
pub(super) fn products(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
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
pub(super) fn evaluations(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
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
pub(super) fn certificates(
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

/// The milestones and the agencies that owe each.
pub(super) fn milestones(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    for (i, m) in ds.milestones.iter().enumerate() {
        let row = rown("milestones", i);
        let id = im.new_id(&row, Table::Milestones, &m.id);
        let programme = im.reference(&row, "programme", Table::Programmes, &m.programme);
        let what = im.text(&row, "what", &m.what);
        let due = im.date(&row, "due", &m.due);
        let agencies: Vec<Option<Id>> = m
            .agencies
            .iter()
            .map(|a| im.reference(&row, "agencies", Table::Agencies, a))
            .collect();
        if let (Some(id), Some(programme), Some(what), Some(due)) = (id, programme, what, due)
            && im.write(
                &row,
                import::milestone(im.tx, id.as_str(), programme.as_str(), &what, due),
            )
        {
            for a in agencies.into_iter().flatten() {
                let owes = import::milestone_agency(im.tx, id.as_str(), a.as_str());
                im.write(&row, owes);
            }
            report.milestones += 1;
        }
    }
}

/// The certification tiers by date.
pub(super) fn tiers(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
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

/// The reminder policies.
pub(super) fn reminder_policies(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
    for (i, p) in ds.reminder_policies.iter().enumerate() {
        let row = rown("reminder_policies", i);
        let scope = match (&p.programme, &p.milestone, &p.agency) {
            (Some(pr), None, None) => im
                .reference(&row, "programme", Table::Programmes, pr)
                .map(|i| i.to_string()),
            (None, Some(m), None) => im
                .reference(&row, "milestone", Table::Milestones, m)
                .map(|i| i.to_string()),
            (None, None, Some(a)) => im
                .reference(&row, "agency", Table::Agencies, a)
                .map(|i| i.to_string()),
            (None, None, None) => Some(String::new()),
            _ => {
                im.problem(
                    &row,
                    "programme",
                    "ghi một trong programme, milestone, agency (hoặc không ghi cả ba: chính sách mặc định)",
                );
                None
            }
        };
        if !["draft", "issue", "send"].contains(&p.auto.as_str()) {
            im.problem(
                &row,
                "auto",
                format!(
                    "\"{}\" không hợp lệ; hãy ghi draft, issue hoặc send",
                    p.auto
                ),
            );
        }
        if p.overdue_every == Some(0) || p.before.contains(&0) {
            im.problem(
                &row,
                "before",
                "số ngày phải lớn hơn 0 (ngày đến hạn: on_due = true)",
            );
        }
        let before = p
            .before
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let issuer = match &p.issuer {
            Some(i) => im
                .reference(&row, "issuer", Table::Agencies, i)
                .map(|i| Some(i.to_string())),
            None => Some(None),
        };
        if let (Some(scope), Some(issuer)) = (scope, issuer)
            && im.write(
                &row,
                import::reminder_policy(
                    im.tx,
                    &import::NewReminderPolicy {
                        scope: &scope,
                        before_days: &before,
                        on_due: p.on_due,
                        overdue_every: p.overdue_every,
                        working_days: p.working_days,
                        auto: &p.auto,
                        issuer: issuer.as_deref(),
                        expiry_months: &p
                            .expiry_months
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(","),
                        on_expiry: p.on_expiry,
                    },
                ),
            )
        {
            report.reminder_policies += 1;
        }
    }
}

/// The holidays (one row per day).
pub(super) fn holidays(im: &mut Importer, ds: &Dataset, report: &mut ImportReport, rown: &Rown) {
    for (i, h) in ds.holidays.iter().enumerate() {
        let row = rown("holidays", i);
        let from = im.date(&row, "date", &h.date);
        let until = match &h.until {
            Some(u) => im.date(&row, "until", u),
            None => from,
        };
        if let (Some(from), Some(until)) = (from, until) {
            if until < from || (until - from).num_days() > 31 {
                im.problem(
                    &row,
                    "until",
                    "ngày kết thúc phải sau ngày bắt đầu, tối đa 31 ngày",
                );
                continue;
            }
            for day in from.iter_days().take_while(|d| *d <= until) {
                let held = import::holiday(im.tx, day, &h.name);
                im.write(&row, held);
            }
            report.holidays += 1;
        }
    }
}
