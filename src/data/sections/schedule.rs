//! What is due: the milestones and who owes them, the reminder policies and the
//! holidays.

use super::Rown;
use crate::data::importer::{Importer, Table};
use crate::data::types::Id;
use crate::data::{Dataset, ImportReport};
use crate::store::import;

/// The milestones and the agencies that owe each.
pub(in crate::data) fn milestones(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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

/// The reminder policies.
pub(in crate::data) fn reminder_policies(
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
pub(in crate::data) fn holidays(
    im: &mut Importer,
    ds: &Dataset,
    report: &mut ImportReport,
    rown: &Rown,
) {
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
