//! Stars, and who may certify them: the tier policy of a province.

use chrono::NaiveDate;

use crate::data::Score;
use crate::store::Store;

/// What happens to an evaluated product at a given certifying level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// Below 3★: not an OCOP product.
    NotCertified { stars: u8 },
    /// Certified by this level's decision.
    Certify { stars: u8 },
    /// Above this level's tier: the dossier goes to the next level up.
    Transfer { stars: u8 },
    /// Within 3★–5★ but below what this level certifies (e.g. 3★ at a province
    /// under 148/QĐ-TTg): it belongs to a lower level.
    BelowTier { stars: u8 },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::NotCertified { stars } => write!(f, "{stars} sao, không đạt (dưới 3 sao)"),
            Outcome::Certify { stars } => write!(f, "{stars} sao, công nhận"),
            Outcome::Transfer { stars } => write!(f, "{stars} sao, chuyển cấp trên"),
            Outcome::BelowTier { stars } => write!(f, "{stars} sao, thuộc thẩm quyền cấp dưới"),
        }
    }
}

/// The stars a level may certify: `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub min_stars: u8,
    pub max_stars: u8,
}

impl Tier {
    /// Decides a product's outcome from its score.
    pub fn outcome(self, score: Score) -> Outcome {
        let stars = score.stars();
        if stars < 3 {
            Outcome::NotCertified { stars }
        } else if stars > self.max_stars {
            Outcome::Transfer { stars }
        } else if stars < self.min_stars {
            Outcome::BelowTier { stars }
        } else {
            Outcome::Certify { stars }
        }
    }
}

/// A level as a clerk names it: "cấp huyện", "cấp tỉnh".
pub fn level_name(level: &str) -> &'static str {
    match level {
        "commune" => "cấp xã",
        "district" => "cấp huyện",
        "province" => "cấp tỉnh",
        "national" => "cấp trung ương",
        _ => "cơ quan chuyên môn",
    }
}

/// The province an agency belongs to (itself, if it is one), walking up the parents.
pub fn province_of(store: &Store, agency: &str) -> rusqlite::Result<Option<String>> {
    Ok(crate::store::agencies::chain_up(store.conn(), agency)?
        .into_iter()
        .find(|(_, _, level)| level == "province")
        .map(|(id, _, _)| id))
}

/// The tier of a certifying level in a province on a given day: the province's own
/// policy in force that day, else the default policy in force that day (148/QĐ-TTg
/// before 06/07/2025, 1489/QĐ-TTg from then, as rows of `tier_policies`). `None` when
/// that level certifies nothing there on that day.
pub fn tier(
    store: &Store,
    province: Option<&str>,
    level: &str,
    date: NaiveDate,
) -> rusqlite::Result<Option<Tier>> {
    let c = store.conn();
    let day = date.to_string();
    // The policy in force: the latest start on or before the day, the province's own
    // rows first.
    let in_force = |key: &str| crate::store::ocop::tier_policy_from(c, key, &day);
    let (key, from) = match in_force(province.unwrap_or(""))? {
        Some(from) if province.is_some() => (province.unwrap_or(""), from),
        _ => match in_force("")? {
            Some(from) => ("", from),
            None => return Ok(None),
        },
    };
    Ok(
        crate::store::ocop::tier(c, key, &from, level)?.map(|(min_stars, max_stars)| Tier {
            min_stars,
            max_stars,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(p: i64) -> Score {
        Score::parse(p).unwrap()
    }

    #[test]
    fn district_under_148() {
        let t = Tier {
            min_stars: 3,
            max_stars: 3,
        };
        assert_eq!(t.outcome(s(49)), Outcome::NotCertified { stars: 2 });
        assert_eq!(t.outcome(s(50)), Outcome::Certify { stars: 3 });
        assert_eq!(t.outcome(s(69)), Outcome::Certify { stars: 3 });
        assert_eq!(t.outcome(s(70)), Outcome::Transfer { stars: 4 });
        assert_eq!(t.outcome(s(100)), Outcome::Transfer { stars: 5 });
        assert_eq!(t.outcome(s(0)), Outcome::NotCertified { stars: 1 });
    }

    #[test]
    fn province_in_the_two_tier_structure() {
        let t = Tier {
            min_stars: 3,
            max_stars: 4,
        };
        assert_eq!(t.outcome(s(55)), Outcome::Certify { stars: 3 });
        assert_eq!(t.outcome(s(89)), Outcome::Certify { stars: 4 });
        assert_eq!(t.outcome(s(90)), Outcome::Transfer { stars: 5 });
        let old = Tier {
            min_stars: 4,
            max_stars: 4,
        };
        assert_eq!(old.outcome(s(60)), Outcome::BelowTier { stars: 3 });
    }
}
