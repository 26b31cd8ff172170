//! A milestone's reminder policy: its steps (before, on and after the due date, in
//! calendar or working days), how a drafted reminder proceeds, and the steps' names.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::calendar::Calendar;

/// What happens to a reminder once drafted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auto {
    /// Stays a draft for a signer to approve.
    Draft,
    /// Issued through the register.
    Issue,
    /// Issued and queued for e-mail.
    Send,
}

/// When a milestone's reminders fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub before: Vec<u32>,
    pub on_due: bool,
    pub overdue_every: Option<u32>,
    pub working_days: bool,
    pub auto: Auto,
    /// The agency that writes the reminders (default: the programme's issuer).
    pub issuer: Option<String>,
    /// Certificates: a notice this many months before they expire.
    pub expiry_months: Vec<u32>,
    /// Certificates: a notice on the day they expire.
    pub on_expiry: bool,
}

/// One step of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Before(u32),
    Due,
    /// `n` days (or working days) after the due date.
    Overdue(u32),
}

impl Step {
    /// The stored key: `before-14`, `due`, `overdue-7`.
    pub fn key(self) -> String {
        match self {
            Step::Before(n) => format!("before-{n}"),
            Step::Due => "due".into(),
            Step::Overdue(n) => format!("overdue-{n}"),
        }
    }
}

impl Policy {
    /// The latest step whose day is on or before `date`, and that day.
    pub fn step_on(
        &self,
        due: NaiveDate,
        date: NaiveDate,
        cal: &Calendar,
    ) -> Option<(Step, NaiveDate)> {
        let w = self.working_days;
        let mut best: Option<(Step, NaiveDate)> = None;
        let mut consider = |step: Step, day: NaiveDate| {
            if day <= date && best.is_none_or(|(_, b)| day > b) {
                best = Some((step, day));
            }
        };
        for &n in &self.before {
            consider(Step::Before(n), cal.shift(due, -(n as i64), w));
        }
        if self.on_due {
            consider(Step::Due, due);
        }
        if let (Some(k), true) = (self.overdue_every, date > due) {
            let k = k as i64;
            if w {
                let mut i = 1;
                loop {
                    let day = cal.shift(due, i * k, true);
                    if day > date {
                        break;
                    }
                    consider(Step::Overdue((i * k) as u32), day);
                    i += 1;
                }
            } else {
                let i = (date - due).num_days() / k;
                if i >= 1 {
                    consider(Step::Overdue((i * k) as u32), cal.shift(due, i * k, false));
                }
            }
        }
        best
    }
}

impl Policy {
    /// The latest certificate-expiry step whose day has come: `before-6m`, `before-3m`
    /// (months before `expires`, until it expires) or `expired` (on the day, and for a
    /// month after, so a missed run still sends it but an old expiry is not dug up).
    pub fn expiry_step(&self, expires: NaiveDate, date: NaiveDate) -> Option<(String, NaiveDate)> {
        if self.on_expiry && date >= expires {
            return (date <= expires + chrono::Days::new(31)).then(|| ("expired".into(), expires));
        }
        self.expiry_months
            .iter()
            .filter_map(|&m| {
                let day = expires.checked_sub_months(chrono::Months::new(m))?;
                (day <= date && date < expires).then(|| (format!("before-{m}m"), day))
            })
            .max_by_key(|(_, day)| *day)
    }
}

pub(super) fn load_policies(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<HashMap<String, Policy>> {
    let list =
        |s: &str| -> Vec<u32> { s.split(',').filter_map(|n| n.trim().parse().ok()).collect() };
    Ok(crate::store::reminders::policies(conn)?
        .into_iter()
        .map(|r| {
            let policy = Policy {
                before: list(&r.before_days),
                on_due: r.on_due,
                overdue_every: r.overdue_every,
                working_days: r.working_days,
                auto: match r.auto.as_str() {
                    "issue" => Auto::Issue,
                    "send" => Auto::Send,
                    _ => Auto::Draft,
                },
                issuer: r.issuer_id,
                expiry_months: list(&r.expiry_months),
                on_expiry: r.on_expiry,
            };
            (r.scope, policy)
        })
        .collect())
}

pub(super) fn policy_for<'a>(
    policies: &'a HashMap<String, Policy>,
    milestone: &str,
    programme: &str,
) -> Option<&'a Policy> {
    policies
        .get(milestone)
        .or_else(|| policies.get(programme))
        .or_else(|| policies.get(""))
}

