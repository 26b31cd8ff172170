//! Domain values that parse, not validate: an `Email`, `Score` or `Id` that exists is valid.

use std::fmt;

/// A mailbox address, safe to put in a header: one `@`, no whitespace or control
/// characters (so `x@y.vn\r\nBcc: z@evil` cannot exist), a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let s = input.trim();
        let bad = |why: &str| {
            Err(format!(
                "địa chỉ thư \"{}\" không hợp lệ: {why}",
                input.escape_debug()
            ))
        };
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("có dấu cách hoặc ký tự xuống dòng");
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return bad("phải có đúng một dấu @");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !local_ok {
            return bad("phần trước @ chỉ gồm chữ không dấu, số và . _ -");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && domain.len() <= 253
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        if !domain_ok {
            return bad("tên miền sau @ phải có dạng bacgiang.gov.vn");
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An OCOP evaluation score, 0 to 100 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(u8);

impl Score {
    pub fn parse(points: i64) -> Result<Score, String> {
        u8::try_from(points)
            .ok()
            .filter(|p| *p <= 100)
            .map(Score)
            .ok_or_else(|| format!("điểm {points} nằm ngoài khoảng 0–100"))
    }

    pub fn points(self) -> u8 {
        self.0
    }

    /// Stars by the rule table of the OCOP criteria: <30 → 1, 30–49 → 2, 50–69 → 3,
    /// 70–89 → 4, 90–100 → 5.
    pub fn stars(self) -> u8 {
        match self.0 {
            0..=29 => 1,
            30..=49 => 2,
            50..=69 => 3,
            70..=89 => 4,
            _ => 5,
        }
    }
}

/// A record id chosen by the office (`ubnd-luc-nam`, `sp-001`): ASCII letters,
/// digits, `-`, `_`, `.`, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    pub fn parse(input: &str) -> Result<Id, String> {
        let s = input.trim();
        if s.is_empty()
            || s.len() > 64
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(format!(
                "mã \"{}\" không hợp lệ: chỉ dùng chữ không dấu, số và - _ . (ví dụ: ubnd-luc-nam)",
                input.escape_debug()
            ));
        }
        Ok(Id(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" VanThu@BacGiang.GOV.vn ").unwrap().as_str(),
            "VanThu@bacgiang.gov.vn"
        );
        for bad in [
            "a@b@c",
            "x@y.vn\r\nBcc: z@evil",
            "khong-co-a-cong",
            "@bacgiang.gov.vn",
            "a@localhost",
            "a..b@x.vn",
            "văn.thư@x.vn",
            "a@-x.vn",
            "a b@x.vn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scores_and_star_boundaries() {
        for (p, s) in [
            (0, 1),
            (29, 1),
            (30, 2),
            (49, 2),
            (50, 3),
            (69, 3),
            (70, 4),
            (89, 4),
            (90, 5),
            (100, 5),
        ] {
            assert_eq!(Score::parse(p).unwrap().stars(), s, "{p}");
        }
        assert!(Score::parse(101).is_err());
        assert!(Score::parse(-1).is_err());
    }

    #[test]
    fn ids() {
        assert!(Id::parse("ubnd-luc-nam").is_ok());
        assert!(Id::parse("ubnd lục nam").is_err());
        assert!(Id::parse("").is_err());
    }
}
