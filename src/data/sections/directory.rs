//! Who writes and receives: the agencies, the people who sign, the recipient groups
//! and the programmes.

use super::Rown;
use crate::data::importer::{Importer, LEVELS, Table};
use crate::data::types::Id;
use crate::data::{Dataset, ImportReport};
use crate::model::AuthorityLine;
use crate::store::import;

/// The agencies, then their parents (a parent may come later in the file).
pub(in crate::data) fn agencies(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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
pub(in crate::data) fn people(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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
pub(in crate::data) fn groups(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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
pub(in crate::data) fn programmes(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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