/// A step key as a clerk reads it: `before-14` → "14 ngày trước hạn", `due` → "đúng
/// hạn", `overdue-7` → "quá hạn 7 ngày", `before-6m` → "6 tháng trước khi hết hạn",
/// `expired` → "hết hạn", `expiry` → "giấy chứng nhận hết hạn".
pub fn step_label(key: &str) -> String {
    if let Some(m) = key
        .strip_prefix("before-")
        .and_then(|k| k.strip_suffix('m'))
    {
        return format!("{m} tháng trước khi hết hạn");
    }
    if let Some(n) = key.strip_prefix("before-") {
        return format!("{n} ngày trước hạn");
    }
    if let Some(n) = key.strip_prefix("overdue-") {
        return format!("quá hạn {n} ngày");
    }
    match key {
        "due" => "đúng hạn".into(),
        "expired" => "hết hạn".into(),
        "expiry" => "giấy chứng nhận hết hạn".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn default_policy() -> Policy {
        Policy {
            before: vec![14, 3],
            on_due: true,
            overdue_every: Some(7),
            working_days: false,
            auto: Auto::Draft,
            issuer: None,
            expiry_months: vec![6, 3],
            on_expiry: true,
        }
    }

    #[test]
    fn the_latest_step_that_has_come() {
        let p = default_policy();
        let c = Calendar::default();
        let due = d(10, 30);
        assert_eq!(
            p.step_on(due, d(10, 15), &c),
            None,
            "15 days before: nothing yet"
        );
        assert_eq!(
            p.step_on(due, d(10, 16), &c),
            Some((Step::Before(14), d(10, 16)))
        );
        assert_eq!(
            p.step_on(due, d(10, 26), &c),
            Some((Step::Before(14), d(10, 16)))
        );
        assert_eq!(
            p.step_on(due, d(10, 27), &c),
            Some((Step::Before(3), d(10, 27)))
        );
        assert_eq!(p.step_on(due, d(10, 30), &c), Some((Step::Due, d(10, 30))));
        assert_eq!(p.step_on(due, d(11, 5), &c), Some((Step::Due, d(10, 30))));
        assert_eq!(
            p.step_on(due, d(11, 6), &c),
            Some((Step::Overdue(7), d(11, 6)))
        );
        assert_eq!(
            p.step_on(due, d(11, 20), &c),
            Some((Step::Overdue(21), d(11, 20)))
        );
        // A run missed for weeks catches up with the current step only.
        assert_eq!(
            p.step_on(due, d(12, 3), &c),
            Some((Step::Overdue(28), d(11, 27)))
        );
    }

    #[test]
    fn step_labels_are_vietnamese() {
        assert_eq!(step_label("before-14"), "14 ngày trước hạn");
        assert_eq!(step_label("before-3m"), "3 tháng trước khi hết hạn");
        assert_eq!(step_label("overdue-21"), "quá hạn 21 ngày");
        assert_eq!(step_label("due"), "đúng hạn");
    }

    #[test]
    fn working_day_steps_skip_the_weekend() {
        let p = Policy {
            working_days: true,
            ..default_policy()
        };
        let c = Calendar::default();
        // Friday 30/10/2020: 3 working days before is Tuesday 27/10; overdue by 7 working
        // days is Tuesday 10/11.
        assert_eq!(
            p.step_on(d(10, 30), d(10, 27), &c),
            Some((Step::Before(3), d(10, 27)))
        );
        assert_eq!(
            p.step_on(d(10, 30), d(11, 9), &c),
            Some((Step::Due, d(10, 30)))
        );
        assert_eq!(
            p.step_on(d(10, 30), d(11, 10), &c),
            Some((Step::Overdue(7), d(11, 10)))
        );
    }
}
