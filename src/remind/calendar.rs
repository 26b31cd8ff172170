//! Vietnamese working days: Monday to Friday, minus the public holidays stored as data
//! (`holidays` table, e.g. the Tết days the Government announces each year).

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The holidays known to the database.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// Loads the `holidays` table.
    pub fn load(conn: &rusqlite::Connection) -> rusqlite::Result<Calendar> {
        let days = crate::store::reminders::holidays(conn)?
            .into_iter()
            .filter_map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .collect::<Vec<_>>();
        Ok(Calendar::new(days))
    }

    /// Whether offices work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// `n` days before (`n` < 0) or after `day`: calendar days, or working days when
    /// `working` (counting only working days, so the result is one).
    pub fn shift(&self, day: NaiveDate, n: i64, working: bool) -> NaiveDate {
        if !working {
            return if n >= 0 {
                day.checked_add_days(Days::new(n as u64))
            } else {
                day.checked_sub_days(Days::new(n.unsigned_abs()))
            }
            .unwrap_or(day);
        }
        let mut d = day;
        let mut left = n.unsigned_abs();
        while left > 0 {
            let next = if n >= 0 { d.succ_opt() } else { d.pred_opt() };
            let Some(next) = next else { break };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// How long until the next `at` o'clock in Vietnam (UTC+7) after `now`.
pub fn until_next(
    at: chrono::NaiveTime,
    now: chrono::DateTime<chrono::Utc>,
) -> std::time::Duration {
    let vn = crate::vietnam_offset();
    let local = now.with_timezone(&vn);
    let mut next = local.date_naive().and_time(at);
    if next <= local.naive_local() {
        next += chrono::Duration::days(1);
    }
    (next - local.naive_local()).to_std().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Tết Tân Sửu 2021: offices closed Wednesday 10/02 to Tuesday 16/02.
    fn tet_2021() -> Calendar {
        Calendar::new((10..=16).map(|day| d(2021, 2, day)))
    }

    #[test]
    fn working_days_skip_weekends_and_tet() {
        let c = tet_2021();
        assert!(!c.is_working_day(d(2021, 2, 12)), "Tết");
        assert!(!c.is_working_day(d(2021, 2, 20)), "Saturday");
        assert!(c.is_working_day(d(2021, 2, 17)));
        // 3 working days before Thursday 18/02: 17/02, then back over Tết and the
        // weekend to Tuesday 09/02 and Monday 08/02.
        assert_eq!(c.shift(d(2021, 2, 18), -3, true), d(2021, 2, 8));
        // 5 working days after Tuesday 09/02: 17, 18, 19, 22, 23 February.
        assert_eq!(c.shift(d(2021, 2, 9), 5, true), d(2021, 2, 23));
        // Calendar days ignore all that.
        assert_eq!(c.shift(d(2021, 2, 18), -3, false), d(2021, 2, 15));
        assert_eq!(c.shift(d(2021, 2, 18), 0, true), d(2021, 2, 18));
    }

    #[test]
    fn the_daily_run_is_in_vietnam_time() {
        use chrono::TimeZone;
        let at = chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap();
        // 23:30 UTC is 06:30 in Hà Nội: the run is in 30 minutes.
        let now = chrono::Utc
            .with_ymd_and_hms(2020, 10, 22, 23, 30, 0)
            .unwrap();
        assert_eq!(until_next(at, now).as_secs(), 30 * 60);
        // 00:30 UTC is 07:30 in Hà Nội: tomorrow, in 23 h 30.
        let now = chrono::Utc
            .with_ymd_and_hms(2020, 10, 23, 0, 30, 0)
            .unwrap();
        assert_eq!(until_next(at, now).as_secs(), (23 * 60 + 30) * 60);
    }
}
