//! What is in force on a document's date: the legal bases a decision cites
//! ("Căn cứ …", table `legal_bases`) and the wording of an agency's decisions (on
//! whose proposal it decides, who executes it: table `decision_wordings`). Both are
//! data with dates, never code: the law changed in 2025 (1489/QĐ-TTg, the two-level
//! local government) and agencies changed names (Sở Nông nghiệp và Môi trường).

use chrono::NaiveDate;

use crate::store::Store;

/// What a group of legal bases is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// The law on local government (who the People's Committee is).
    LocalGovernment,
    /// The OCOP criteria and procedure (148/QĐ-TTg and its amendments).
    Ocop,
}

impl Topic {
    fn key(self) -> &'static str {
        match self {
            Topic::LocalGovernment => "local-government",
            Topic::Ocop => "ocop",
        }
    }
}

/// The citations of `topics` in force on `date`, in their order among the grounds,
/// without the leading "Căn cứ ".
pub fn bases(store: &Store, topics: &[Topic], date: NaiveDate) -> rusqlite::Result<Vec<String>> {
    let day = date.to_string();
    let mut out = Vec::new();
    for topic in topics {
        out.extend(crate::store::ocop::legal_bases(
            store.conn(),
            topic.key(),
            &day,
        )?);
    }
    Ok(out)
}

/// The grounds lines of a decision on `date`: "Căn cứ <citation>" for the law on local
/// government and the OCOP decisions in force that day.
pub fn grounds(store: &Store, date: NaiveDate) -> rusqlite::Result<Vec<String>> {
    Ok(bases(store, &[Topic::LocalGovernment, Topic::Ocop], date)?
        .into_iter()
        .map(|c| format!("Căn cứ {c}"))
        .collect())
}

/// How an agency's decisions name who proposes them and who executes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// Who proposes, e.g. "Giám đốc Sở Nông nghiệp và Môi trường" (the line reads
    /// "Theo đề nghị của …").
    pub proposal: String,
    /// Who executes it (Điều 3), e.g. "Chánh Văn phòng UBND tỉnh, Giám đốc Sở …".
    pub executors: String,
}

/// The agency's wording in force on `date` (the row with the latest start on or
/// before it), if it has one.
pub fn wording(store: &Store, agency: &str, date: NaiveDate) -> rusqlite::Result<Option<Wording>> {
    Ok(
        crate::store::ocop::wording(store.conn(), agency, &date.to_string())?.map(
            |(proposal, executors)| Wording {
                proposal,
                executors,
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_grounds_follow_the_date() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::init(&dir.path().join("rules.db")).unwrap();
        let on = |d| grounds(&store, d).unwrap().join("\n");
        let before = on(day(2025, 7, 5));
        assert!(before.contains("148/QĐ-TTg ngày 24/02/2023"), "{before}");
        assert!(!before.contains("1489/QĐ-TTg"), "{before}");
        assert!(before.contains("Luật Tổ chức chính quyền địa phương ngày 16/6/2025"));
        let after = on(day(2025, 7, 6));
        assert!(after.contains("148/QĐ-TTg") && after.contains("1489/QĐ-TTg ngày 06/7/2025"));
        let old = on(day(2021, 7, 20));
        assert!(old.contains("1048/QĐ-TTg") && !old.contains("148/QĐ-TTg ngày 24"));
        assert!(old.contains("ngày 19/6/2015"));
        assert_eq!(grounds(&store, day(2025, 6, 30)).unwrap().len(), 2);
    }
}
