//! The document date: complete for issued documents, partly blank for drafts.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::text::BLANK;

/// A stored `YYYY-MM-DD` as a clerk writes it, `dd/mm/yyyy` (the books, the delivery
/// table); text that is not such a day is returned as is.
pub fn day_month_year(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// The date a document bears.
///
/// Drafts are printed before the leader signs, so the day (and sometimes the month)
/// is left blank for the clerk: `ngày      tháng 9 năm 2020`.
/// Invariant: a day is only present with a month, and a complete date exists in the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

/// Why a date could not be read; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error(
        "\"{0}\" không phải là ngày; hãy ghi \"2021-05-17\" hoặc \"17/05/2021\" (bản dự thảo chưa có ngày: \"2021-05\" hoặc \"2021\")"
    )]
    Malformed(String),
    #[error("ngày \"{0}\" không có trong lịch (hãy kiểm tra ngày và tháng)")]
    DoesNotExist(String),
}

impl DocDate {
    /// A complete date.
    pub fn full(date: NaiveDate) -> Self {
        DocDate {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    /// A draft date with only the year, or the year and the month.
    pub fn partial(year: i32, month: Option<u32>) -> Result<Self, DateError> {
        if let Some(m) = month
            && !(1..=12).contains(&m)
        {
            return Err(DateError::DoesNotExist(format!("{m}/{year}")));
        }
        if !(1900..=9999).contains(&year) {
            return Err(DateError::DoesNotExist(year.to_string()));
        }
        Ok(DocDate {
            year,
            month,
            day: None,
        })
    }

    /// Reads `2021-05-17`, `17/05/2021`, `17/5/2021` (complete) or `2021-05`, `05/2021`,
    /// `2021` (drafts).
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let s = input.trim();
        let malformed = || DateError::Malformed(input.to_string());
        let nums = |parts: Vec<&str>| -> Result<Vec<i64>, DateError> {
            parts
                .iter()
                .map(|p| {
                    if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                        Err(malformed())
                    } else {
                        p.parse::<i64>().map_err(|_| malformed())
                    }
                })
                .collect()
        };
        // (year, month, day) in that order, whatever the input order.
        let (y, m, d) = if s.contains('-') {
            let n = nums(s.split('-').collect())?;
            match n.as_slice() {
                [y, m, d] => (*y, Some(*m), Some(*d)),
                [y, m] => (*y, Some(*m), None),
                _ => return Err(malformed()),
            }
        } else if s.contains('/') {
            let n = nums(s.split('/').collect())?;
            match n.as_slice() {
                [d, m, y] => (*y, Some(*m), Some(*d)),
                [m, y] => (*y, Some(*m), None),
                _ => return Err(malformed()),
            }
        } else {
            let n = nums(vec![s])?;
            (n[0], None, None)
        };
        if !(1900..=9999).contains(&y) {
            return Err(malformed());
        }
        let y = y as i32;
        match (m, d) {
            (Some(m), Some(d)) => {
                let (m, d) = (u32::try_from(m).ok(), u32::try_from(d).ok());
                match (m, d) {
                    (Some(m), Some(d)) => NaiveDate::from_ymd_opt(y, m, d)
                        .map(DocDate::full)
                        .ok_or_else(|| DateError::DoesNotExist(input.trim().to_string())),
                    _ => Err(malformed()),
                }
            }
            (Some(m), None) => DocDate::partial(y, u32::try_from(m).ok())
                .map_err(|_| DateError::DoesNotExist(input.trim().to_string())),
            _ => DocDate::partial(y, None),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> Option<u32> {
        self.month
    }

    pub fn day(&self) -> Option<u32> {
        self.day
    }

    /// The complete date, if the document has one.
    pub fn as_naive(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month?, self.day?)
    }

    /// A complete day typed by a user in any form [`DocDate::parse`] reads
    /// (`2026-06-26`, `26/06/2026`); `None` for a partial or impossible one.
    pub fn parse_day(input: &str) -> Option<NaiveDate> {
        DocDate::parse(input).ok()?.as_naive()
    }

    /// `ngày 17 tháng 5 năm 2021`: days below 10 and the months 1 and 2 take a
    /// leading zero (Nghị định 30, ô số 4); blanks stay blank.
    pub fn long_form(&self) -> String {
        format!(
            "ngày {} tháng {} năm {}",
            self.day.map(day_text).unwrap_or_else(|| BLANK.to_string()),
            self.month
                .map(month_text)
                .unwrap_or_else(|| BLANK.to_string()),
            self.year
        )
    }

    /// `17/5/2021`, `05/02/2021`, or `   /3/2021` for a draft (annex lines).
    pub fn short_form(&self) -> String {
        format!(
            "{}/{}/{}",
            self.day.map(day_text).unwrap_or_else(|| BLANK.to_string()),
            self.month
                .map(month_text)
                .unwrap_or_else(|| BLANK.to_string()),
            self.year
        )
    }
}

fn day_text(d: u32) -> String {
    format!("{d:02}")
}

fn month_text(m: u32) -> String {
    if m <= 2 {
        format!("{m:02}")
    } else {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_follow_the_decree() {
        let d = DocDate::parse("2021-02-05").unwrap();
        assert_eq!(d.long_form(), "ngày 05 tháng 02 năm 2021");
        let d = DocDate::parse("17/05/2021").unwrap();
        assert_eq!(d.long_form(), "ngày 17 tháng 5 năm 2021");
        let d = DocDate::parse("2020-11-05").unwrap();
        assert_eq!(d.long_form(), "ngày 05 tháng 11 năm 2020");
        assert_eq!(d.short_form(), "05/11/2020");
        let d = DocDate::parse("30/1/2024").unwrap();
        assert_eq!(d.long_form(), "ngày 30 tháng 01 năm 2024");
    }

    #[test]
    fn drafts_keep_blanks() {
        let d = DocDate::parse("2020-09").unwrap();
        assert_eq!(d.long_form(), format!("ngày {BLANK} tháng 9 năm 2020"));
        assert_eq!(d.as_naive(), None);
        let d = DocDate::parse("2021").unwrap();
        assert_eq!(
            d.long_form(),
            format!("ngày {BLANK} tháng {BLANK} năm 2021")
        );
        assert_eq!(DocDate::parse("3/2021").unwrap().month(), Some(3));
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        assert!(matches!(
            DocDate::parse("2021-02-30"),
            Err(DateError::DoesNotExist(_))
        ));
        assert!(matches!(
            DocDate::parse("2023-02-29"),
            Err(DateError::DoesNotExist(_))
        ));
        assert!(DocDate::parse("2024-02-29").is_ok());
        assert!(matches!(
            DocDate::parse("2021-13"),
            Err(DateError::DoesNotExist(_))
        ));
        for bad in [
            "hôm nay",
            "17.5.2021",
            "2021-5-",
            "",
            "21-05-17x",
            "1/2/3/4",
        ] {
            assert!(
                matches!(DocDate::parse(bad), Err(DateError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
